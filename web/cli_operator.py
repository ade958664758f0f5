"""Who runs a `relais` command: `--operator NAME`, else the OS login, recorded as actor `cli:NAME`.

Every command that records an event takes the option, so the log says which person acted
(issue 2: provenance), never a shared `cli` name.
"""
from __future__ import annotations

import argparse
import getpass
import re
import uuid
from typing import Any

from application.caller import Caller

#: A login or a short name: letters, digits and . _ @ - (no spaces, nothing a log line could be split on).
OPERATOR_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


class OperatorError(Exception):
    """No usable operator name: one English line on stderr, exit status 2."""


def add_operator_option(command: Any) -> None:
    command.add_argument("--operator", metavar="NAME",
                         help="who runs the command, recorded in the log as cli:NAME (default: your OS login)")


def operator_name(args: argparse.Namespace) -> str:
    given = getattr(args, "operator", None)
    if given is None:
        try:
            given = getpass.getuser()
        except (OSError, KeyError):  # no LOGNAME/USER and no password-file entry (e.g. an arbitrary container uid)
            raise OperatorError("cannot tell who you are from the OS login: give --operator NAME") from None
        source = "the OS login"
    else:
        source = "--operator"
    name = given.strip()
    if not OPERATOR_NAME.fullmatch(name):
        raise OperatorError(f"{source} {given!r} is not a usable name: 1-64 letters, digits or . _ @ -, "
                            "starting with a letter or digit (give --operator NAME)")
    return name


def operator(args: argparse.Namespace, correlation_id: str | None = None) -> Caller:
    """The caller a command acts as: an administrator named `cli:NAME`."""
    return Caller.cli(correlation_id=correlation_id or str(uuid.uuid4()), actor=operator_name(args))
