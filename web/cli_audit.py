"""`relais checkpoint | verify-log | export | verify-export | export-public-key` (docs/adr/0014).

Exit status: 0 when all is well, 1 when a verification fails (the first bad record or line
is named on stderr), 2 when the command cannot run (bad arguments, unreadable folder).
"""
from __future__ import annotations

import argparse
import functools
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO
from uuid import uuid4

from infrastructure.audit_log import AuditLog
from infrastructure.checkpoints import SealRefusedError
from infrastructure.export_command import export_log
from infrastructure.export_lines import UndecodableRecord
from infrastructure.export_verifier import verify_export_by_key_id
from infrastructure.export_workers import ExportWorkerError
from infrastructure.log_chain import Checkpoint
from infrastructure.log_mark import LogMarkError
from infrastructure.log_report import ExpectedHead
from infrastructure.export_chain import MANIFEST, Manifest
from infrastructure.log_export import ExportNotRecorded, LogIntegrityFailed
from infrastructure.settings import Settings
from infrastructure.signing_key import SigningKeyError, key_id_of, load_public_pems
from web.cli_operator import add_operator_option, operator
from web.forms.period import FIRST_YEAR, LAST_YEAR

if TYPE_CHECKING:
    from infrastructure.bootstrap import Services


class ProgressBar:
    """A one-line bar on stderr, redrawn at most 10 times a second (no dependency)."""

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.label, self.stream, self.width = label, stream or sys.stderr, width
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last < 0.1 and done < total:
            return
        self._last = now
        share = done / total if total else 1.0
        filled = int(self.width * share)
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {share:4.0%} {done}/{total}")
        self.stream.flush()

    def finish(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def add_audit_commands(commands: Any) -> None:
    checkpoint = commands.add_parser("checkpoint", help="seal the log's hash chain with a signed checkpoint now")
    checkpoint.set_defaults(func=_plain_errors(cmd_checkpoint))
    verify = commands.add_parser("verify-log", help="recompute the log's hash chain and check every signed checkpoint "
                                 "and the high-water mark kept beside the signing key")
    verify.add_argument("--expect-head", action="append", default=[], metavar="ID:HEX",
                        help="a head kept outside (as verify-log prints it): the chain up to notification ID must "
                        "lead to HEX; may be given more than once")
    verify.add_argument("--new-mark", action="store_true",
                        help="the high-water mark file is missing or unreadable (a log sealed before marks existed, "
                        "a data folder restored or moved): check the database's checkpoints alone and, when they "
                        "verify, write a new mark at the latest one")
    verify.set_defaults(func=_plain_errors(cmd_verify_log))
    export = commands.add_parser("export", help="export the event log as signed CloudEvents (relais-export/1)")
    export.add_argument("--out", required=True, type=Path, help="folder to write events.jsonl, events.csv, manifest.*")
    export.add_argument("--since", help="only events at or after this ISO date/time (UTC when no offset)")
    export.add_argument("--until", help="only events before this ISO date/time (UTC when no offset)")
    export.add_argument("--despite-integrity-failure", action="store_true",
                        help="export a log that fails its integrity check, as it is (an investigation): the signed "
                        "manifest says what the check found; without this a failing log is not exported (exit 1)")
    add_operator_option(export)
    export.set_defaults(func=_plain_errors(cmd_export))
    check = commands.add_parser("verify-export", help="check an export's signature, count, range and chain")
    check.add_argument("directory", type=Path)
    check.add_argument("--public-key", type=Path, help="PEM file of the signer's public key, or the bundle of "
                       "/compliance/export-key (default: this server's current and previous keys)")
    # With --public-key it checks files against a key file alone: no database needed.
    check.set_defaults(func=_plain_errors(cmd_verify_export), uses_database=lambda args: args.public_key is None)
    key = commands.add_parser("export-public-key", help="print the public keys (PEM) that verify exports and checkpoints: "
                              "the current one first, then the previous ones still trusted")
    key.set_defaults(func=_plain_errors(cmd_export_public_key))


def _services() -> Services:
    from infrastructure.bootstrap import bootstrap  # here, not at import: see web/cli.py _services

    return bootstrap(Settings.from_env())


def _audit(services: Services) -> AuditLog:
    assert services.audit is not None
    return services.audit


def _moment(text: str | None, option: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _usage(f"{option} must be an ISO date or date-time, e.g. 2026-03-01 or 2026-03-01T10:00, got {text!r}") from None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:  # the bounds the export form gives its dates
        raise _usage(f"{option} must be a date between {FIRST_YEAR} and {LAST_YEAR}, got {text!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class AuditCommandError(Exception):
    """A command line mistake: one English line on stderr, exit status 2."""


def _usage(message: str) -> Exception:
    return AuditCommandError(message)


def _plain_errors(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    # Caught here, not in web.cli.main: `python -m web.cli` runs that module as __main__.
    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except AuditCommandError as error:
            print(f"relais: error: {error}", file=sys.stderr)
            return 2

    return run


def cmd_checkpoint(args: argparse.Namespace) -> int:
    services = _services()
    try:
        audit = _audit(services)
        written = audit.seal(force=True)  # a log sealed before marks existed is verified first (its first mark)
        # Sealing new records neither hides nor repairs an older alteration (each checkpoint follows the last
        # one's signed head), but an operator sealing by hand is told at once when the log fails its check.
        report = audit.verify()
    except SealRefusedError as error:
        print(f"relais: {error}", file=sys.stderr)
        return 1
    finally:
        services.close()
    if not written:
        print("nothing to seal: every record is already under a checkpoint")
    for checkpoint in written:
        print(f"checkpoint {checkpoint.sequence}: records {checkpoint.first_id}..{checkpoint.last_id}, head {checkpoint.head.hex()}")
    if report.problem is not None:
        where = f" at notification {report.problem.notification_id}" if report.problem.notification_id else ""
        print(f"relais: WARNING: the log fails its integrity check{where} ({report.problem.kind}: "
              f"{report.problem.detail}); sealing does not change that: see relais verify-log", file=sys.stderr)
        return 1
    return 0


def cmd_verify_log(args: argparse.Namespace) -> int:
    try:
        expected = tuple(ExpectedHead.parse(text) for text in args.expect_head)
    except ValueError as error:
        raise _usage(f"--expect-head: {error}") from None
    services = _services()
    written: list[Checkpoint] = []
    try:
        audit = _audit(services)
        if args.new_mark:
            _mark_may_be_replaced(audit)
        bar = ProgressBar("verify-log")
        total = audit.records.max_id()
        report = audit.verify(lambda done: bar(done, max(total, done)), expected, ignore_mark=args.new_mark)
        bar.finish()
        if report.ok:
            # Only after a clean check: never seal records that did not verify.
            audit.keys.record_current()
            if args.new_mark and audit.mark is not None:
                audit.mark.claim_identity()  # this database's marks, not another's left in the folder
                if (latest := audit.checkpoints.latest()) is not None:
                    audit.mark.advance(latest)
                    print(f"new high-water mark {audit.mark.path}: checkpoint {latest.sequence}, "
                          f"records up to notification {latest.last_id}")
            written = audit.checkpoints.write_checkpoint()
    except SealRefusedError as error:  # the mark moved between the check and the seal: check again
        print(f"relais: {error}", file=sys.stderr)
        return 1
    finally:
        services.close()
    if report.problem is not None:
        problem = report.problem
        where = f" at notification {problem.notification_id}" if problem.notification_id is not None else ""
        print(f"relais: log integrity FAILED{where}: {problem.kind}: {problem.detail}", file=sys.stderr)
        return 1
    if written:
        print(f"{len(written)} new checkpoint(s) written for the records that were due")
    report = report.after_sealing(written)  # what the log is now, sealed included
    print(f"log intact: {report.records} records, {report.checkpoints} signed checkpoints up to notification "
          f"{report.anchored_upto}, {report.unanchored} newer records not yet sealed; "
          f"head at notification {report.head_id}: {report.head}")
    print(f"to check later that the log still leads there: relais verify-log --expect-head {report.head_id}:{report.head}")
    return 0


def _mark_may_be_replaced(audit: AuditLog) -> None:
    """--new-mark replaces a missing or unreadable mark only: one that names checkpoints is evidence."""
    assert audit.mark is not None
    try:
        current = audit.mark.read()
    except LogMarkError:
        return
    if current is not None:
        raise _usage(f"--new-mark: the high-water mark {audit.mark.path} is there (checkpoint {current.sequence}) and is "
                     "not replaced; if, after an investigation, it must go, move it aside first")


def exported_range(manifest: Any) -> str:
    """The sequences an export covers, or "no events" (an empty export has none: not "None..None")."""
    if not manifest.count:
        return "no events"
    return f"sequences {manifest.first_sequence}..{manifest.last_sequence}"


def cmd_export(args: argparse.Namespace) -> int:
    since, until = _moment(args.since, "--since"), _moment(args.until, "--until")
    if since and until and since >= until:
        raise _usage("--since must be before --until")
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise _usage(f"{out} is a file, not a folder: export into a new folder")
    if out.exists() and any(out.iterdir()):
        raise _usage(f"{out} is not empty: export into a new folder")
    made = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _usage(f"cannot create the folder {out}: {error.strerror or error}") from None
    requested_by = operator(args, correlation_id=f"export-{uuid4()}")
    bar = ProgressBar("export")
    # Without the application until the export is written: its process and workers stay lean (docs/adr/0014).
    try:
        result = export_log(Settings.from_env(), out, since, until, bar, requested_by=requested_by,
                            despite_integrity_failure=args.despite_integrity_failure)
    except BaseException as error:  # the export removed what it wrote; the folder this command made goes too
        bar.finish()
        _remove_if_made(out, made)
        if isinstance(error, ExportNotRecorded):  # checked before writing; or recording failed
            raise _usage(str(error)) from None
        if isinstance(error, LogIntegrityFailed):  # checked before writing: exit 1, as verify-log's for a failing log
            print(f"relais: {error}", file=sys.stderr)
            return 1
        if isinstance(error, (UndecodableRecord, ExportWorkerError)):
            print(f"relais: {error}; nothing was exported", file=sys.stderr)
            if isinstance(error, UndecodableRecord):  # only a log that passes its check stops there
                print("relais: the log passes its integrity check, so this record was stored so or altered before it "
                      "was sealed: report it to the administrator", file=sys.stderr)
            return 1
        raise
    bar.finish()
    manifest = result.manifest
    print(f"{manifest.count} events exported to {out} ({exported_range(manifest)}), "
          f"head {manifest.head.hex()}, key {manifest.public_key_id}")
    print(integrity_line(manifest.log_integrity))
    return 0


#: verify-export's exit status when the export verifies but its manifest says the log had failed its check.
LOG_FAILED_WHEN_EXPORTED = 3


def _remove_if_made(out: Path, made: bool) -> None:
    """Nothing exported: the folder this command made goes too (one given empty is left as it was)."""
    if made:
        try:
            out.rmdir()
        except OSError:
            pass  # something else was put there meanwhile: not ours to delete


def integrity_line(integrity: dict[str, Any] | None) -> str:
    """What the manifest says of the log's integrity check made before the export."""
    if integrity is None:
        return "log integrity: not recorded (an export made before the check was part of it)"
    if not integrity["ok"]:
        problem = integrity.get("problem") or {}
        return (f"WARNING: the log FAILED its integrity check before this export ({problem.get('kind')}: "
                f"{problem.get('detail')}); it was exported as it was, on request")
    return (f"log integrity: verified before the export, {integrity['records']} records, chain head after notification "
            f"{integrity['head_id']}: {integrity['head']} (`relais verify-log --expect-head "
            f"{integrity['head_id']}:{integrity['head']}` checks that the log still leads there)")


def cmd_verify_export(args: argparse.Namespace) -> int:
    directory: Path = args.directory
    if not directory.is_dir():
        raise _usage(f"{directory} is not a folder")
    if args.public_key:
        try:
            keys = {key_id_of(key): key for key in load_public_pems(args.public_key.read_bytes())}
        except (OSError, ValueError, SigningKeyError) as error:
            raise _usage(f"cannot read the public key {args.public_key}: {error}") from None
    else:
        services = _services()
        try:
            keys = {key_id: key.public_key for key_id, key in _audit(services).keys.trusted().items()}
        finally:
            services.close()
    report = verify_export_by_key_id(directory, keys)
    if report.problem is not None:
        print(f"relais: export NOT verified: {report.problem}", file=sys.stderr)
        return 1
    print(f"export verified: {report.count} events, signature, sequence range and chain all check out")
    integrity = Manifest.parse((directory / MANIFEST).read_bytes()).log_integrity
    print(integrity_line(integrity))
    # The export is authentic, but of a log that had failed its check: a status of its own, for scripts.
    return LOG_FAILED_WHEN_EXPORTED if integrity is not None and not integrity["ok"] else 0


def cmd_export_public_key(args: argparse.Namespace) -> int:
    services = _services()
    try:
        # The current key first (a tool that reads one PEM gets it), then the previous keys still trusted.
        sys.stdout.write(_audit(services).keys.pem_bundle())
    finally:
        services.close()
    return 0
