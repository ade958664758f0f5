"""Embeddings cached by (model, SHA-256 of the text embedded): in memory (bounded LRU) and in the database.

The key holds no person id: a profile's text changes with its version (new key, one new call),
identical profiles share one embedding, and an erased person leaves nothing here that points to
them. Vectors are kept L2-normalised as float32 (cosine = dot product), in memory and in
`ai_embedding_cache` (migrations/0011, base64 of little-endian float32).
The database is an optimisation: if it cannot be read or written, ranking goes on without it.
"""
from __future__ import annotations

import base64
import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable

import numpy as np

from application.ports import Database

log = logging.getLogger(__name__)
SQL_CHUNK = 500  # keys per IN (...) list


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalised(vector: Iterable[float]) -> np.ndarray:
    """A read-only float32 unit vector (a zero vector stays zero)."""
    array = np.array(vector if isinstance(vector, np.ndarray) else list(vector), dtype=np.float32)
    norm = float(np.linalg.norm(array))
    if norm > 0:
        array = array / np.float32(norm)
    array.setflags(write=False)
    return array


def _encode(vector: np.ndarray) -> str:
    return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")


def _decode(text: str, dimensions: int) -> np.ndarray | None:
    raw = np.frombuffer(base64.b64decode(text), dtype="<f4")
    return raw if raw.shape == (dimensions,) and np.isfinite(raw).all() else None


class EmbeddingCache:
    def __init__(self, database: Database | None = None, max_entries: int = 20_000) -> None:
        self.database = database
        self.max_entries = max_entries
        self._memory: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def lookup(self, model: str, keys: list[str]) -> dict[str, np.ndarray]:
        """The unit vectors known for these keys (memory first, then the database)."""
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for key in keys:
                vector = self._memory.get((model, key))
                if vector is not None:
                    self._memory.move_to_end((model, key))
                    found[key] = vector
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if missing and self.database is not None:
            stored = self._read(model, missing)
            self._remember(model, stored)
            found.update(stored)
        return found

    def store(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        """Keep new unit vectors in memory and in the database (the first writer wins)."""
        self._remember(model, vectors)
        if self.database is None or not vectors:
            return
        rows = [(model, key, int(v.shape[0]), _encode(v)) for key, v in vectors.items()]
        try:
            with self.database.transaction() as tx:
                tx.executemany(
                    "INSERT INTO ai_embedding_cache (model, text_sha256, dimensions, vector) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (model, text_sha256) DO NOTHING", rows,
                )
        except Exception:  # noqa: BLE001 - a cache write must not fail the ranking
            log.warning("could not store %d embeddings in ai_embedding_cache", len(rows), exc_info=True)

    def _read(self, model: str, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        try:
            with self.database.read() as tx:  # type: ignore[union-attr]
                for start in range(0, len(keys), SQL_CHUNK):
                    chunk = keys[start:start + SQL_CHUNK]
                    rows = tx.fetchall(
                        "SELECT text_sha256, dimensions, vector FROM ai_embedding_cache "
                        f"WHERE model = ? AND text_sha256 IN ({', '.join('?' * len(chunk))})", (model, *chunk),
                    )
                    for row in rows:
                        vector = _decode(row["vector"], int(row["dimensions"]))
                        if vector is not None:
                            found[row["text_sha256"]] = normalised(vector)
        except Exception:  # noqa: BLE001 - a cache read must not fail the ranking
            log.warning("could not read ai_embedding_cache; embedding again", exc_info=True)
        return found

    def _remember(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        with self._lock:
            for key, vector in vectors.items():
                self._memory[(model, key)] = vector
                self._memory.move_to_end((model, key))
            while len(self._memory) > self.max_entries:
                self._memory.popitem(last=False)

    def __len__(self) -> int:
        return len(self._memory)
