"""The scheduler's log-seal tick seals the log's tail, so a record stays unsealed for one tick at most.

Before, a tick sealed only full stretches of RELAIS_CHECKPOINT_EVERY records and a daily tail: the
newest records (up to N-1, or a day's worth) could be edited or dropped with SQL and verify-log only
said "N newer records not yet sealed" (docs/adr/0014, amendment "the tail"). SQLite and PostgreSQL.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from infrastructure.bootstrap import Services
from infrastructure.outreach_wiring import scheduled_jobs
from infrastructure.settings import Settings, SettingsError
from tests.integration.helpers import advisor, details, max_id, mobile
from tests.integration.test_log_integrity import audit_of, tamper


def log_seal_tick(services: Services) -> Any:
    """Run the scheduler's "log-seal" job once, as the leader does every 300 s."""
    (job,) = [job for job in scheduled_jobs(services) if job.name == "log-seal"]
    return job.run()


def register(services: Services, count: int, start: int) -> None:
    for n in range(count):
        services.app.register_candidate(details(phone=mobile(start + n)), True, advisor())


def test_a_record_edited_after_a_ticks_seal_is_named_by_verify_log(services: Services) -> None:
    audit = audit_of(services)
    register(services, 3, start=0)
    assert log_seal_tick(services) == 1
    register(services, 2, start=10)  # far fewer than RELAIS_CHECKPOINT_EVERY (1,000), and the same day
    assert log_seal_tick(services) == 1  # the tail is sealed at once, not after 1,000 records or a day
    newest = max_id(services)
    report = audit.verify()
    assert report.ok and report.unanchored == 0 and report.anchored_upto == newest
    tamper(services, "UPDATE {table} SET originator_version = originator_version + 40 WHERE {id} = ?", (newest,))
    report = audit.verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.notification_id) == ("changed", newest)


def test_the_newest_record_dropped_after_a_tick_is_named_too(services: Services) -> None:
    audit = audit_of(services)
    register(services, 3, start=0)
    log_seal_tick(services)
    register(services, 2, start=10)
    log_seal_tick(services)
    newest = max_id(services)
    tamper(services, "DELETE FROM {table} WHERE {id} = ?", (newest,))
    report = audit.verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.notification_id) == ("deleted", newest)


def test_a_tick_with_no_new_record_writes_no_checkpoint(services: Services, clock: Any) -> None:
    audit = audit_of(services)
    register(services, 2, start=0)
    assert log_seal_tick(services) == 1
    assert audit.checkpoints.count() == 1
    clock.advance(seconds=300)
    assert log_seal_tick(services) == 0
    clock.advance(days=2)  # nor once the last checkpoint is old: there is nothing to seal
    assert log_seal_tick(services) == 0
    assert audit.checkpoints.count() == 1
    register(services, 1, start=10)
    assert log_seal_tick(services) == 1 and audit.checkpoints.count() == 2
    assert audit.verify().ok


def test_the_tick_runs_every_relais_log_seal_seconds_and_a_bad_value_is_refused(services: Services) -> None:
    (default,) = [job for job in scheduled_jobs(services) if job.name == "log-seal"]
    assert default.seconds == 300
    services.settings = dataclasses.replace(services.settings, log_seal_seconds=60)
    (shorter,) = [job for job in scheduled_jobs(services) if job.name == "log-seal"]
    assert shorter.seconds == 60  # a shorter window in which an unsealed record could be changed unnoticed
    assert Settings.from_env({"RELAIS_DATA_DIR": str(services.settings.data_dir),
                              "RELAIS_LOG_SEAL_SECONDS": "60"}).log_seal_seconds == 60
    with pytest.raises(SettingsError, match="RELAIS_LOG_SEAL_SECONDS"):
        Settings.from_env({"RELAIS_DATA_DIR": str(services.settings.data_dir), "RELAIS_LOG_SEAL_SECONDS": "5"})
