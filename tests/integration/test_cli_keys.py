"""`relais rotate-signing-key`, run as an operator would: with the key file, the old exports and checkpoints
still verify and the public keys show both; with RELAIS_SIGNING_KEY, the new seed comes from standard input."""
from __future__ import annotations

import base64
import secrets
import subprocess
import sys
from pathlib import Path

from tests.integration.test_cli import Relais, assert_fails, relais  # noqa: F401 - fixtures
from tests.integration.test_cli_audit import seed

ROOT = Path(__file__).resolve().parents[2]


def test_rotating_the_key_file_keeps_old_checkpoints_and_exports_verifiable(relais: Relais, tmp_path: Path) -> None:
    seed(relais, 3)
    old_export = tmp_path / "old"
    assert relais("export", "--out", str(old_export)).returncode == 0
    old_pem = relais("export-public-key").stdout
    old_file = (relais.data_dir / "signing.key").read_text()

    rotated = relais("rotate-signing-key")
    assert rotated.returncode == 0, rotated.stderr
    assert "checkpoint(s) sealed" in rotated.stdout and "succeeded by" in rotated.stdout
    assert (relais.data_dir / "signing.key").read_text() != old_file
    assert (relais.data_dir / "signing.key").stat().st_mode & 0o777 == 0o600

    seed_more = relais("checkpoint")  # signed with the new key now
    assert seed_more.returncode == 0, seed_more.stderr
    intact = relais("verify-log")
    assert intact.returncode == 0, intact.stderr
    assert relais("verify-export", str(old_export)).returncode == 0
    bundle = relais("export-public-key").stdout
    assert bundle.count("BEGIN PUBLIC KEY") == 2 and not bundle.startswith(old_pem) and old_pem in bundle
    (tmp_path / "keys.pem").write_text(bundle)
    assert relais("verify-export", str(old_export), "--public-key", str(tmp_path / "keys.pem")).returncode == 0
    # The standalone verifier a third party runs picks the old key out of the bundle by the manifest's key id.
    script = ROOT / "docs" / "verify_export.py"
    standalone = subprocess.run([sys.executable, str(script), str(old_export), str(tmp_path / "keys.pem")],
                                capture_output=True, text=True, timeout=60)
    assert standalone.returncode == 0, standalone.stdout


def test_with_the_key_in_the_settings_the_new_seed_is_read_on_standard_input(relais: Relais) -> None:
    relais.env["RELAIS_SIGNING_KEY"] = base64.b64encode(secrets.token_bytes(32)).decode()
    seed(relais, 2)
    assert_fails(relais("rotate-signing-key"), "--new-key-stdin")
    assert_fails(relais("rotate-signing-key", "--new-key-stdin", stdin="pas une clé\n"), "32-byte")
    new_seed = base64.b64encode(secrets.token_bytes(32)).decode()
    rotated = relais("rotate-signing-key", "--new-key-stdin", stdin=new_seed + "\n")
    assert rotated.returncode == 0, rotated.stderr
    assert new_seed not in rotated.stdout  # the secret is never printed
    relais.env["RELAIS_SIGNING_KEY"] = new_seed
    assert relais("checkpoint").returncode == 0
    assert relais("verify-log").returncode == 0


def test_a_log_that_fails_its_check_is_not_rotated_and_the_key_stays(relais: Relais) -> None:
    seed(relais, 2)
    assert relais("checkpoint").returncode == 0
    (mark,) = relais.data_dir.glob("log-mark-*.json")
    mark.unlink()  # as after an attack that also deleted the mark: the log no longer proves itself
    key_before = (relais.data_dir / "signing.key").read_text()
    keys_before = relais.rows("SELECT * FROM signing_keys")

    refused = relais("rotate-signing-key")
    assert refused.returncode == 1
    assert "is missing" in refused.stderr and "the signing key was not changed" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert (relais.data_dir / "signing.key").read_text() == key_before
    assert relais.rows("SELECT * FROM signing_keys") == keys_before  # no succession recorded
