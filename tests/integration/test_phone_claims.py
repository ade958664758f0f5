"""One job seeker per phone number and agency, race included (docs/adr/0004), on SQLite and PostgreSQL.

The number is claimed in the `phone_claims` table in the registration's own transaction, keyed by an
HMAC of the agency and the E.164 number: two registrations at once end with one person, erasure and a
changed number free it, and an existing database is claimed by its migration.
"""
from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from application.errors import DuplicateError
from application.imports import ImportReport
from application.retention import RetentionJob
from application.values import Reason
from infrastructure.bootstrap import Services, bootstrap
from infrastructure.migrations import MigrationError, migrate
from infrastructure.phone_claims import PhoneClaimKeyError
from tests.conftest import AdvanceableClock, settings_for
from tests.integration.compliance_helpers import compliance_queries
from tests.integration.helpers import OTHER_AGENCY, advisor, compliance, count, details, max_id, mobile

DUPLICATE = {"phone": "Une personne inscrite dans l'agence a déjà ce numéro."}
HEADER = "reference;prenom;nom;telephone;commune;codes_rome;competences;disponible_le;rayon_km;consentement_sms;notes"


def claims(services: Services) -> list[dict[str, Any]]:
    with services.database.read() as tx:
        return [dict(r) for r in tx.fetchall("SELECT claim, candidate_id FROM phone_claims ORDER BY candidate_id")]


def holders(services: Services) -> list[str]:
    return [row["candidate_id"] for row in claims(services)]


def register(services: Services, phone: str, agency: str = "lyon-est", name: str = "Martin") -> UUID:
    return services.app.register_candidate(details(phone=phone, last_name=name), sms_consent=True,
                                           caller=advisor(agency))


def erase(services: Services, candidate_id: UUID) -> None:
    services.app.erase_candidate(candidate_id, Reason("demande_rgpd"), "personne", compliance())


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run each call in its own thread, released together; answer each result or the error it raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait(30)
        try:
            outcomes[i] = calls[i]()
        except Exception as error:  # noqa: BLE001 - the test looks at which error it was
            outcomes[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    return outcomes


def test_a_refused_duplicate_writes_no_event_no_key_and_no_claim(services: Services) -> None:
    first = register(services, "06 12 34 56 78")
    before = (max_id(services), count(services, "SELECT COUNT(*) AS n FROM personal_keys"), claims(services))
    with pytest.raises(DuplicateError) as refused:
        register(services, "+33 6 12 34 56 78", name="Autre")
    assert refused.value.errors == DUPLICATE
    assert (max_id(services), count(services, "SELECT COUNT(*) AS n FROM personal_keys"), claims(services)) == before
    assert holders(services) == [str(first)]


def test_the_same_number_in_another_agency_is_another_person(services: Services) -> None:
    """Refusing it would tell an advisor that the person is followed elsewhere."""
    here = register(services, mobile(1))
    there = register(services, mobile(1), agency=OTHER_AGENCY)
    assert sorted(holders(services)) == sorted([str(here), str(there)])


def test_a_number_s_holders_are_found_in_every_agency_and_no_longer_once_erased(services: Services) -> None:
    """The compliance officer's and the auditors' search by phone (review 7): by the keyed digests alone."""
    here = register(services, "06 12 34 56 78")
    there = register(services, "06 12 34 56 78", agency=OTHER_AGENCY)
    register(services, mobile(2))
    assert services.app.phone_claims.holders_of("+33612345678") == {here, there}
    assert services.app.phone_claims.holders_of("+33699999999") == set()
    erase(services, there)
    assert services.app.phone_claims.holders_of("+33612345678") == {here}


def test_the_table_holds_a_keyed_hmac_never_the_number_nor_its_plain_hash(services: Services) -> None:
    register(services, "06 12 34 56 78")
    (row,) = claims(services)
    guessable = {hashlib.sha256(text.encode()).hexdigest()
                 for text in ("+33612345678", "0612345678", "lyon-est+33612345678", '["lyon-est", "+33612345678"]')}
    assert len(row["claim"]) == 64 and "612345678" not in row["claim"] and row["claim"] not in guessable


@pytest.mark.parametrize("attempt", range(2))
def test_two_workers_registering_one_number_at_the_same_instant_leave_one_person(
    make_services: Callable[..., Services], attempt: int
) -> None:
    one, two = make_services(), make_services()  # two web workers: their own app, pool and caches
    for n in range(5):
        outcomes = at_once(lambda: register(one, mobile(n), name="Un"), lambda: register(two, mobile(n), name="Deux"))
        assert sorted(type(o).__name__ for o in outcomes) == ["DuplicateError", "UUID"], outcomes
    assert count(one, "SELECT COUNT(*) AS n FROM rm_candidates") == 5
    assert len(claims(one)) == 5


def test_two_processes_registering_one_number_at_the_same_instant_leave_one_person(
    store: str | None, tmp_path: Path, services: Services
) -> None:
    import multiprocessing

    from tests.integration.workers import register_at_barrier

    env = {"RELAIS_DATA_DIR": str(tmp_path), "RELAIS_SEED_DEMO": "0", **({"RELAIS_DATABASE_URL": store} if store else {})}
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    processes = [context.Process(target=register_at_barrier, args=(env, barrier, results, mobile(7)))
                 for _ in range(2)]
    for process in processes:
        process.start()
    outcomes = sorted(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(30)
    assert outcomes == ["duplicate", "registered"], outcomes
    services.projections.catch_up()
    assert count(services, "SELECT COUNT(*) AS n FROM rm_candidates") == 1
    assert len(claims(services)) == 1


def test_after_erasure_the_number_can_be_registered_again(services: Services) -> None:
    gone = register(services, mobile(1))
    kept = register(services, mobile(2))
    erase(services, gone)
    assert holders(services) == [str(kept)]
    report = compliance_queries(services).erasure_report(compliance(), gone)
    assert [(t.rows, t.still_clear) for t in report.tables if t.table == "phone_claims"] == [(0, 0)]
    again = register(services, mobile(1), name="Revenue")
    assert sorted(holders(services)) == sorted([str(kept), str(again)])


def test_the_retention_job_frees_the_numbers_it_erases(services: Services, clock: AdvanceableClock) -> None:
    sleeper = register(services, mobile(1))
    clock.advance(days=2 * 365 + 30)
    report = RetentionJob(services.app, services.database, 24, services.projections.catch_up)()
    assert report.erased == 1 and claims(services) == []
    assert register(services, mobile(1), name="Revenue") != sleeper


def test_a_changed_number_frees_the_old_one_and_a_taken_one_is_refused_with_nothing_written(
    services: Services,
) -> None:
    moving = register(services, mobile(1))
    services.app.change_candidate_profile(moving, 1, details(phone=mobile(2)), advisor())
    newcomer = register(services, mobile(1), name="Nouvelle")  # the old number is free
    before = (max_id(services), claims(services))
    with pytest.raises(DuplicateError) as refused:
        services.app.change_candidate_profile(newcomer, 1, details(phone=mobile(2)), advisor())
    assert refused.value.errors == DUPLICATE
    assert (max_id(services), claims(services)) == before
    services.app.change_candidate_profile(moving, 2, details(phone=mobile(2), notes="même numéro"), advisor())
    assert len(claims(services)) == 2


def test_rebuilding_the_read_models_keeps_the_claims(services: Services) -> None:
    register(services, mobile(1))
    before = claims(services)
    services.projections.rebuild()
    assert claims(services) == before
    with pytest.raises(DuplicateError):
        register(services, mobile(1), name="Autre")


def test_a_number_held_in_the_agency_is_refused_on_its_csv_row_and_the_others_are_imported(
    services: Services,
) -> None:
    register(services, mobile(2))
    rows = [f"R{n};Prénom{n};Nom{n};{mobile(n)};Villeurbanne;K2204;nettoyage;01/12/2026;15;oui;" for n in range(4)]
    report = services.app.import_candidates(("\n".join([HEADER, *rows]) + "\n").encode(), advisor())
    assert [r.reference for r in report.imported] == ["R0", "R1", "R3"]
    assert [(p.line, p.column, p.reason) for p in report.problems] == [(4, "telephone", DUPLICATE["phone"])]
    assert len(claims(services)) == 4


def test_two_imports_sharing_numbers_in_opposite_orders_give_each_number_to_one_person(
    make_services: Callable[..., Services],
) -> None:
    """Two batches each, the same numbers in each pair of batches in opposite orders: whichever import
    claims a number first keeps it, the other reports the row, and neither fails as a whole."""
    one, two = make_services(), make_services()
    numbers = range(400)
    crossed = [n for start in (0, 200) for n in reversed(range(start, start + 200))]

    def file(prefix: str, order: Any) -> bytes:
        rows = [f"{prefix}{n};P{n};N{n};{mobile(n)};Villeurbanne;K2204;nettoyage;01/12/2026;15;oui;" for n in order]
        return ("\n".join([HEADER, *rows]) + "\n").encode()

    reports: list[ImportReport] = at_once(lambda: one.app.import_candidates(file("A", numbers), advisor()),
                                          lambda: two.app.import_candidates(file("B", crossed), advisor()))
    assert all(isinstance(r, ImportReport) for r in reports), reports
    assert sum(len(r.imported) for r in reports) == 400
    assert sum(len(r.problems) for r in reports) == 400
    assert {p.reason for r in reports for p in r.problems} == {DUPLICATE["phone"]}
    assert count(one, "SELECT COUNT(*) AS n FROM rm_candidates") == len(claims(one)) == 400


def test_the_migration_claims_the_numbers_of_a_database_registered_before_it(
    make_services: Callable[..., Services], clock: AdvanceableClock,
) -> None:
    services = make_services()
    first = register(services, mobile(1))
    clock.advance(seconds=1)
    elsewhere = register(services, mobile(1), agency=OTHER_AGENCY)
    clock.advance(seconds=1)
    raced = register(services, mobile(9), name="Doublon")  # the old check's race: same number as `first`
    erased = register(services, mobile(3))
    erase(services, erased)
    with services.database.transaction() as tx:  # as the database was before migration 0035
        tx.execute("UPDATE rm_candidates SET phone = (SELECT phone FROM rm_candidates WHERE id = ?) WHERE id = ?",
                   (str(first), str(raced)))
        tx.execute("DELETE FROM phone_claims")
        tx.execute("DELETE FROM schema_migrations WHERE name = '0035_phone_claims'")

    migrated = make_services()  # starts like a new version of the server: migrates
    assert sorted(holders(migrated)) == sorted([str(first), str(elsewhere)])
    with pytest.raises(DuplicateError):
        register(migrated, mobile(1), name="Encore")


def test_a_migration_whose_python_step_is_not_given_is_refused_and_applies_nothing(
    services: Services, tmp_path: Path
) -> None:
    directory = tmp_path / "migrations"
    directory.mkdir()
    (directory / "9001_needs_python.sql").write_text(
        "CREATE TABLE it_needs_python (x TEXT);\n-- python step: fill_it\n", encoding="utf-8")
    with pytest.raises(MigrationError, match="fill_it"):
        migrate(services.database, lambda: None, directory)
    filled: list[object] = []
    assert migrate(services.database, lambda: None, directory, steps={"fill_it": filled.append}) == ["9001_needs_python"]
    assert len(filled) == 1


def test_a_process_started_with_another_phone_key_refuses_to_run(
    services: Services, tmp_path: Path, store: str | None, clock: AdvanceableClock, fast_passwords: Any
) -> None:
    """Its claims would never meet the others': every duplicate would go through."""
    register(services, mobile(1))
    with pytest.raises(PhoneClaimKeyError):
        bootstrap(settings_for(tmp_path, store, RELAIS_PHONE_KEY="another key of at least 32 characters!"),
                  clock=clock, passwords=fast_passwords)
