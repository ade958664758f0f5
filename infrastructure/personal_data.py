"""Per-person encryption of personal data (crypto-shredding).

Each person has a random AES-256 key, stored wrapped by the server's master key in
`personal_keys`. Every `PersonalData` value in an event is encrypted with its
subject's key (AES-GCM, the subject id as associated data). Erasing a person deletes
the key: their values then read back as "[effacé]" while the log stays intact.
"""
from __future__ import annotations

import base64
import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import IntegrityError, Transcoding

from application.ports import Database
from application.transactions import joined
from domain.personal_data import PersonalData


MAX_CACHED_KEYS = 10_000
KEYS_PER_QUERY = 500
#: The primary key of `personal_keys` (migrations), as the database names it in a violation.
KEY_CONSTRAINT = "personal_keys_pkey"
#: `wrapped_key` of an erased person's row: the key is gone, the row stays so that none is made again.
ERASED = ""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class DatabaseKeyVault:
    """Per-person keys in the `personal_keys` table, wrapped by the master key.

    Keys read are kept in memory for `cache_seconds` (5 s by default): an event is
    decoded by several readers in a row, and a registration writes four personal
    fields. A key erased by another process can thus still be used here for those few
    seconds; what it could decode then is scrubbed again by the erasure event in the
    read models, and pages read only read models (docs/adr/0006). Missing keys are
    never cached: another process may create one at any time.
    """

    def __init__(self, database: Database, master_key: bytes, clock: Any, cache_seconds: float = 5.0) -> None:
        if len(master_key) != 32:
            raise ValueError("the master key must be 32 bytes")
        self.database = database
        self._master = AESGCM(master_key)
        self.clock = clock
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[bytes, float]] = {}
        self._lock = threading.Lock()
        self._local = threading.local()  # keys created by this thread's open units of work

    def key_for(self, subject_id: str, *, create: bool) -> bytes | None:
        pending = self._pending().get(subject_id)
        if pending is not None:
            return pending
        cached = self._cached(subject_id)
        if cached is not None:
            return cached
        if create and self.database.is_registering(subject_id):
            # A person this command registers (a new id): no key can exist, so the insert is sent with
            # the event it seals, not waited for. Should one exist all the same, the insert fails the
            # command, whose event insert then reports it: nothing is written (docs/adr/0020, session 5).
            key, created = self._create_new(subject_id), True
        elif create and self.database.open_connection() is not None:
            # In a command's transaction, a key to create is nearly always a new person's (a known one's
            # was cached when the aggregate was loaded): insert it at once, and read only if one exists.
            key, created = self._create(subject_id)
        else:
            with self.database.read() as tx:
                row = tx.fetchone("SELECT wrapped_key FROM personal_keys WHERE subject_id = ?", (subject_id,))
            if row is not None:
                if row["wrapped_key"] == ERASED:
                    return None  # erased: never a new key, or the person's older events would no longer decode
                return self._remember(subject_id, self._unwrap(subject_id, row["wrapped_key"]))
            if not create:
                return None
            key, created = self._create(subject_id)
        if key is None:
            return None
        if created and getattr(self._local, "levels", None):
            # Not committed yet: this thread's until its outermost unit of work commits. Shared now,
            # another thread could seal data with a key whose row is then rolled back.
            self._pending()[subject_id] = key
            return key
        return self._remember(subject_id, key)

    def keys_for(self, subject_ids: list[str]) -> dict[str, bytes | None]:
        """`key_for(subject, create=False)` of many people at once: one query for those not in memory
        (an export meets thousands of people; one round trip each cost more than decoding their events)."""
        found: dict[str, bytes | None] = {}
        unknown: list[str] = []
        for subject_id in subject_ids:
            known = self._pending().get(subject_id) or self._cached(subject_id)
            if known is not None:
                found[subject_id] = known
            else:
                unknown.append(subject_id)
        for start in range(0, len(unknown), KEYS_PER_QUERY):
            part = unknown[start : start + KEYS_PER_QUERY]
            with self.database.read() as tx:
                rows = tx.fetchall(
                    f"SELECT subject_id, wrapped_key FROM personal_keys WHERE subject_id IN ({', '.join('?' * len(part))})",
                    tuple(part),
                )
            for row in rows:
                subject_id, wrapped = row["subject_id"], row["wrapped_key"]
                found[subject_id] = None if wrapped == ERASED else self._remember(subject_id, self._unwrap(subject_id, wrapped))
        for subject_id in unknown:
            found.setdefault(subject_id, None)  # no key: never had one (not remembered: one may be made)
        return found

    def _pending(self) -> dict[str, bytes]:
        return self._local.__dict__.setdefault("pending", {})

    @contextmanager
    def forgetting_on_failure(self) -> Iterator[None]:
        """Keys created inside the block stay this thread's until the outermost block commits, then
        join the shared cache; if a block fails they are dropped: their rows were rolled back with it,
        and a key that is not stored would seal data no one can open."""
        created: list[str] = []
        levels = self._local.__dict__.setdefault("levels", [])
        levels.append(created)
        try:
            yield
        except BaseException:
            pending = self._pending()
            for subject_id in created:
                pending.pop(subject_id, None)
            raise
        finally:
            levels.pop()
        if not levels:  # the outermost unit of work committed: its keys are stored for everyone
            for subject_id, key in self._pending().items():
                self._remember(subject_id, key)
            self._pending().clear()

    def destroy(self, subject_id: str) -> bool:
        with self._lock:
            self._cache.pop(subject_id, None)
        with self.database.transaction() as tx:
            # The key goes; its row stays as a tombstone, so that nothing written about the person
            # later (a note on a conversation still open on screen) gets a new key: that value would be
            # readable, and the person's older events would fail to decode under the new key.
            deleted = tx.execute("UPDATE personal_keys SET wrapped_key = ? WHERE subject_id = ? AND wrapped_key <> ?",
                                 (ERASED, subject_id, ERASED))
            tx.execute("INSERT INTO personal_keys (subject_id, wrapped_key, created_at) VALUES (?, ?, ?) "
                       "ON CONFLICT (subject_id) DO NOTHING", (subject_id, ERASED, self.clock.now().isoformat()))
        self.database.checkpoint()
        return deleted > 0

    def _cached(self, subject_id: str) -> bytes | None:
        with self._lock:
            entry = self._cache.get(subject_id)
        if entry is None or time.monotonic() - entry[1] > self.cache_seconds:
            return None
        return entry[0]

    def _remember(self, subject_id: str, key: bytes) -> bytes:
        with self._lock:
            if len(self._cache) >= MAX_CACHED_KEYS:
                self._cache.clear()
            self._cache[subject_id] = (key, time.monotonic())
        return key

    def purge_residues(self) -> None:
        self.database.checkpoint()

    def _create_new(self, subject_id: str) -> bytes:
        """A key for a person whose row cannot exist yet, inserted without waiting for the answer."""
        key, wrapped = self._new_key(subject_id)
        # Only a registration of the same person at the same instant can conflict (an import's ids
        # derive from a reference): a concurrent change, as a conflict on their events would be.
        self.database.on_conflict(KEY_CONSTRAINT, IntegrityError(f"{subject_id} was registered meanwhile"))
        with joined(self.database) as tx, self.database.pipelined():
            tx.execute("INSERT INTO personal_keys (subject_id, wrapped_key, created_at) VALUES (?, ?, ?)",
                       (subject_id, wrapped, self.clock.now().isoformat()))
        for level in getattr(self._local, "levels", ()):
            level.append(subject_id)
        return key

    def _new_key(self, subject_id: str) -> tuple[bytes, str]:
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        return key, _b64(nonce + self._master.encrypt(nonce, key, subject_id.encode()))

    def _create(self, subject_id: str) -> tuple[bytes | None, bool]:
        """The subject's key, and whether this call created it (None: the subject was erased)."""
        key, wrapped = self._new_key(subject_id)
        with joined(self.database) as tx:  # in a command: its transaction, no savepoint
            inserted = tx.execute(
                "INSERT INTO personal_keys (subject_id, wrapped_key, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (subject_id) DO NOTHING",
                (subject_id, wrapped, self.clock.now().isoformat()),
            )
            if inserted < 0:  # PostgreSQL inside `database.pipelined()`: sent unanswered, no row count
                raise RuntimeError("DatabaseKeyVault._create reads its insert's row count: call it outside "
                                   "database.pipelined() (a new person's key: _create_new), docs/adr/0020")
            if inserted == 1:
                for level in getattr(self._local, "levels", ()):
                    level.append(subject_id)
                return key, True
            # The key exists: another writer raced on a new person (the first key wins, and both use
            # it), or the person is known and erased, or known but not cached here.
            row = tx.fetchone("SELECT wrapped_key FROM personal_keys WHERE subject_id = ?", (subject_id,))
        assert row is not None
        return (None if row["wrapped_key"] == ERASED else self._unwrap(subject_id, row["wrapped_key"])), False

    def _unwrap(self, subject_id: str, wrapped: str) -> bytes:
        raw = base64.b64decode(wrapped)
        return self._master.decrypt(raw[:12], raw[12:], subject_id.encode())


class EncryptedPersonalData(Transcoding):
    """Writes `PersonalData` as {"s": subject, "c": nonce+ciphertext}; never in clear."""

    type = PersonalData
    name = "personal_data"

    def __init__(self, vault: DatabaseKeyVault) -> None:
        self.vault = vault

    def encode(self, obj: PersonalData) -> dict[str, Any]:
        if obj.erased:
            return {"s": obj.subject_id, "e": 1}
        key = self.vault.key_for(obj.subject_id, create=True)
        if key is None:  # the person was erased: what is written about them now is erased at once
            return {"s": obj.subject_id, "e": 1}
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, obj.value.encode("utf-8"), obj.subject_id.encode())
        return {"s": obj.subject_id, "c": _b64(nonce + sealed)}

    def decode(self, data: dict[str, Any]) -> PersonalData:
        subject_id = data["s"]
        if data.get("e"):
            return PersonalData.erased_for(subject_id)
        key = self.vault.key_for(subject_id, create=False)
        if key is None:
            return PersonalData.erased_for(subject_id)
        raw = base64.b64decode(data["c"])
        try:
            value = AESGCM(key).decrypt(raw[:12], raw[12:], subject_id.encode()).decode("utf-8")
        except InvalidTag:
            raise ValueError(f"personal data of {subject_id} does not decrypt: altered record?") from None
        return PersonalData(subject_id, value)
