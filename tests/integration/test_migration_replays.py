"""A migration that sends a projection back to the log's start (0056: the erasure's precision in
rm_erasures) is replayed as the process starts, not inside the first command (review 8, finding 5)."""
from __future__ import annotations

from collections.abc import Callable

from application.values import Reason
from infrastructure.bootstrap import Services
from tests.integration.helpers import advisor, compliance, details, mobile


def test_the_compliance_registers_are_refilled_with_the_precision_before_the_upgraded_process_serves(
    make_services: Callable[..., Services],
) -> None:
    before = make_services()
    person = before.app.register_candidate(details(phone=mobile(1)), True, advisor())
    before.app.erase_candidate(person, Reason("autre", "courrier reçu en agence"), "personne", compliance())
    with before.database.transaction() as tx:  # the database as version 0055 left it
        tx.execute("DELETE FROM schema_migrations WHERE name = '0056_rm_erasures_reason_text'")
        tx.execute("ALTER TABLE rm_erasures DROP COLUMN reason_text")

    after = make_services()  # the upgrade: 0056 runs, then the read models catch up at once
    with after.database.read() as tx:
        rows = tx.fetchall("SELECT candidate_id, reason_text FROM rm_erasures")
        position = tx.fetchone("SELECT position FROM projection_tracking WHERE name = 'compliance_registers'")
    assert [(r["candidate_id"], r["reason_text"]) for r in rows] == [(str(person), "courrier reçu en agence")]
    assert position["position"] == after.app.recorder.max_notification_id()
