"""The `relais` command, run as an operator would: a separate process, settings from the
environment, errors as one English line on stderr with exit status 2."""
from __future__ import annotations

import getpass
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from application.values import ERASED_PLACEHOLDER
from domain.candidate import Candidate
from infrastructure.bootstrap import Services, bootstrap
from infrastructure.database import open_database
from infrastructure.demo import CANDIDATES_PER_AGENCY, OFFERS_PER_AGENCY
from infrastructure.demo_data import AGENCIES
from infrastructure.passwords import Argon2PasswordHasher
from infrastructure.settings import Settings
from tests.integration.helpers import READ_MODEL_TABLES, advisor, details, domain_events, max_id, table_rows, terms

PASSWORD = "correct horse battery staple"


class Relais:
    """Runs `python -m web.cli` against one data folder and store."""

    def __init__(self, data_dir: Path, database_url: str | None = None) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
        self.env.update(RELAIS_DATA_DIR=str(data_dir), RELAIS_SEED_DEMO="0")
        if database_url:
            self.env["RELAIS_DATABASE_URL"] = database_url
        self.data_dir = data_dir

    def __call__(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "web.cli", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.data_dir.parent,
            timeout=180,
        )

    def services(self, **options: Any) -> Services:
        """This process's view of the same store (and the same key file)."""
        settings = Settings.from_env(self.env)
        return bootstrap(settings, passwords=Argon2PasswordHasher(time_cost=1, memory_cost=64), **options)

    def log_length(self) -> int:
        services = self.services(run_migrations=False)
        try:
            return max_id(services)
        finally:
            services.close()

    def rows(self, sql: str) -> list[dict[str, Any]]:
        """Read without migrating (so that a read never changes what is checked)."""
        database = open_database(Settings.from_env(self.env).database)
        try:
            with database.read() as tx:
                return tx.fetchall(sql)
        finally:
            database.close()


def assert_fails(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit status 2 and one clear English line, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("relais: error: "), result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[-1], (word, lines[-1])


@pytest.fixture
def relais(tmp_path: Path) -> Relais:
    return Relais(tmp_path / "data")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def relais_on_each_store(request: pytest.FixtureRequest, tmp_path: Path) -> Relais:
    url = None if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    return Relais(tmp_path / "data", url)


def test_migrate_twice_is_idempotent_then_create_user_makes_a_working_account(relais_on_each_store: Relais) -> None:
    relais = relais_on_each_store
    first = relais("migrate")
    assert first.returncode == 0, first.stderr
    applied = relais.rows("SELECT name, applied_at FROM schema_migrations ORDER BY name")
    expected = ["0000_event_store", *sorted(p.stem for p in (Path(__file__).parents[2] / "migrations").glob("*.sql"))]
    assert [row["name"] for row in applied] == expected
    assert "migration applied: 0056_rm_erasures_reason_text" in first.stdout  # what it did, on standard output

    second = relais("migrate")
    assert second.returncode == 0, second.stderr
    assert relais.rows("SELECT name, applied_at FROM schema_migrations ORDER BY name") == applied
    assert "up to date" in second.stdout and "migration applied" not in second.stdout

    created = relais("create-user", "--username", "Conseil.Est", "--role", "advisor", "--agency", "lyon-est",
                     "--new-agency", "--password-stdin", stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    accounts = relais.rows("SELECT * FROM rm_accounts")
    assert [(a["username"], a["role"], a["agency_id"], a["active"]) for a in accounts] == [
        ("conseil.est", "advisor", "lyon-est", 1)
    ]
    assert Argon2PasswordHasher().verify(accounts[0]["password_hash"], PASSWORD)
    assert accounts[0]["password_hash"].startswith("$argon2id$")

    log_length = relais.log_length()
    again = relais("create-user", "--username", "conseil.est", "--role", "auditor", "--password-stdin",
                   stdin="another long password\n")
    assert_fails(again, "conseil.est", "already exists")
    assert relais.rows("SELECT username, role, password_hash FROM rm_accounts") == [
        {"username": "conseil.est", "role": "advisor", "password_hash": accounts[0]["password_hash"]}
    ]
    assert relais.log_length() == log_length == 1


def test_create_user_refuses_a_short_password_a_missing_agency_and_a_password_on_the_command_line(
    relais: Relais,
) -> None:
    assert relais("migrate").returncode == 0
    assert_fails(relais("create-user", "--username", "court", "--role", "admin", "--password-stdin",
                        stdin="trop-court\n"), "password")
    assert_fails(relais("create-user", "--username", "sans.agence", "--role", "advisor", "--password-stdin",
                        stdin=PASSWORD + "\n"), "agency")
    assert_fails(relais("create-user", "--username", "pas.stdin", "--role", "admin"), "--password-stdin")
    unknown_role = relais("create-user", "--username", "x.y.z", "--role", "boss", "--password-stdin", stdin=PASSWORD)
    assert unknown_role.returncode == 2 and "invalid choice" in unknown_role.stderr
    assert relais.rows("SELECT * FROM rm_accounts") == []
    assert relais.log_length() == 0  # not even a half-made account in the log


def test_create_user_refuses_an_agency_that_does_not_exist_unless_told_it_is_new(relais: Relais) -> None:
    def create(username: str, agency: str, *flags: str) -> subprocess.CompletedProcess[str]:
        return relais("create-user", "--username", username, "--role", "advisor", "--agency", agency, *flags,
                      "--password-stdin", stdin=PASSWORD + "\n")

    assert relais("migrate").returncode == 0
    assert_fails(create("premier.conseil", "lyon-est"), "unknown agency 'lyon-est'", "no agency exists yet",
                 "--new-agency")
    assert create("premier.conseil", "lyon-est", "--new-agency").returncode == 0
    assert create("second.conseil", "lyon-est").returncode == 0  # it exists now
    assert_fails(create("conseil.perdu", "atlantide"), "unknown agency 'atlantide'", "the agencies are lyon-est")
    assert_fails(relais("create-user", "--username", "x.sans", "--role", "admin", "--new-agency", "--password-stdin",
                        stdin=PASSWORD + "\n"), "--new-agency needs --agency")
    assert [(a["username"], a["agency_id"]) for a in relais.rows("SELECT * FROM rm_accounts ORDER BY username")] == [
        ("premier.conseil", "lyon-est"), ("second.conseil", "lyon-est")
    ]
    assert relais.log_length() == 2


def test_create_user_applies_the_admin_forms_agency_rules(relais: Relais) -> None:
    def create(username: str, role: str, agency: str, *flags: str) -> subprocess.CompletedProcess[str]:
        return relais("create-user", "--username", username, "--role", role, "--agency", agency, *flags,
                      "--password-stdin", stdin=PASSWORD + "\n")

    assert relais("migrate").returncode == 0
    for agency in ("Marseille Sud!", "Marseille"):
        assert_fails(create("cli.adv9", "advisor", agency, "--new-agency"), repr(agency), "not an agency id")
    assert create("conseil.sud", "advisor", "marseille-sud", "--new-agency").returncode == 0
    for role in ("auditor", "compliance", "admin"):
        assert_fails(create(f"x.{role}", role, "marseille-sud"), "only advisors belong to an agency")
    assert relais.rows("SELECT username, agency_id FROM rm_accounts") == [
        {"username": "conseil.sud", "agency_id": "marseille-sud"}
    ]
    assert relais.log_length() == 1


def test_the_log_records_the_operator_who_ran_the_command_by_default_their_os_login(relais: Relais) -> None:
    def create(username: str, *flags: str) -> subprocess.CompletedProcess[str]:
        return relais("create-user", "--username", username, "--role", "admin", *flags, "--password-stdin",
                      stdin=PASSWORD + "\n")

    assert create("admin.un").returncode == 0
    assert create("admin.deux", "--operator", "r.dupont").returncode == 0
    assert_fails(create("admin.trois", "--operator", ""), "--operator", "not a usable name")
    services = relais.services()
    try:
        recorded = [(event.provenance.actor_id, event.provenance.actor_role) for event in domain_events(services)]
    finally:
        services.close()
    assert recorded == [(f"cli:{getpass.getuser()}", "admin"), ("cli:r.dupont", "admin")]
    assert "cli:cli" not in {actor for actor, _ in recorded}


def test_seed_demo_seeds_a_realistic_demo_once_and_writes_owner_only_logins(relais: Relais) -> None:
    seeded = relais("seed-demo")
    assert seeded.returncode == 0, seeded.stderr

    per_agency = {r["agency_id"]: int(r["n"]) for r in relais.rows(
        "SELECT agency_id, COUNT(*) AS n FROM rm_candidates GROUP BY agency_id")}
    assert set(per_agency) == set(AGENCIES)
    assert sum(per_agency.values()) >= 200
    assert min(per_agency.values()) >= CANDIDATES_PER_AGENCY - 5  # a phone collision may cost one person
    offers = relais.rows("SELECT agency_id FROM rm_offers")
    assert len(offers) == 30 == OFFERS_PER_AGENCY * len(AGENCIES)
    assert {o["agency_id"] for o in offers} == set(AGENCIES)
    accounts = relais.rows("SELECT username, role, agency_id, password_hash FROM rm_accounts")
    assert sorted(a["role"] for a in accounts) == ["admin", "advisor", "advisor", "advisor", "auditor", "compliance"]
    assert {a["agency_id"] for a in accounts if a["role"] == "advisor"} == set(AGENCIES)
    people = relais.rows("SELECT first_name, last_name, phone, commune, rome_codes, skills FROM rm_candidates")
    assert all(p["phone"].startswith("+33") and p["rome_codes"] and p["skills"] for p in people)
    assert len({(p["first_name"], p["last_name"]) for p in people}) > 100  # varied French names

    logins = relais.data_dir / "demo-logins.txt"
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600
    lines = [line.split() for line in logins.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(accounts)
    hashes = {a["username"]: (a["role"], a["password_hash"]) for a in accounts}
    hasher = Argon2PasswordHasher()
    for role, username, password in lines:
        assert hashes[username][0] == role
        assert hasher.verify(hashes[username][1], password), f"the written password of {username} does not sign in"
        assert password in seeded.stdout  # printed once, for the person who ran it

    before = {table: relais.rows(f"SELECT * FROM {table} ORDER BY id") for table in READ_MODEL_TABLES}
    login_text = logins.read_text(encoding="utf-8")
    again = relais("seed-demo")
    assert again.returncode == 0, again.stderr
    assert "nothing done" in again.stdout
    assert {table: relais.rows(f"SELECT * FROM {table} ORDER BY id") for table in READ_MODEL_TABLES} == before
    assert logins.read_text(encoding="utf-8") == login_text
    services = relais.services()
    try:
        events = domain_events(services)
        # The demo also asks for a few shortlists and decides on them (for the oversight figures).
        matching = [e for e in events if type(e).__name__ in (
            "MatchRequested", "MatchSuggested", "SuggestionAccepted", "SuggestionRejected", "CandidateAddedManually")]
        assert {type(e).__name__ for e in matching} >= {"MatchRequested", "MatchSuggested", "SuggestionAccepted"}
        assert len(events) - len(matching) == sum(per_agency.values()) + len(offers) + len(accounts)
    finally:
        services.close()


def test_erase_candidate_erases_one_person_and_refuses_unknown_or_malformed_ids(relais: Relais) -> None:
    services = relais.services()
    try:
        erased_id = services.app.register_candidate(details(last_name="Effaçable"), sms_consent=True, caller=advisor())
        kept_id = services.app.register_candidate(details(last_name="Gardé", phone="0611111111"), sms_consent=True,
                                                  caller=advisor())
        offer_id = services.app.publish_offer(terms(), advisor())
    finally:
        services.close()

    result = relais("erase-candidate", str(erased_id), "--reason", "demande écrite du 2 décembre",
                    "--reason-code", "demande_rgpd", "--requester", "representant", "--reference", "dossier 2026-0142",
                    "--operator", "dpo.martin")
    assert result.returncode == 0, result.stderr
    assert str(erased_id) in result.stdout

    services = relais.services()
    try:
        view = services.candidates.get(advisor(), erased_id)
        assert (view.first_name, view.last_name, view.phone, view.erased) == (ERASED_PLACEHOLDER,) * 3 + (True,)
        assert services.candidates.get(advisor(), kept_id).last_name == "Gardé"
        erasure = domain_events(services)[-1]
        assert isinstance(erasure, Candidate.PersonalDataErased) and erasure.originator_id == erased_id
        assert (erasure.reason.code, erasure.reason.text) == ("demande_rgpd", "demande écrite du 2 décembre")
        assert (erasure.requester, erasure.reference.value) == ("representant", "dossier 2026-0142")
        assert (erasure.provenance.actor_id, erasure.provenance.actor_role) == ("cli:dpo.martin", "admin")
        assert erasure.provenance.correlation_id
        log_length = max_id(services)
    finally:
        services.close()

    def erase(candidate: object, *more: str) -> subprocess.CompletedProcess[str]:
        return relais("erase-candidate", str(candidate), "--reason", "x", *more)

    asked = ("--reason-code", "demande_rgpd", "--requester", "personne")
    assert_fails(erase(uuid4(), *asked), "not found")
    assert_fails(erase("pas-un-identifiant", *asked), "pas-un-identifiant")
    assert_fails(erase(offer_id, *asked), "not found")  # an offer is no person
    assert_fails(erase(erased_id, *asked), "already erased")
    bad_requester = erase(kept_id, "--reason-code", "autre", "--requester", "la personne")
    assert bad_requester.returncode == 2 and "--requester" in bad_requester.stderr
    assert_fails(erase(kept_id, *asked, "--reference", "x" * 61), "60 caractères")
    assert_fails(erase(kept_id, *asked, "--operator", "quelqu'un d'autre"), "--operator", "not a usable name")
    assert_fails(erase(kept_id, *asked, "--reason", "x\x1b[2J"), "caractère invisible")
    assert_fails(erase(kept_id, *asked, "--reference", "dossier\u202e42"), "caractère invisible")
    for empty in ("", "   "):
        assert_fails(erase(kept_id, *asked, "--reason", empty), "--reason must say why")
    assert_fails(erase(kept_id, *asked, "--reason", "x" * 201), "--reason is 200 characters at most")
    missing_reason = relais("erase-candidate", str(kept_id), *asked)
    assert missing_reason.returncode == 2 and "--reason" in missing_reason.stderr
    # Who asked and on what ground are recorded as given, never guessed: both must be said.
    for missing, given in (("--requester", ("--reason-code", "demande_rgpd")), ("--reason-code", ("--requester", "personne"))):
        refused = erase(kept_id, *given)
        assert refused.returncode == 2, refused.stderr
        assert f"the following arguments are required: {missing}" in refused.stderr
    services = relais.services()
    try:
        assert max_id(services) == log_length
        assert services.candidates.get(advisor(), kept_id).erased is False
    finally:
        services.close()


def test_erase_candidate_on_a_record_altered_in_the_database_says_so_and_records_nothing(relais: Relais) -> None:
    services = relais.services()
    try:
        person = services.app.register_candidate(details(last_name="Altéré"), sms_consent=True, caller=advisor())
        with services.database.transaction() as tx:
            tx.execute("UPDATE stored_events SET state = CAST('x' AS BLOB) WHERE originator_id = ?", (person.hex,))
        log_length = max_id(services)
    finally:
        services.close()
    refused = relais("erase-candidate", str(person), "--reason", "demande", "--reason-code", "demande_rgpd",
                     "--requester", "personne")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "a stored record of this job seeker, offer or account does not decode" in refused.stderr
    assert "restore it from a backup, then run the command again" in refused.stderr
    services = relais.services()
    try:
        assert max_id(services) == log_length  # no erasure recorded, and the key is still there to erase
        with services.database.read() as tx:
            key = tx.fetchone("SELECT wrapped_key FROM personal_keys WHERE subject_id = ?", (str(person),))
        assert key is not None and key["wrapped_key"] not in ("", b"")  # not the tombstone of an erased key
    finally:
        services.close()


def test_rebuild_projections_gives_back_the_same_read_models_and_keeps_erasures(relais: Relais) -> None:
    services = relais.services()
    try:
        erased_id = services.app.register_candidate(details(last_name="Effaçable"), sms_consent=True, caller=advisor())
        for n in range(5):
            services.app.register_candidate(details(last_name=f"Nom{n}", phone=f"061000000{n}"), sms_consent=False,
                                            caller=advisor())
        before_erasure = max_id(services)
    finally:
        services.close()
    assert relais("erase-candidate", str(erased_id), "--reason", "demande", "--reason-code", "demande_rgpd",
                  "--requester", "personne").returncode == 0
    before = {table: relais.rows(f"SELECT * FROM {table} ORDER BY id") for table in READ_MODEL_TABLES}
    with_garbage = relais.services()
    try:
        with with_garbage.database.transaction() as tx:  # a damaged read model: rebuilt from the log
            tx.execute("UPDATE rm_candidates SET last_name = 'Corrompu'")
            tx.execute("DELETE FROM rm_offers")
    finally:
        with_garbage.close()

    result = relais("rebuild-projections")
    assert result.returncode == 0, result.stderr
    assert "rebuilt" in result.stdout
    assert {table: relais.rows(f"SELECT * FROM {table} ORDER BY id") for table in READ_MODEL_TABLES} == before
    erased = [row for row in before["rm_candidates"] if row["id"] == str(erased_id)]
    assert erased and erased[0]["last_name"] == ERASED_PLACEHOLDER and erased[0]["erased"] == 1
    services = relais.services()
    try:
        assert max_id(services) == before_erasure + 1  # the rebuild wrote nothing to the log
        assert set(services.projections.positions().values()) == {max_id(services)}
        assert len(table_rows(services, "rm_candidates")) == 6
    finally:
        services.close()
