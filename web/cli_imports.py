"""`relais import-candidates FILE --agency A` and `relais import-offers FILE --agency A`.

Exit status: 0 when every row was imported or already imported, 1 when the file was
read but some rows were rejected (each is printed as `line N: column: reason`), 2 when
the command or the file cannot be used at all (nothing imported).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from application.csv_table import MAX_BYTES, ImportFileError
from application.imports import ImportReport
from infrastructure.settings import Settings
from web.cli_operator import add_operator_option, operator as operator_of

KINDS = {"import-candidates": "job seekers", "import-offers": "offers"}


def add_import_commands(commands: Any) -> None:
    """Register both commands on the `relais` sub-command parser."""
    for name, what in KINDS.items():
        command = commands.add_parser(name, help=f"import {what} from a CSV file (columns in README.md)")
        command.add_argument("file", type=Path, help="UTF-8 CSV file with a header row; ';' or ',' between cells")
        command.add_argument("--agency", required=True, help=f"the agency that receives the {what}")
        add_operator_option(command)
        command.set_defaults(func=cmd_import)


def cmd_import(args: argparse.Namespace) -> int:
    path: Path = args.file
    agency = args.agency.strip()
    try:
        if path.stat().st_size > MAX_BYTES:
            return _fail(f"cannot import {path}: larger than {MAX_BYTES // (1024 * 1024)} MB, split it")
        data = path.read_bytes()
    except OSError as error:
        return _fail(f"cannot read {path}: {error.strerror or error}")
    if not agency:
        return _fail("--agency must name an agency")
    operator = operator_of(args)
    from infrastructure.bootstrap import bootstrap  # here, not at import: see web/cli.py _services

    services = bootstrap(Settings.from_env())
    try:
        if not any(a.role == "advisor" and a.agency_id == agency for a in services.accounts.list(operator)):
            return _fail(f"no advisor account belongs to agency {agency!r} (check the spelling)")
        use_case = services.app.import_candidates if args.command == "import-candidates" else services.app.import_offers
        try:
            report = use_case(data, operator, agency)
        except ImportFileError as error:
            return _fail(f"cannot import {path}: {error.english}")
    finally:
        services.close()
    print(summary(report, path))
    for problem in report.problems:
        print(f"line {problem.line}: {problem.column or 'row'}: {problem.reason}")
    return 1 if report.problems else 0


def summary(report: ImportReport, path: Path) -> str:
    what = KINDS["import-candidates" if report.kind == "candidates" else "import-offers"]
    return (
        f"{what} from {path} into agency {report.agency_id}: {len(report.imported)} imported, "
        f"{len(report.skipped)} already imported, {report.rejected} rejected"
    )


def _fail(message: str) -> int:
    print(f"relais: error: {message}", file=sys.stderr)
    return 2
