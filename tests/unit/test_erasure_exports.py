"""Every erasure asks for the export archives on the server to be deleted, once the person's key is gone; an
erasure refused deletes nothing (docs/adr/0017, session 6)."""
from __future__ import annotations

from datetime import date

import pytest

from application.caller import Caller
from application.candidates import CandidateDetails
from application.errors import AlreadyErasedError
from application.values import Reason
from tests.unit.fakes import in_memory_relais

ADVISOR = Caller("advisor-1", "advisor", "lyon-est", "req-1")
DPO = Caller("dpo-1", "compliance", "", "req-2")
RETENTION = Caller("job:retention", "job", "", "retention-1")


class FakeExportArchives:
    def __init__(self, app) -> None:
        self.app, self.calls = app, []

    def discard_all(self, erased: str) -> int:
        # Called after the key went: anything exported from now on reads "[effacé]".
        self.calls.append((erased, self.app.key_vault.keys_for([erased])[erased] is None))
        return 3


def test_each_erasure_by_the_officer_or_the_retention_job_discards_the_export_archives_after_the_key(clock) -> None:
    app = in_memory_relais(clock)
    archives = FakeExportArchives(app)
    app.export_archives = archives
    people = [app.register_candidate(CandidateDetails("Zoé", f"Martin{n}", f"061234567{n}", "Lyon", ("K2204",), (),
                                                      date(2026, 12, 1), 10), True, ADVISOR) for n in range(2)]
    app.erase_candidate(people[0], Reason("demande_rgpd"), "personne", DPO)
    app.erase_inactive_person(people[1], RETENTION)
    assert archives.calls == [(str(people[0]), True), (str(people[1]), True)]
    with pytest.raises(AlreadyErasedError):
        app.erase_candidate(people[0], Reason("demande_rgpd"), "personne", DPO)
    assert len(archives.calls) == 2
