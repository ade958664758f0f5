"""Our PostgreSQL recorder (array insert, in the command's transaction) keeps the library's contract:
ids in order, events intact."""
from __future__ import annotations

from pathlib import Path

import pytest

from infrastructure.bootstrap import bootstrap
from infrastructure.event_store import SharedPostgresApplicationRecorder
from tests.conftest import settings_for
from tests.integration.helpers import advisor, details, mobile


@pytest.mark.postgres
def test_a_batch_is_stored_in_order_with_its_notification_ids(postgres_url: str, tmp_path: Path, clock,
                                                              fast_passwords) -> None:
    services = bootstrap(settings_for(tmp_path, postgres_url), clock=clock, passwords=fast_passwords)
    try:
        assert isinstance(services.app.recorder, SharedPostgresApplicationRecorder)
        from domain.candidate import Candidate
        from uuid import uuid4

        caller = advisor()
        people = []
        for n in range(300):
            candidate_id = uuid4()
            profile = details(phone=mobile(n)).to_profile(candidate_id, services.gazetteer)
            people.append(Candidate.register("lyon-est", profile, True, caller.provenance, clock.now(), id=candidate_id))
        head = services.app.recorder.max_notification_id() or 0
        recordings = services.app.save(*people)
        ids = [r.notification.id for r in recordings]
        assert ids == sorted(ids) and len(set(ids)) == 300 and ids[0] > head
        stored = services.app.recorder.select_notifications(start=head, limit=1000, inclusive_of_start=False)
        assert [n.originator_id for n in stored] == [p.id for p in people]
        assert [n.id for n in stored] == ids
        assert services.app.repository.get(people[-1].id).profile.phone.value == "+33610000299"
    finally:
        services.close()
