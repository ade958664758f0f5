"""The retention job wired on a process's services: the callable the scheduler is given."""
from __future__ import annotations

from typing import TYPE_CHECKING

from application.dated_keys import DatedKeys
from application.retention import RetentionJob
from domain.audit_access import SEARCHES_PREFIX
from domain.erasure_request import REGISTER_PREFIX

if TYPE_CHECKING:
    from infrastructure.bootstrap import Services


def retention_job(services: Services) -> RetentionJob:
    """`retention_job(services)()` erases the people inactive for `RELAIS_RETENTION_MONTHS`, as `job:retention`,
    deletes the auditors' search days and erasure-register months past their own periods, and records the
    run; `(dry_run=True)` only reports. Safe to run again: erased people and deleted keys are not examined."""
    settings = services.settings
    dated_keys = (
        DatedKeys(SEARCHES_PREFIX, settings.audit_search_months),
        DatedKeys(REGISTER_PREFIX, settings.erasure_reference_months),
    )
    return RetentionJob(
        services.app, services.database, settings.retention_months, services.projections.catch_up, dated_keys
    )
