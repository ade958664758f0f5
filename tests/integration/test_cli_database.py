"""A `relais` command whose PostgreSQL database is missing or unreachable says so in one English
line and exits 2, never a pool-timeout traceback with exit 1 (which for verify-log means "tampered")."""
from __future__ import annotations

import socket
import sqlite3
import subprocess
from pathlib import Path
from uuid import uuid4

import psycopg
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
    assert relais("migrate").returncode == 0
    made = relais("export", "--out", str(tmp_path / "export"))
    assert made.returncode == 0, made.stderr
    key = tmp_path / "key.pem"
    key.write_text(relais("export-public-key").stdout, encoding="ascii")
    offline = Relais(relais.data_dir, f"postgresql://postgres@127.0.0.1:{closed_port()}/relais")
    checked = offline("verify-export", str(tmp_path / "export"), "--public-key", str(key))
    assert checked.returncode == 0, checked.stderr
    assert "export verified" in checked.stdout


def test_commands_on_an_existing_installation_refuse_a_mistyped_data_folder_and_create_nothing(tmp_path: Path) -> None:
    """A mistyped RELAIS_DATA_DIR once answered "log intact: 0 records" from a new empty log signed by a new key,
    and an import or the scheduler would have started a new installation there."""
    from web.cli import MAY_INSTALL

    typo = tmp_path / "dta"
    relais = Relais(typo)
    assert {"import-candidates", "import-offers", "scheduler", "verify-log", "export"}.isdisjoint(MAY_INSTALL)
    for command in sorted(set(EVERY_COMMAND) - MAY_INSTALL):
        if command == "verify-export":
            continue  # with --public-key it needs no database; without, below
        result = run(relais, command, tmp_path)
        assert_fails(result, "no Relais database at", str(typo / "relais.sqlite"), "no such file", "never creates one")
        assert not typo.exists(), command  # no folder, no database, no key
    assert_fails(relais("verify-export", str(tmp_path)), "no Relais database at")
    assert not typo.exists()


def test_a_file_that_holds_no_relais_schema_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    other = tmp_path / "autre.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE notes (x)").connection.commit()
    before = other.read_bytes()
    relais = Relais(tmp_path / "data", f"sqlite:///{other}")
    assert_fails(relais("verify-log"), "no Relais database at", "holds no Relais schema")
    assert other.read_bytes() == before


@pytest.mark.parametrize("key", ["secret.key", "signing.key"])
def test_no_command_makes_new_keys_for_a_database_that_holds_relais_data(relais: Relais, key: str, tmp_path: Path) -> None:
    """A new secret key opens none of the people's data; a new signing key makes every checkpoint unverifiable."""
    assert relais("migrate").returncode == 0
    (relais.data_dir / key).rename(relais.data_dir / f"{key}.aside")
    for command in ("serve", "migrate", "seed-demo", "create-user", "verify-log", "checkpoint", "scheduler"):
        assert_fails(run(relais, command, tmp_path), f"{relais.data_dir / key}", "is missing",
                     "a new key is never made")
        assert not (relais.data_dir / key).exists(), command
    assert relais.rows("SELECT COUNT(*) AS n FROM signing_keys")[0]["n"] == 0  # nothing recorded either


@pytest.mark.postgres
def test_an_empty_postgresql_database_is_not_taken_for_an_empty_log(postgres_available: bool, tmp_path: Path) -> None:
    assert postgres_available
    name = f"relais_empty_{uuid4().hex[:12]}"
    admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        relais = Relais(tmp_path / "data", f"postgresql://postgres@127.0.0.1:5432/{name}")
        assert_fails(relais("verify-log"), "no Relais database at", "holds no Relais schema")
        assert_fails(relais("export", "--out", str(tmp_path / "x")), "holds no Relais schema")
    finally:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


def test_create_user_judges_its_arguments_before_it_starts_an_installation(tmp_path: Path) -> None:
    relais = Relais(tmp_path / "neuf")
    for args, stdin in ((("--username", "zz", "--role", "admin"), PASSWORD),  # too short a name
                        (("--username", "chef.un", "--role", "admin"), "court"),  # too short a password
                        (("--username", "chef.un", "--role", "auditor", "--agency", "lyon-est"), PASSWORD),
                        (("--username", "conseil.un", "--role", "advisor", "--agency", "Lyon Est!", "--new-agency"),
                         PASSWORD)):
        result = relais("create-user", *args, "--password-stdin", stdin=stdin + "\n")
        assert result.returncode == 2 and "Traceback" not in result.stderr, (args, result.stderr)
        assert not (tmp_path / "neuf").exists(), args
