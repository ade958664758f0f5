"""The `relais` command: serve, migrate, seed-demo, create-user, rebuild-projections, erase-candidate."""
from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.persistence import MapperDeserialisationError

from application.accounts import check_account_details
from application.errors import AlreadyErasedError, DomainError, DuplicateError, InvalidValueError, NotFoundError
from application.values import AGENCY_SCOPED_ROLES, ERASURE_REQUESTERS, MAX_ERASURE_REASON_TEXT, is_agency_id
from infrastructure.settings import Settings, SettingsError, database_url_of
from web.cli_compliance import add_compliance_commands
from web.cli_imports import add_import_commands
from web.cli_scheduler import add_scheduler_command
from web.cli_serve import add_serve_command
from web.cli_audit import add_audit_commands
from web.cli_database import DatabaseUnreachableError, check_database, check_keys
from web.cli_keys import add_key_commands
from web.cli_operator import OperatorError, add_operator_option, operator, operator_name

if TYPE_CHECKING:
    from infrastructure.bootstrap import Services

log = logging.getLogger("relais")
ROLES = ("advisor", "auditor", "compliance", "admin")
#: The commands that may start a new installation (database and keys); every other one works on an
#: installation already there and refuses a missing one instead of creating it (web/cli_database.py).
MAY_INSTALL = frozenset({"serve", "migrate", "seed-demo", "create-user"})


#: Requester kinds an operator may give; "conservation" is the retention job's own.
HAND_REQUESTERS = tuple(kind for kind in ERASURE_REQUESTERS if kind != "conservation")


class CommandError(Exception):
    """A command line mistake: printed as one English line, exit status 2."""


def _services(migrate: bool = True) -> Services:
    # Imported here: each command loads the application only when it runs, so `relais export`
    # stays lean (its parent process and workers are counted together, docs/adr/0014).
    from infrastructure.bootstrap import bootstrap

    return bootstrap(Settings.from_env(), run_migrations=migrate)


def cmd_migrate(args: argparse.Namespace) -> int:
    services = _services()
    for name in services.migrations_applied:
        print("migration applied:", name)
    print("database is up to date:", services.settings.database.describe())
    services.close()
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from infrastructure.demo import seed_demo

    services = _services()
    try:
        logins = seed_demo(services, services.settings.data_dir / "demo-logins.txt")
    finally:
        services.close()
    if logins is None:
        print("demo data already seeded: nothing done")
        return 0
    for role, username, password in logins:
        print(f"{role:<11} {username:<22} {password}")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    if not args.password_stdin:
        raise CommandError("give the password on standard input with --password-stdin")
    password = sys.stdin.readline().rstrip("\r\n")
    # What can be judged without the database is judged first: a mistake must not start an installation
    # (create-user may start one: web/cli_database.py) before being refused (review 9, finding 5).
    _check_agency_arguments(args)
    # An existing agency is judged against the database below; a new one's id here.
    check_account_details(args.username, args.role, args.agency or "", password, agency_exists=not args.new_agency)
    services = _services()
    try:
        _check_agency(services, args)
        account_id = services.app.open_account(args.username, args.role, args.agency or "", password, operator(args))
    except DuplicateError:
        raise CommandError(f"an account named {args.username.strip().lower()!r} already exists") from None
    finally:
        services.close()
    print(f"account {args.username} created ({args.role}), id {account_id}")
    return 0


def _check_agency_arguments(args: argparse.Namespace) -> None:
    agency = (args.agency or "").strip()
    if args.new_agency and not agency:
        raise CommandError("--new-agency needs --agency, the new agency's id")
    # The application refuses it too (in French, for the admin's form): said here in the CLI's words.
    if agency and args.role not in AGENCY_SCOPED_ROLES:
        raise CommandError(f"only advisors belong to an agency: drop --agency for the {args.role} role")
    if args.new_agency and not is_agency_id(agency):
        raise CommandError(f"{agency!r} is not an agency id: 1 to 40 lowercase letters, digits and hyphens (e.g. lyon-est)")


def _check_agency(services: Services, args: argparse.Namespace) -> None:
    """An agency must exist (an account belongs to it: the list the admin's form offers), or be
    opened on purpose with --new-agency: a typo would otherwise make an advisor of no agency."""
    agency = (args.agency or "").strip()
    if not agency:
        return  # open_account says whether the role needs one
    known = services.accounts.agencies(operator(args))
    if agency not in known and not args.new_agency:
        listed = f"the agencies are {', '.join(known)}" if known else "no agency exists yet"
        raise CommandError(f"unknown agency {agency!r}: {listed} (add --new-agency to open a new one)")


def cmd_rebuild_projections(args: argparse.Namespace) -> int:
    services = _services()
    try:
        applied = services.projections.rebuild()
    finally:
        services.close()
    print(f"read models rebuilt from the log ({applied} events replayed)")
    return 0


def cmd_erase_candidate(args: argparse.Namespace) -> int:
    from application.values import Reason

    try:
        candidate_id = UUID(args.candidate_id)
    except ValueError:
        raise CommandError(f"not a job seeker id: {args.candidate_id!r}") from None
    # The precision stays in clear in the log: required here (the CLI has no other way to say why), and short.
    reason_text = " ".join(args.reason.split())
    if not reason_text:
        raise CommandError("--reason must say why, in a few words (no personal data: it stays in the log)")
    if len(reason_text) > MAX_ERASURE_REASON_TEXT:
        raise CommandError(f"--reason is {MAX_ERASURE_REASON_TEXT} characters at most (it stays in the log)")
    services = _services()
    try:
        services.app.erase_candidate(
            candidate_id, Reason(args.reason_code, reason_text), args.requester, operator(args), reference=args.reference
        )
    except InvalidValueError as error:
        raise CommandError("; ".join(error.errors.values())) from None
    finally:
        services.close()
    print(f"personal data of {candidate_id} erased (key deleted; the log is intact)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="relais", description="Relais, the advisors' AI workbench.")
    commands = parser.add_subparsers(dest="command", required=True)
    add_serve_command(commands)
    commands.add_parser("migrate", help="create or update the database schema").set_defaults(func=cmd_migrate)
    commands.add_parser("seed-demo", help="seed the synthetic demo once").set_defaults(func=cmd_seed_demo)
    create = commands.add_parser("create-user", help="create a staff account")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--agency", default="", help="the agency of an advisor: one that exists already")
    create.add_argument("--new-agency", action="store_true", help="open --agency as a new agency (its first account)")
    create.add_argument("--password-stdin", action="store_true")
    add_operator_option(create)
    create.set_defaults(func=cmd_create_user)
    rebuild = commands.add_parser("rebuild-projections", help="rebuild every read model from the event log")
    rebuild.set_defaults(func=cmd_rebuild_projections)
    erase = commands.add_parser("erase-candidate", help="erase a job seeker's personal data (delete their key)")
    erase.add_argument("candidate_id")
    erase.add_argument("--reason", required=True, help=f"why, in a few words ({MAX_ERASURE_REASON_TEXT} characters at "
                       "most, recorded in clear in the log: no personal data)")
    # No defaults: an erasure records who asked and on what ground, never a guess (issue 5).
    erase.add_argument("--reason-code", required=True, choices=("demande_rgpd", "retention", "autre"),
                       help="the ground: a GDPR request, the end of the retention period, other")
    erase.add_argument("--requester", required=True, choices=HAND_REQUESTERS,
                       help="who asked for the erasure: the person, a legal representative, the agency or DPO, an authority")
    erase.add_argument("--reference", default="", help="the request's file or letter number (optional, 60 characters "
                       "at most; sealed under the erasure register's key, not the person's)")
    add_operator_option(erase)
    erase.set_defaults(func=cmd_erase_candidate)
    add_import_commands(commands)
    add_scheduler_command(commands)
    add_compliance_commands(commands)
    add_audit_commands(commands)
    add_key_commands(commands)
    return parser


def _uses_database(args: argparse.Namespace) -> bool:
    """Every command opens the database, except those that say otherwise (`uses_database`)."""
    rule = getattr(args, "uses_database", True)
    return bool(rule(args) if callable(rule) else rule)


#: What an operator does about a stored record that no longer decodes (an event replayed by a command).
UNREADABLE_RECORD = ("a stored record of this job seeker, offer or account does not decode: it was most likely altered in "
                     "the database. Nothing was recorded. `relais verify-log` names it; restore it from a backup, then "
                     "run the command again")


def _fail(message: str) -> int:
    print(f"relais: error: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The database file, its journal and the key file hold personal data: owner only.
    os.umask(0o077)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        if hasattr(args, "operator"):
            operator_name(args)  # a bad or unknown name stops the command before it does anything
        if _uses_database(args):
            # Seconds, not a pool's 30 s timeout and exit 1; read from the environment before Settings,
            # which would make a key file.
            if check_database(database_url_of(os.environ), existing=args.command not in MAY_INSTALL):
                check_keys(os.environ)
        return func(args)
    except (CommandError, SettingsError, OperatorError, DatabaseUnreachableError) as error:
        return _fail(str(error))
    except InvalidValueError as error:
        return _fail("; ".join(f"{field}: {message}" for field, message in error.errors.items()))
    except DuplicateError as error:
        return _fail(str(error))
    except NotFoundError as error:
        return _fail(f"not found: {error}")
    except AlreadyErasedError:
        return _fail("this person's data was already erased")
    except DomainError as error:
        return _fail(str(error))
    except MapperDeserialisationError as error:  # a stored record altered in the database: nothing was recorded
        print(f"relais: {error}", file=sys.stderr)
        print(f"relais: {UNREADABLE_RECORD}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
