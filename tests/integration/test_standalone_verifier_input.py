"""docs/verify_export.py, given a malformed manifest, signature or key or a missing folder, says so in one
line and exits 1, as `relais verify-export` does: never a traceback (third parties run it, review 7)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from infrastructure.bootstrap import Services

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store() -> None:
    """The verifier reads files alone: one store is enough to export them."""
    return None


@pytest.fixture
def export(services: Services, tmp_path: Path) -> tuple[Path, Path]:
    assert services.audit is not None
    services.audit.exporter.export(tmp_path / "out")
    key = tmp_path / "key.pem"
    key.write_text(services.audit.key.public_pem())
    return tmp_path / "out", key


def verify(folder: Path, key: Path) -> tuple[int, list[str], str]:
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "verify_export.py"), str(folder), str(key)],
                          capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout.splitlines(), done.stderr


@pytest.mark.parametrize(("content", "message"), [
    (b"garbage\n", "manifest.json is not a JSON object: not a manifest"),
    (b'["a", "list"]', "manifest.json is not a JSON object: not a manifest"),
    (b"\xff\xfe", "manifest.json is not a JSON object: not a manifest"),
])
def test_a_malformed_manifest_is_named_in_one_line(export: tuple[Path, Path], content: bytes, message: str) -> None:
    folder, key = export
    (folder / "manifest.json").write_bytes(content)
    assert verify(folder, key) == (1, [message], "")


def test_a_signed_manifest_of_another_format_is_named_in_one_line(services: Services,
                                                                  export: tuple[Path, Path]) -> None:
    folder, key = export
    manifest = json.loads((folder / "manifest.json").read_bytes())
    del manifest["chain"]
    changed = json.dumps(manifest).encode()
    (folder / "manifest.json").write_bytes(changed)
    assert services.audit is not None
    (folder / "manifest.sig").write_text(services.audit.key.sign_base64(changed))
    assert verify(folder, key) == (1, ["not a relais-export/1 manifest"], "")


def test_a_signature_that_is_not_base64_is_named_in_one_line(export: tuple[Path, Path]) -> None:
    folder, key = export
    (folder / "manifest.sig").write_text("pas une signature !\n")
    assert verify(folder, key) == (1, ["manifest.sig is not base64: not a signature"], "")


def test_a_key_file_without_an_ed25519_key_is_named_in_one_line(export: tuple[Path, Path], tmp_path: Path) -> None:
    folder, _ = export
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("garbage\n")
    assert verify(folder, garbage) == (1, ["the key file holds no Ed25519 public key in PEM"], "")
    rsa_key = tmp_path / "rsa.pem"
    rsa_key.write_bytes(rsa.generate_private_key(65537, 2048).public_key()
                        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    assert verify(folder, rsa_key) == (1, ["the key file holds no Ed25519 public key in PEM"], "")


def test_a_missing_export_folder_is_named_in_one_line(export: tuple[Path, Path], tmp_path: Path) -> None:
    _, key = export
    code, lines, errors = verify(tmp_path / "absent", key)
    assert (code, errors) == (1, "") and lines == [f"missing manifest.json, manifest.sig, events.jsonl in "
                                                   f"{tmp_path / 'absent'}: not an export folder"]
