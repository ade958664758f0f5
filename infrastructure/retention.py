"""The retention job wired on a process's services: the callable the scheduler is given."""
from __future__ import annotations

from typing import TYPE_CHECKING

from application.retention import RetentionJob

if TYPE_CHECKING:
    from infrastructure.bootstrap import Services


def retention_job(services: Services) -> RetentionJob:
    """`retention_job(services)()` erases the people inactive for `RELAIS_RETENTION_MONTHS`, as `job:retention`,
    and records the run; `(dry_run=True)` only reports. Safe to run again: erased people are not examined."""
    return RetentionJob(
        services.app, services.database, services.settings.retention_months, services.projections.catch_up
    )
