"""`relais seed-demo`: a realistic synthetic demo, seeded once per database."""
from __future__ import annotations

import logging
import os
import random
import secrets
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from application.caller import Caller
from application.candidates import CandidateDetails
from application.errors import DuplicateError
from domain.offer import OfferTerms
from infrastructure.bootstrap import Services
from infrastructure.checkpoints import SealRefusedError
from infrastructure.demo_decisions import seed_decisions
from infrastructure.demo_people import figures_fields
from infrastructure.demo_data import AGENCIES, CONTRACTS, FIRST_NAMES, LAST_NAMES, TRADES

log = logging.getLogger(__name__)
MARKER = "demo_seeded_at"
CANDIDATES_PER_AGENCY = 70
OFFERS_PER_AGENCY = 10


def already_seeded(services: Services) -> bool:
    with services.database.read() as tx:
        return tx.fetchone("SELECT value FROM app_state WHERE key = ?", (MARKER,)) is not None


def seed_demo(services: Services, logins_path: Path, seed: int = 20261128) -> list[tuple[str, str, str]] | None:
    """Seed accounts, job seekers and offers; None if this database was seeded before."""
    if already_seeded(services):
        return None
    rng = random.Random(seed)
    operator = Caller.cli("seed-demo", actor="seed-demo")
    logins = _seed_accounts(services, operator)
    today = services.clock.now().date()
    for agency_id, (_, communes) in AGENCIES.items():
        advisor = Caller(f"seed-demo:{agency_id}", "advisor", agency_id, operator.correlation_id)
        for _ in range(CANDIDATES_PER_AGENCY):
            _register_candidate(services, advisor, rng, communes, today)
        offer_ids = [services.app.publish_offer(_offer_terms(rng, communes), advisor) for _ in range(OFFERS_PER_AGENCY)]
        seed_decisions(services, agency_id, advisor, offer_ids, seed)
    with services.database.transaction() as tx:
        tx.execute("INSERT INTO app_state (key, value) VALUES (?, ?)", (MARKER, services.clock.now().isoformat()))
    _write_logins(logins_path, logins)
    _seal(services)
    return logins


def _seal(services: Services) -> None:
    """Seal what was seeded at once: the integrity page shows it sealed before the scheduler's first tick."""
    if services.audit is None:
        return
    try:
        services.audit.write_checkpoint(force=True)
    except SealRefusedError as error:  # a mark left by an earlier database at the same place: verify-log says so
        log.warning("demo seeded but not sealed: %s", error)


def _seed_accounts(services: Services, operator: Caller) -> list[tuple[str, str, str]]:
    wanted = [("advisor", f"conseiller.{agency.split('-')[0]}", agency) for agency in AGENCIES]
    wanted += [("auditor", "auditeur", ""), ("compliance", "conformite", ""), ("admin", "admin", "")]
    logins = []
    for role, username, agency in wanted:
        password = secrets.token_urlsafe(12)
        try:
            services.app.open_account(username, role, agency, password, operator)
        except DuplicateError:
            continue  # created by hand before the demo was seeded: leave it alone
        logins.append((role, username, password))
    return logins


def _register_candidate(services: Services, advisor: Caller, rng: random.Random, communes: tuple[str, ...], today: date) -> None:
    codes = rng.sample(sorted(TRADES), k=rng.choice((1, 1, 2)))
    skills = [skill for code in codes for skill in rng.sample(TRADES[code][1], k=rng.randint(2, 4))]
    details = CandidateDetails(
        first_name=rng.choice(FIRST_NAMES),
        last_name=rng.choice(LAST_NAMES),
        # 06 40..-06 89.. and 07 40..-07 89..: all valid (06 39, 06 90-97 and 07 00-07 29 are not).
        phone=f"0{rng.choice('67')}{rng.randint(40_000_000, 89_999_999)}",
        commune=rng.choice(communes),
        rome_codes=tuple(codes),
        skills=tuple(skills),
        available_from=today + timedelta(days=rng.randint(-60, 90)),
        mobility_km=rng.choice((5, 10, 15, 20, 30, 50)),
        notes="",
        # About half say which contracts they accept; some work part time; some state a salary.
        contract_types=tuple(rng.sample(CONTRACTS, k=rng.randint(1, 3))) if rng.random() < 0.5 else (),
        max_hours_per_week=rng.choice((0, 0, 0, 20, 24, 28, 35)),
        salary_min_expected=rng.choice((0, 0, 20_000, 22_000, 24_000, 26_000)),
    )
    details = replace(details, **figures_fields(details.phone, today))
    try:
        services.app.register_candidate(details, sms_consent=rng.random() < 0.85, caller=advisor)
    except DuplicateError:
        pass  # the random phone number is already taken in this agency: one person fewer


def _offer_terms(rng: random.Random, communes: tuple[str, ...]) -> OfferTerms:
    code = rng.choice(sorted(TRADES))
    trade, skills = TRADES[code]
    salary_min = rng.randrange(21_000, 32_000, 500)
    return OfferTerms(
        title=trade,
        rome_code=code,
        skills=tuple(rng.sample(skills, k=rng.randint(2, len(skills)))),
        commune=rng.choice(communes),
        contract_type=rng.choice(CONTRACTS),
        hours_per_week=rng.choice((20, 24, 28, 35, 35, 35, 39)),
        salary_min=salary_min,
        salary_max=salary_min + rng.randrange(0, 6_000, 500),
        description=f"Poste de {trade.lower()} ; débutant accepté si motivé.",
    )


def _write_logins(path: Path, logins: list[tuple[str, str, str]]) -> None:
    """Owner-only file: `role username password` per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write("".join(f"{role} {username} {password}\n" for role, username, password in logins))
    os.chmod(path, 0o600)
