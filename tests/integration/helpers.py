"""Shared helpers of the integration suite: form input, callers, and raw reads of the store."""
from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from application.caller import Caller
from application.candidates import CandidateDetails
from application.values import OfferTerms
from infrastructure.bootstrap import Services

AGENCY = "lyon-est"
OTHER_AGENCY = "paris-nord"
READ_MODEL_TABLES = ("rm_candidates", "rm_offers", "rm_accounts")


def advisor(agency: str = AGENCY, actor: str = "advisor-lyon") -> Caller:
    """A signed-in advisor; every call gets its own correlation id, as a web request would."""
    return Caller(actor, "advisor", agency, f"req-{uuid4()}")


def compliance(actor: str = "dpo-1") -> Caller:
    return Caller(actor, "compliance", "", f"req-{uuid4()}")


def admin(actor: str = "admin-1") -> Caller:
    return Caller(actor, "admin", "", f"req-{uuid4()}")


def mobile(n: int) -> str:
    """A valid, distinct French mobile number per n < 10**7 (06 10.. to 06 19..)."""
    assert 0 <= n < 10**7
    return f"061{n:07d}"


def details(**changes: Any) -> CandidateDetails:
    values: dict[str, Any] = dict(
        first_name="Camille",
        last_name="Martin",
        phone="06 12 34 56 78",
        commune="Villeurbanne",
        rome_codes=("K2204",),
        skills=("nettoyage de locaux", "tri des déchets"),
        available_from=date(2026, 12, 1),
        mobility_km=10,
        notes="",
    )
    values.update(changes)
    return CandidateDetails(**values)


def terms(**changes: Any) -> OfferTerms:
    values: dict[str, Any] = dict(
        title="Agent de propreté",
        rome_code="K2204",
        skills=("nettoyage de locaux",),
        commune="Lyon",
        contract_type="CDI",
        hours_per_week=35,
        salary_min=22_000,
        salary_max=24_000,
        description="Poste du matin.",
    )
    values.update(changes)
    return OfferTerms(**values)


def notifications(services: Services, after: int = 0) -> list[Any]:
    """Every stored record after position `after`, in log order (raw bytes in `.state`)."""
    recorder = services.app.recorder
    found: list[Any] = []
    while True:
        batch = recorder.select_notifications(start=after, limit=1000, inclusive_of_start=False)
        if not batch:
            return found
        found.extend(batch)
        after = batch[-1].id


def domain_events(services: Services, after: int = 0) -> list[Any]:
    return [services.app.mapper.to_domain_event(n) for n in notifications(services, after)]


def max_id(services: Services) -> int:
    return services.app.recorder.max_notification_id() or 0


def table_rows(services: Services, table: str) -> list[dict[str, Any]]:
    """The whole table, every column, in a stable order (values made comparable across drivers)."""
    assert table in READ_MODEL_TABLES
    with services.database.read() as tx:
        rows = tx.fetchall(f"SELECT * FROM {table} ORDER BY id")
    return [dict(row) for row in rows]


def count(services: Services, sql: str, params: tuple[Any, ...] = ()) -> int:
    with services.database.read() as tx:
        row = tx.fetchone(sql, params)
    assert row is not None
    return int(next(iter(row.values())))
