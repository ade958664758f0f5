#!/usr/bin/env python3
"""Verify a Relais export (relais-export/1) with only the standard library and `cryptography`:
`python verify_export.py EXPORT_DIR PUBLIC_KEY.pem`. Keys: /compliance/export-key or `relais export-public-key`
(current key first, then previous ones still trusted). Exit 0 when complete and intact, else 1 and the reason."""
import base64
import hashlib
import json
import re
import sys
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key


def key_named(pem: bytes, key_id: str):
    """The key (of one PEM or a bundle) whose id the manifest names (SHA-256 of the raw key, 16 hex), else the first."""
    blocks = re.findall(rb"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", pem, re.S)
    keys = [load_pem_public_key(block + b"\n") for block in blocks]
    for key in keys:
        if hashlib.sha256(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16] == key_id:
            return key
    return keys[0] if keys else load_pem_public_key(pem)


def verify(folder: Path, pem: bytes) -> str | None:
    if missing := [name for name in ("manifest.json", "manifest.sig", "events.jsonl") if not (folder / name).is_file()]:
        return f"missing {', '.join(missing)} in {folder}: not an export folder"
    manifest_bytes = (folder / "manifest.json").read_bytes()
    try:
        signature = base64.b64decode((folder / "manifest.sig").read_bytes().strip(), validate=True)
    except ValueError:
        return "manifest.sig is not base64: not a signature"
    try:  # read first only to pick the key it names; the signature decides
        manifest = json.loads(manifest_bytes)
        key_id = str(manifest.get("public_key_id", ""))
    except (ValueError, AttributeError):  # not JSON, not UTF-8, or not an object
        return "manifest.json is not a JSON object: not a manifest"
    try:
        key = key_named(pem, key_id)
    except ValueError:  # not PEM, or not an Ed25519 key (no raw form)
        return "the key file holds no Ed25519 public key in PEM"
    try:  # Ed25519 over the exact bytes of manifest.json
        key.verify(signature, manifest_bytes)
    except Exception:
        return "manifest.sig does not verify: wrong key, or manifest.json was changed"
    try:  # signed, but perhaps by a version that wrote another format
        return check_lines(folder, manifest)
    except (KeyError, TypeError, ValueError, AttributeError):  # a field missing, or of another type
        return "not a relais-export/1 manifest"


def check_lines(folder: Path, manifest: dict) -> str | None:
    if manifest["format"] != "relais-export/1" or manifest["chain"]["algorithm"] != "sha256":
        return "not a relais-export/1 manifest"
    previous = bytes.fromhex(manifest["previous_head"]) if manifest["previous_head"] else bytes(32)
    head = hashlib.sha256(b"relais-export/1" + previous).digest()  # h0
    count, sequences = 0, []
    with open(folder / "events.jsonl", "rb") as lines:
        for count, raw in enumerate(lines, start=1):
            if not raw.endswith(b"\n"):
                return f"line {count}: truncated"
            line = raw[:-1]  # its exact bytes, without the newline
            head = hashlib.sha256(head + hashlib.sha256(line).digest()).digest()  # hi
            try:
                sequences.append(int(json.loads(line)["sequence"]))
            except (ValueError, KeyError, TypeError):  # not JSON, not an object, no sequence or not a number
                return f"line {count}: not a CloudEvent"
            if len(sequences) > 1 and sequences[-1] <= sequences[-2]:
                return f"line {count}: sequence out of order"
    if count != manifest["count"]:
        return f"{count} lines, the manifest says {manifest['count']}"
    if sequences and (sequences[0], sequences[-1]) != (manifest["first_sequence"], manifest["last_sequence"]):
        return "the sequence range differs from the manifest"
    if head.hex() != manifest["chain"]["head"]:
        return "the chain head differs: a line was changed, removed or moved"
    csv_digest = manifest.get("files", {}).get("events.csv", {}).get("sha256")
    if csv_digest and not (folder / "events.csv").is_file():
        return "missing events.csv (the manifest names it)"
    if csv_digest and hashlib.sha256((folder / "events.csv").read_bytes()).hexdigest() != csv_digest:
        return "events.csv was changed"
    return None


if __name__ == "__main__":
    if len(sys.argv) != 3 or not Path(sys.argv[2]).is_file():
        sys.exit("usage: python verify_export.py EXPORT_DIR PUBLIC_KEY.pem (an existing key file)")
    try:
        problem = verify(Path(sys.argv[1]), Path(sys.argv[2]).read_bytes())
    except OSError as error:  # e.g. a file this user may not read
        problem = f"cannot read {error.filename}: {error.strerror}"
    print(problem or "export verified: signature, count, sequence range and chain are correct")
    if not problem and json.loads(Path(sys.argv[1], "manifest.json").read_bytes()).get("log_integrity", {}).get("ok") is False:
        print("WARNING: the log had FAILED its integrity check when this was exported (see log_integrity)")
        sys.exit(3)  # an authentic export of a log that was not intact
    sys.exit(1 if problem else 0)
