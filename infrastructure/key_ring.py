"""Which public keys the log trusts: the current signing key, the operator's, and the previous ones they vouch for.

Trust starts outside the database (docs/adr/0014): the current key (its private half is in
RELAIS_SIGNING_KEY or signing.key) and the public keys in RELAIS_TRUSTED_SIGNING_KEYS. A key
that signed before a rotation is trusted only through a succession row whose `vouch` the next
key, already trusted, signed. Someone with SQL access can add rows, not that signature: a key
of their own stays unknown, and so do the checkpoints it signs.
"""
from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from infrastructure.database import PostgresDatabase, SQLiteDatabase
from infrastructure.signing_key import SigningKey, key_id_of, public_pem, raw_public, verifies

CURRENT, CONFIGURED, VOUCHED = "current", "configured", "vouched"
SUCCESSION = b"relais-key-succession/1"
CACHE_SECONDS = 5.0


def succession_message(previous: bytes, following: bytes, rotated_at: str) -> bytes:
    """What both keys sign at a rotation: the two raw public keys and the instant."""
    return b"\0".join((SUCCESSION, previous, following, rotated_at.encode("ascii")))


@dataclass(frozen=True)
class TrustedKey:
    key_id: str
    public_key: Ed25519PublicKey
    source: str  # CURRENT, CONFIGURED (RELAIS_TRUSTED_SIGNING_KEYS) or VOUCHED (by its successor)
    successor_id: str = ""  # the key that vouches for it
    rotated_at: str = ""  # when it was succeeded
    first_used_at: str = ""  # first signature recorded here; "" when none was

    @property
    def raw_base64(self) -> str:
        return base64.b64encode(raw_public(self.public_key)).decode("ascii")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _public(text: str) -> Ed25519PublicKey | None:
    try:
        raw = base64.b64decode(text, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw) if len(raw) == 32 else None
    except (binascii.Error, ValueError):
        return None


class KeyRing:
    def __init__(
        self, database: SQLiteDatabase | PostgresDatabase, current: SigningKey, configured: tuple[Ed25519PublicKey, ...],
        clock: Any,
    ) -> None:
        self.database = database
        self.current = current
        self.configured = configured
        self.clock = clock
        self._cached: tuple[float, dict[str, TrustedKey]] | None = None
        self._current_recorded = False  # once per process: the scheduler seals every few minutes

    def public_key(self, key_id: str) -> Ed25519PublicKey | None:
        """The trusted key with this id, or None: unknown, or recorded here without a trusted vouch."""
        trusted = self.trusted().get(key_id)
        return trusted.public_key if trusted is not None else None

    def trusted(self) -> dict[str, TrustedKey]:
        """Every trusted key by id, the current one first (kept a few seconds: a verification asks per checkpoint)."""
        if self._cached is not None and time.monotonic() - self._cached[0] < CACHE_SECONDS:
            return self._cached[1]
        with self.database.read() as tx:
            first_used = {r["key_id"]: r["first_used_at"] for r in tx.fetchall("SELECT key_id, first_used_at FROM signing_keys")}
            rows = tx.fetchall("SELECT * FROM signing_key_successions ORDER BY rotated_at")
        trusted = {self.current.key_id: TrustedKey(self.current.key_id, self.current.public_key, CURRENT)}
        for key in self.configured:
            trusted.setdefault(key_id_of(key), TrustedKey(key_id_of(key), key, CONFIGURED))
        grown = True
        while grown:  # back along the successions, from what is already trusted only
            grown = False
            for row in rows:
                vouched = self._vouched(row, trusted)
                if vouched is not None:
                    trusted[vouched.key_id] = vouched
                    grown = True
        result = {k: replace(v, first_used_at=first_used.get(k, "")) for k, v in trusted.items()}
        self._cached = (time.monotonic(), result)
        return result

    @staticmethod
    def _vouched(row: dict[str, Any], trusted: dict[str, TrustedKey]) -> TrustedKey | None:
        """The previous key of a succession, if a trusted next key vouched for it and it handed over itself."""
        previous, following = _public(row["previous_public_key"]), _public(row["next_public_key"])
        if previous is None or following is None or key_id_of(previous) in trusted:
            return None
        successor = trusted.get(key_id_of(following))
        if successor is None or raw_public(successor.public_key) != raw_public(following):
            return None
        message = succession_message(raw_public(previous), raw_public(following), row["rotated_at"])
        try:
            vouch, handover = base64.b64decode(row["vouch"]), base64.b64decode(row["handover"])
        except (binascii.Error, ValueError):
            return None
        if not (verifies(following, vouch, message) and verifies(previous, handover, message)):
            return None
        return TrustedKey(key_id_of(previous), previous, VOUCHED, successor.key_id, row["rotated_at"])

    def recorded_untrusted(self) -> list[str]:
        """Key ids recorded in the database that no trusted key vouches for (forged, or rotated by hand)."""
        with self.database.read() as tx:
            ids = [r["key_id"] for r in tx.fetchall("SELECT key_id FROM signing_keys ORDER BY first_used_at, key_id")]
        trusted = self.trusted()
        return [key_id for key_id in ids if key_id not in trusted]

    def record_current(self) -> None:
        """Record the current key's public half the first time it signs (shown on the integrity page)."""
        if not self._current_recorded:
            self._record(self.current)
            self._current_recorded = True

    def rotate(self, following: SigningKey) -> str:
        """Record a succession from the current key to `following`, signed by both; return its instant."""
        rotated_at = self.clock.now().isoformat()
        message = succession_message(raw_public(self.current.public_key), raw_public(following.public_key), rotated_at)
        self._record(self.current)
        with self.database.transaction() as tx:
            tx.execute(
                "INSERT INTO signing_key_successions (previous_id, next_id, previous_public_key, next_public_key, "
                "rotated_at, handover, vouch) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self.current.key_id, following.key_id, _b64(raw_public(self.current.public_key)),
                 _b64(raw_public(following.public_key)), rotated_at, self.current.sign_base64(message),
                 following.sign_base64(message)),
            )
        self._record(following)
        self._cached = None
        return rotated_at

    def pem_bundle(self) -> str:
        """The trusted keys as PEM: the current one first and bare, so a tool reading one PEM gets it, as before
        any rotation; then each other key under a comment naming its id and why it is trusted."""
        parts = []
        for key in self.trusted().values():
            if key.source != CURRENT:
                what = ("trusted by the operator (RELAIS_TRUSTED_SIGNING_KEYS)" if key.source == CONFIGURED
                        else f"previous key, succeeded on {key.rotated_at} by {key.successor_id}")
                parts.append(f"# key id {key.key_id}: {what}; raw base64 {key.raw_base64}\n")
            parts.append(public_pem(key.public_key))
        return "".join(parts)

    def _record(self, key: SigningKey) -> None:
        with self.database.transaction() as tx:
            tx.execute(
                "INSERT INTO signing_keys (key_id, public_key, first_used_at) VALUES (?, ?, ?) ON CONFLICT (key_id) DO NOTHING",
                (key.key_id, _b64(raw_public(key.public_key)), self.clock.now().isoformat()),
            )
