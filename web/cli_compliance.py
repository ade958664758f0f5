"""`relais retention [--dry-run]`: run the retention job now and print its report."""
from __future__ import annotations

import argparse
from typing import Any

from application.retention import RetentionReport
from infrastructure.settings import Settings
from web.cli_operator import add_operator_option, operator


def add_compliance_commands(commands: Any) -> None:
    command = commands.add_parser(
        "retention", help="erase the personal data of job seekers inactive for RELAIS_RETENTION_MONTHS"
    )
    command.add_argument("--dry-run", action="store_true", help="only list who would be erased; change nothing")
    add_operator_option(command)
    command.set_defaults(func=cmd_retention)


def cmd_retention(args: argparse.Namespace) -> int:
    # Here, not at import: see web/cli.py _services.
    from infrastructure.bootstrap import bootstrap
    from infrastructure.retention import retention_job

    # Before anything runs: an unusable name stops the command here. A dry run records nothing.
    started_by = None if args.dry_run else operator(args)
    services = bootstrap(Settings.from_env())
    try:
        report = retention_job(services)(dry_run=args.dry_run, started_by=started_by)
    finally:
        services.close()
    print(report_text(report))
    return 0


def report_text(report: RetentionReport) -> str:
    dry = report.run_id is None
    lines = [
        f"retention: {report.months} months, no activity since {report.cutoff.isoformat()}",
        f"{report.examined} job seekers with personal data examined, {len(report.entries)} inactive: "
        + ("nothing erased (dry run)" if dry else f"{report.erased} erased, {report.kept} kept (active again), {report.failed} failed (run {report.run_id})"),
    ]
    for entry in report.entries:
        outcome = "would be erased" if dry else entry.outcome + (f" ({entry.detail})" if entry.detail else "")
        lines.append(f"  {entry.candidate_id}  {entry.agency_id}  last activity {entry.last_activity_at} "
                     f"({entry.last_activity_kind}): {outcome}")
    # Auditors' search days and erasure-register months past their own periods (docs/adr/0015, 0017).
    lines.append(f"{len(report.deleted_keys)} dated key(s) past their period " + ("would be deleted" if dry else "deleted"))
    lines += [f"  {owner}" for owner in report.deleted_keys]
    return "\n".join(lines)
