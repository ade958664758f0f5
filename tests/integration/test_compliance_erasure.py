"""Erasure on request, end to end on both stores: after a person was suggested, decided on with free text
about them, and sent an explanation letter, erasing them leaves no clear copy of their name or phone in the
database files (SQLite db, WAL, SHM) or a pg_dump, nor in any read model; the report says so; the stored
event records are byte for byte what they were (an integrity check over them still passes)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from uuid import UUID

from application.explanations import ExplanationLetters
from application.queries.compliance import PERSONAL_COLUMNS
from application.values import ERASED_PLACEHOLDER, Reason
from infrastructure.bootstrap import Services
from tests.integration.compliance_helpers import compliance_queries, suggested_twice
from tests.integration.helpers import compliance, notifications
from tests.integration.test_personal_data_erasure import Canary, exported_from_the_page, hits, log_hits, stored_bytes


def read_model_tables(services: Services) -> list[str]:
    with services.database.read() as tx:
        if services.database.dialect == "sqlite":
            rows = tx.fetchall("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'rm\\_%' ESCAPE '\\'")
        else:
            rows = tx.fetchall("SELECT table_name AS name FROM information_schema.tables "
                               "WHERE table_schema = 'public' AND table_name LIKE 'rm\\_%'")
    return sorted(row["name"] for row in rows)


def read_model_hits(services: Services, canary: Canary) -> list[str]:
    found = []
    needles = {name: raw.decode("utf-8", "ignore") for name, raw in canary.needles().items() if "utf-16" not in name}
    for table in read_model_tables(services):
        with services.database.read() as tx:
            for row in tx.fetchall(f"SELECT * FROM {table}"):
                text = " ".join(str(v) for v in row.values())
                found += [f"{needle} in {table}" for needle, value in needles.items() if value in text]
    return found


def test_erasing_a_suggested_person_with_a_letter_leaves_no_clear_copy_and_the_log_unchanged(
    make_services: Callable[..., Services], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    services = make_services()
    canary = Canary()
    person = canary.register(services)
    suggested_twice(services, person, reject_text=f"{canary.last_name} ne conduit pas")
    letters = ExplanationLetters(services.app, services.database)
    letter_id = letters.produce(compliance(), person)
    assert canary.last_name in " ".join(letters.compose(compliance(), letter_id).header)
    # Controls: the clear copies exist before, so the searches below can see them.
    assert hits(stored_bytes(services, tmp_path), canary)
    assert any("rm_suggestions" in h for h in read_model_hits(services, canary))
    exported_from_the_page(services)  # an archive on the server, with the free text about them in clear
    assert any(h.startswith(f"{canary.last_name} (utf-8) in exports/") for h in hits(stored_bytes(services, tmp_path), canary))
    before = {n.id: bytes(n.state) for n in notifications(services)}

    services.app.erase_candidate(person, Reason("demande_rgpd"), "personne", compliance(), reference="courrier du 12/11")

    assert read_model_hits(services, canary) == []
    assert hits(stored_bytes(services, tmp_path), canary) == []
    after = {n.id: bytes(n.state) for n in notifications(services)}
    assert {i: after[i] for i in before} == before  # no stored record changed: the chain over them still holds
    assert len(after) == len(before) + 1  # ...and the erasure itself is one more event

    report = compliance_queries(services).erasure_report(compliance(), person)
    assert report.key_destroyed is True
    assert [(t.table, t.still_clear) for t in report.tables] == [(table, 0) for table, *_ in PERSONAL_COLUMNS]
    assert {t.table: t.rows for t in report.tables}["rm_suggestions"] == 2
    assert (report.record.reason_code, report.record.requester, report.record.requested_by, report.record.actor_id) == (
        "demande_rgpd", "personne", "", "dpo-1")
    assert services.app.erasure_reference(person, compliance()) == "courrier du 12/11"  # the register's key

    letter = letters.compose(compliance(), letter_id)
    assert letter.recipient == f"{ERASED_PLACEHOLDER} {ERASED_PLACEHOLDER}" and letter.erased
    assert canary.last_name not in repr(letter)

    # A rebuild of every read model from the log brings nobody back.
    services.projections.rebuild()
    services.database.checkpoint()
    assert read_model_hits(services, canary) == []
    assert hits(stored_bytes(services, tmp_path), canary) == []
    assert compliance_queries(services).erasure(compliance(), UUID(str(person))) is not None
    assert report.export_archives == 1  # the report counts the archive its erasure deleted
    assert log_hits(caplog, canary) == []
