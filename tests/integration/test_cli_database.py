"""A `relais` command whose PostgreSQL database is missing or unreachable says so in one English
line and exits 2, never a pool-timeout traceback with exit 1 (which for verify-log means "tampered")."""
from __future__ import annotations

import socket
import subprocess
from pathlib import Path
from uuid import uuid4

import pytest

from tests.integration.test_cli import PASSWORD, Relais, assert_fails, relais  # noqa: F401 - fixture
from web.cli import build_parser

#: Each command of the parser with the arguments it needs to get as far as opening the database.
EVERY_COMMAND: dict[str, tuple[str, ...]] = {
    "serve": (),
    "migrate": (),
    "seed-demo": (),
    "create-user": ("--username", "a.b", "--role", "admin", "--password-stdin"),
    "rebuild-projections": (),
    "erase-candidate": (str(uuid4()), "--reason", "x", "--reason-code", "autre", "--requester", "agence"),
    "import-candidates": ("FILE", "--agency", "lyon-est"),
    "import-offers": ("FILE", "--agency", "lyon-est"),
    "scheduler": (),
    "retention": ("--dry-run",),
    "checkpoint": (),
    "verify-log": (),
    "export": ("--out", "OUT"),
    "verify-export": ("OUT",),
    "export-public-key": (),
    "rotate-signing-key": (),
}


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(relais: Relais, command: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    csv = tmp_path / "people.csv"
    csv.write_text("reference;prenom\n", encoding="utf-8")
    (tmp_path / "out").mkdir(exist_ok=True)
    args = [{"FILE": str(csv), "OUT": str(tmp_path / "out")}.get(arg, arg) for arg in EVERY_COMMAND[command]]
    return relais(command, *args, stdin=PASSWORD + "\n")


def test_the_list_names_every_command_of_the_parser() -> None:
    commands = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(EVERY_COMMAND) == set(commands.choices)  # a new command must be added here, and checked


def test_every_command_refuses_a_closed_port_with_a_clear_line_and_exit_2(tmp_path: Path) -> None:
    port = closed_port()
    relais = Relais(tmp_path / "data", f"postgresql://postgres@127.0.0.1:{port}/relais")
    for command in EVERY_COMMAND:
        result = run(relais, command, tmp_path)
        assert_fails(result, "cannot open the database", f"127.0.0.1:{port}/relais", "Connection refused",
                     "check that the server runs")
        assert "PoolTimeout" not in result.stderr, command


@pytest.mark.postgres
def test_a_database_that_does_not_exist_is_named_with_the_command_that_creates_it(
    postgres_available: bool, tmp_path: Path
) -> None:
    assert postgres_available
    name = f"relais_absent_{uuid4().hex[:12]}"
    relais = Relais(tmp_path / "data", f"postgresql://postgres@127.0.0.1:5432/{name}")
    for command in ("verify-log", "migrate", "serve", "export"):
        assert_fails(run(relais, command, tmp_path), f'database "{name}" does not exist', "createdb", name)


def test_verify_export_with_a_key_file_needs_no_database(relais: Relais, tmp_path: Path) -> None:
    made = relais("export", "--out", str(tmp_path / "export"))
    assert made.returncode == 0, made.stderr
    key = tmp_path / "key.pem"
    key.write_text(relais("export-public-key").stdout, encoding="ascii")
    offline = Relais(relais.data_dir, f"postgresql://postgres@127.0.0.1:{closed_port()}/relais")
    checked = offline("verify-export", str(tmp_path / "export"), "--public-key", str(key))
    assert checked.returncode == 0, checked.stderr
    assert "export verified" in checked.stdout
