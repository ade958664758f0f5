"""Read models are derived from the log: a rebuild from zero gives the same rows as the
incremental updates, and a catch-up that dies half-way resumes without losing or
repeating an event."""
from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from application.projections.runner import ProjectionRunner
from application.values import Reason
from infrastructure.bootstrap import Services, projections
from tests.integration.helpers import (
    OTHER_AGENCY,
    READ_MODEL_TABLES,
    admin,
    advisor,
    compliance,
    count,
    details,
    domain_events,
    max_id,
    mobile,
    notifications,
    table_rows,
    terms,
)
from tests.integration.workers import Crash, applied_counts, counted_runner, create_applied_table, slow_catch_up


def write_a_varied_history(services: Services, clock: Any) -> None:
    """Every event type the read models know, and some they ignore, minutes apart."""
    people = []
    for n in range(6):
        agency = OTHER_AGENCY if n % 3 == 0 else "lyon-est"
        people.append((services.app.register_candidate(
            details(first_name=f"Prénom{n}", last_name=f"Nom{n}", phone=mobile(n), notes=f"note {n}"),
            sms_consent=n % 2 == 0, caller=advisor(agency)), agency))
        clock.advance(minutes=1)
    (first, _), (second, _), (third, _) = people[1], people[2], people[4]
    services.app.change_candidate_profile(first, 1, details(last_name="Changé", phone=mobile(1), commune="Bron"), advisor())
    clock.advance(minutes=1)
    services.app.set_sms_consent(first, True, None, advisor())
    services.app.set_sms_consent(second, False, Reason("autre", "a déménagé"), advisor())
    clock.advance(minutes=1)
    services.app.erase_candidate(third, Reason("retention"), "agence", compliance())
    offers = [services.app.publish_offer(terms(title=f"Offre {n}", salary_min=20_000 + n), advisor()) for n in range(3)]
    clock.advance(minutes=1)
    services.app.change_offer(offers[0], 1, terms(title="Offre changée", contract_type="CDD"), advisor())
    services.app.close_offer(offers[1], Reason("pourvue"), advisor())
    services.app.create_outreach(offers[2], advisor())
    services.app.schedule_training_session("Prompts sûrs", datetime(2027, 1, 5, 9, tzinfo=UTC), 30, admin())
    account = services.app.open_account("conseil.bron", "advisor", "lyon-est", "un mot de passe long", admin())
    services.app.open_account("audit.1", "auditor", "", "un autre mot de passe", admin())
    clock.advance(minutes=1)
    services.app.assign_role(account, 1, "advisor", OTHER_AGENCY, admin())
    services.app.change_password(account, "encore un mot de passe", admin())


def snapshot(services: Services) -> dict[str, list[dict[str, object]]]:
    return {table: table_rows(services, table) for table in READ_MODEL_TABLES}


def test_a_rebuild_from_zero_gives_exactly_the_rows_of_the_incremental_updates(
    services: Services, clock: Any
) -> None:
    write_a_varied_history(services, clock)
    incremental = snapshot(services)
    assert [len(incremental[t]) for t in READ_MODEL_TABLES] == [6, 3, 2]
    assert sum(row["erased"] for row in incremental["rm_candidates"]) == 1
    assert {row["status"] for row in incremental["rm_offers"]} == {"ouverte", "clôturée"}

    clock.advance(days=30)  # a rebuild later must not stamp rows with its own time
    applied = services.projections.rebuild()
    assert applied == len(notifications(services))  # each event read once for all read models
    assert snapshot(services) == incremental

    # In small batches, from another process's runner: still the same rows, column by column.
    ProjectionRunner(services.app.recorder, services.app.mapper, services.database, projections(), batch_size=2).rebuild()
    assert snapshot(services) == incremental
    assert set(services.projections.positions().values()) == {max_id(services)}


def test_every_recorded_event_names_its_actor_role_and_request(services: Services, clock: Any) -> None:
    write_a_varied_history(services, clock)
    events = domain_events(services)
    assert len({type(e) for e in events}) >= 12  # candidates, offers, accounts, outreach, training
    for event in events:
        provenance = event.provenance
        assert provenance.actor_id and provenance.correlation_id.startswith("req-"), event
        assert provenance.actor_role in ("advisor", "compliance", "admin"), event


def test_a_catch_up_that_crashes_half_way_resumes_and_applies_every_event_exactly_once(
    make_services: Callable[..., Services]
) -> None:
    services = make_services(synchronous_projections=False)
    create_applied_table(services.database)
    ids = [services.app.register_candidate(details(last_name=f"Nom{n}", phone=mobile(n)), sms_consent=True,
                                           caller=advisor()) for n in range(30)]
    for n in range(5):
        services.app.publish_offer(terms(title=f"Offre {n}"), advisor())
    records = notifications(services)
    assert len(records) == 35
    assert count(services, "SELECT COUNT(*) AS n FROM rm_candidates") == 0  # nothing applied yet

    crashing = counted_runner(services, batch_size=7, crash_after=17)
    with pytest.raises(Crash):
        crashing.catch_up()
    # Two whole batches were committed for every read model; the third rolled back.
    assert set(services.projections.positions().values()) == {records[13].id}
    assert count(services, "SELECT COUNT(*) AS n FROM rm_candidates") == 14
    assert sorted(applied_counts(services.database).values()) == [1] * 14 * len(projections())

    resumed = counted_runner(services, batch_size=7).catch_up()
    assert resumed == 35 - 14  # events read again: only those not committed before
    assert_applied_exactly_once(services, [str(i) for i in ids])


def test_a_projection_process_killed_mid_batch_loses_and_repeats_nothing(
    make_services: Callable[..., Services], store: str | None, tmp_path: Path
) -> None:
    services = make_services(synchronous_projections=False)
    create_applied_table(services.database)
    ids = [str(services.app.register_candidate(details(last_name=f"Nom{n}", phone=mobile(n)), sms_consent=True,
                                               caller=advisor())) for n in range(60)]
    env = {"RELAIS_DATA_DIR": str(tmp_path), "RELAIS_SEED_DEMO": "0", **({"RELAIS_DATABASE_URL": store} if store else {})}
    child = multiprocessing.get_context("spawn").Process(target=slow_catch_up, args=(env,))
    child.start()
    try:
        some_progress = notifications(services)[10].id
        deadline = time.monotonic() + 30
        while services.projections.positions().get("candidates", 0) < some_progress:
            assert child.is_alive() and time.monotonic() < deadline, "the runner process made no progress"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.join(10)
    assert child.exitcode == -signal.SIGKILL
    positions = services.projections.positions()
    assert positions["candidates"] >= some_progress
    assert min(positions.get(name, 0) for name in (p.name for p in projections())) < max_id(services), (
        "the runner finished before it was killed: nothing was tested"
    )

    counted_runner(services).catch_up()
    assert_applied_exactly_once(services, ids)


def assert_applied_exactly_once(services: Services, candidate_ids: list[str]) -> None:
    events = domain_events(services)
    applied = applied_counts(services.database)
    for projection in (p.name for p in projections()):
        mine = {key: n for (name, key), n in applied.items() if name == projection}
        assert mine == {f"{e.originator_id}:{e.originator_version}": 1 for e in events}, projection
    assert sorted(row["id"] for row in table_rows(services, "rm_candidates")) == sorted(candidate_ids)
    assert set(services.projections.positions().values()) == {max_id(services)}
