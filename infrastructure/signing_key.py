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
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from infrastructure.settings import create_key_file

KEY_FILE = "signing.key"


class SigningKeyError(ValueError):
    """The configured signing key cannot be used."""


def key_id_of(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


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
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

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


def _seed(text: str, where: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise SigningKeyError(f"{where} must hold a 32-byte Ed25519 seed in base64")
    return raw
