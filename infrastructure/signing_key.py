"""The Ed25519 key that signs log checkpoints and export manifests (docs/adr/0014).

RELAIS_SIGNING_KEY holds the raw 32-byte private seed in base64 (one line: easy to put
in a secret store). Without it, a key file `signing.key` is created once under the data
folder, owner-only, exactly like the master secret key. The key id is the first 16 hex
digits of SHA-256 over the raw public key: short enough to print, long enough to tell
keys apart.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from infrastructure.settings import create_key_file

KEY_FILE = "signing.key"


class SigningKeyError(ValueError):
    """The configured signing key cannot be used."""


def raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public(public_key)).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode(
        "ascii"
    )


def public_from_base64(text: str, where: str) -> Ed25519PublicKey:
    """A raw 32-byte Ed25519 public key in base64 (one line: fits an environment variable)."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise SigningKeyError(f"{where} must hold 32-byte Ed25519 public keys in base64, got {text.strip()[:60]!r}")
    return Ed25519PublicKey.from_public_bytes(raw)


@dataclass(frozen=True)
class SigningKey:
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)

    def sign_base64(self, message: bytes) -> str:
        return base64.b64encode(self.sign(message)).decode("ascii")

    def verifies(self, signature: bytes, message: bytes) -> bool:
        return verifies(self.public_key, signature, message)

    def public_pem(self) -> str:
        return public_pem(self.public_key)

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def load(cls, configured: str, data_dir: Path) -> SigningKey:
        """From RELAIS_SIGNING_KEY if set, else from (or into) data_dir/signing.key."""
        if configured.strip():
            return cls.from_seed(_seed(configured.strip(), "RELAIS_SIGNING_KEY"))
        path = data_dir / KEY_FILE
        if not path.exists():
            create_key_file(path)
        return cls.from_seed(_seed(path.read_text().strip(), str(path)))


def verifies(public_key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def load_public_pem(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError("not an Ed25519 public key")
    return key


PEM_BLOCK = re.compile(rb"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.S)


def load_public_pems(pem: bytes) -> list[Ed25519PublicKey]:
    """Every key of a PEM file: one key, or the bundle of current and previous keys /compliance/export-key serves."""
    keys = [load_public_pem(block + b"\n") for block in PEM_BLOCK.findall(pem)]
    if not keys:
        raise SigningKeyError("no PEM public key found")
    return keys


def replace_key_file(path: Path, seed: bytes) -> None:
    """Put a new seed in place of the key file at once (mode 0600): the old private key is gone from disk."""
    fd, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-")
    with os.fdopen(fd, "w") as file:
        file.write(base64.b64encode(seed).decode())
    os.replace(draft, path)


def seed_of(text: str, where: str) -> bytes:
    """A 32-byte Ed25519 seed from its base64 text, or SigningKeyError naming where it came from."""
    return _seed(text, where)


def _seed(text: str, where: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise SigningKeyError(f"{where} must hold a 32-byte Ed25519 seed in base64")
    return raw
