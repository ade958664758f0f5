"""The auditors' searches, on both stores: erasing a person deletes the day keys of the searches that named
them, so the canary name an auditor searched for is readable nowhere afterwards (not through the app, nor in
the database files or a pg_dump), while other auditors' days stay readable and the log's chain still verifies;
the retention job deletes search days and erasure-register months past their own periods, and reports them."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from application.caller import Caller
from application.values import ERASED_PLACEHOLDER, Reason
from infrastructure.bootstrap import Services
from infrastructure.retention import retention_job
from tests.integration.compliance_helpers import compliance_queries
from tests.integration.helpers import compliance
from tests.integration.test_personal_data_erasure import Canary, hits, stored_bytes


def auditor(name: str) -> Caller:
    return Caller(name, "auditor", "", f"req-{name}")


def search(services: Services, who: str, query: str) -> object:
    return services.app.record_audit_access("GET", "/audit/historique", "", query, auditor(who))


def query_of(services: Services, access_id: object) -> str:
    return services.app.repository.get(access_id).query.value


def test_the_canary_searched_for_by_an_auditor_is_readable_nowhere_after_erasure(
    make_services: Callable[..., Services], tmp_path: Path
) -> None:
    services = make_services()
    canary = Canary()
    person = canary.register(services)
    by_name = search(services, "aud-1", f"person={quote(canary.last_name)}&page=1")
    by_phone = search(services, "aud-2", f"q={quote(canary.phone_typed)}")
    unrelated = search(services, "aud-3", "person=durand")
    assert canary.last_name in query_of(services, by_name)  # control: readable before
    assert services.audit is not None and services.audit.write_checkpoint(force=True) == 1

    services.app.erase_candidate(person, Reason("demande_rgpd"), "personne", compliance())

    fresh = make_services()  # another process: no key in its cache
    for view in (services, fresh):
        assert query_of(view, by_name) == query_of(view, by_phone) == ERASED_PLACEHOLDER
        assert query_of(view, unrelated) == "person=durand"
        timeline = view.timelines.timeline(auditor("aud-9"), by_name)
        assert canary.last_name not in repr(timeline) and canary.token not in repr(timeline)
    assert hits(stored_bytes(services, tmp_path), canary) == []
    report = compliance_queries(services).erasure_report(compliance(), person)
    assert [(s.auditor_id, s.destroyed) for s in report.searches] == [("aud-1", True), ("aud-2", True)]
    assert services.audit.verify().ok  # only keys went: every stored record is as it was sealed


def test_retention_deletes_search_days_and_register_months_past_their_periods(
    make_services: Callable[..., Services], clock
) -> None:
    services = make_services()
    old = search(services, "aud-1", "person=ancien")
    clock.advance(days=200)
    recent = search(services, "aud-1", "person=recent")
    job = retention_job(services)
    assert job(dry_run=True).deleted_keys == ()  # 200 days: within the 12 months
    clock.advance(days=200)

    preview = job(dry_run=True)
    old_day = services.app.repository.get(old).query.subject_id
    assert preview.deleted_keys == (old_day,) and query_of(services, old) == "person=ancien"  # a dry run deletes nothing
    report = job()

    assert report.deleted_keys == (old_day,)
    assert query_of(make_services(), old) == ERASED_PLACEHOLDER
    assert query_of(services, recent) == "person=recent"
    (run,) = compliance_queries(services).retention_runs(compliance())
    assert run.deleted_keys == [old_day]
    assert job().deleted_keys == ()  # a key is deleted once
