"""The log's high-water mark: the last sealed checkpoint, kept outside the database (docs/adr/0014).

Someone with SQL access alone could edit sealed records and then delete the checkpoints that
covered them: the database would then describe a shorter, consistent log. After each checkpoint
is committed, its sequence, last notification id, head and signature are written to a small
file in the mark folder (RELAIS_LOG_MARK_DIR, by default the data folder: `log-mark-<id>.json`,
mode 0600), atomically: a temporary file, fsync, rename, fsync of the folder. The mark only
moves forward: a file lock serialises writers (web workers, the scheduler, the command line),
and a writer that finds a later mark leaves it. A sealer holds the lock from before its
transaction until its mark is written, so no other sealer sees a checkpoint committed but not
yet marked. `verify-log` compares the database's checkpoints with it.

The file is named after the database's identity, not after how its URL is spelled: a random id
written to app_state (`log_mark_id`) with the first mark. Every process that reaches the same
database, whatever its URL, finds the same file; an SQL-only attacker who changes or deletes the
id only makes the expected file "missing". No id recorded means no mark was ever written.
"""
from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from typing import Any

from infrastructure.database_url import DatabaseUrl
from infrastructure.log_chain import Checkpoint

FORMAT = "relais-log-mark/1"
#: app_state key of the database's mark id, written with the first mark (never changed after).
MARK_ID_KEY = "log_mark_id"
_PATTERN = "log-mark-*.json"


def legacy_mark_path(folder: Path, database: DatabaseUrl) -> Path:
    """Where a version before session 6's fix kept the mark: named after the URL's spelling. Read
    while the database records no id yet, so that a log marked that way keeps its mark."""
    where = f"sqlite:{database.path.resolve()}" if database.path is not None else database.describe()
    return folder / f"log-mark-{hashlib.sha256(where.encode('utf-8')).hexdigest()[:12]}.json"


class LogMarkError(Exception):
    """The high-water mark file exists but cannot be read."""


@dataclass(frozen=True)
class Mark:
    """"Checkpoint `sequence` sealed the log up to notification `last_id`, with head `head`"."""

    sequence: int
    last_id: int
    head: bytes
    signature: bytes = b""

    @classmethod
    def of(cls, checkpoint: Checkpoint) -> Mark:
        return cls(checkpoint.sequence, checkpoint.last_id, checkpoint.head, checkpoint.signature)


class LogMark:
    """The mark of one database, in `folder`. `legacy`: its URL-named file from an older version."""

    def __init__(self, folder: Path, database: Any, legacy: Path | None = None) -> None:
        self.folder = folder
        self.database = database
        self.legacy = legacy

    def identity(self) -> str | None:
        """The id the database records for its mark; None when no mark was ever written for it."""
        with self.database.read() as tx:
            row = tx.fetchone("SELECT value FROM app_state WHERE key = ?", (MARK_ID_KEY,))
        return str(row["value"]) if row else None

    @property
    def path(self) -> Path:
        """The mark's file: named after the recorded id; before any, the legacy file when there is one."""
        ident = self.identity()
        if ident is not None:
            return self._named(ident)
        if self.legacy is not None and self.legacy.exists():
            return self.legacy
        return self.folder / "log-mark-(none written yet).json"

    def never_written(self) -> bool:
        """True when the database records no mark id and no legacy mark exists: the log was never marked."""
        return self.identity() is None and not (self.legacy is not None and self.legacy.exists())

    def files(self) -> list[Path]:
        """Every mark file in the folder (of this database or another one sharing the folder)."""
        return sorted(self.folder.glob(_PATTERN)) if self.folder.is_dir() else []

    def claim_identity(self) -> str:
        """The id this database's marks are named after, recorded now if it has none (`verify-log --new-mark`)."""
        return self._claim_identity()

    def unclaimed_files_meaning(self, others: list[Path]) -> str:
        """What mark files in the folder mean for a database that records neither checkpoints nor a mark id:
        its checkpoints and id were deleted together (an SQL-only attacker can reach both, not the files),
        or the folder is shared with another database."""
        return (f"the database records neither checkpoints nor a high-water mark, yet the mark folder {self.folder} "
                f"holds {', '.join(p.name for p in others)}: its checkpoints and mark id were perhaps deleted, or the "
                "folder is shared with another database (give each its own RELAIS_LOG_MARK_DIR)")

    def _named(self, ident: str) -> Path:
        # The id is read from the database: only its hex digits name a file (no path can be smuggled in).
        return self.folder / f"log-mark-{''.join(c for c in ident.lower() if c in '0123456789abcdef')[:32] or 'invalid'}.json"

    def _claim_identity(self) -> str:
        """The recorded id, written first when there is none (two first writers agree on the one stored)."""
        with self.database.transaction() as tx:
            tx.execute("INSERT INTO app_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                       (MARK_ID_KEY, secrets.token_hex(8)))
            row = tx.fetchone("SELECT value FROM app_state WHERE key = ?", (MARK_ID_KEY,))
        return str(row["value"])

    def read(self) -> Mark | None:
        """The mark, or None when there is no file (see `never_written`); LogMarkError when unreadable."""
        path = self.path
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as error:
            raise LogMarkError(f"the high-water mark {path} cannot be read: {error.strerror}") from None
        try:
            data = json.loads(text)
            if data["format"] != FORMAT:
                raise ValueError(data["format"])
            head = bytes.fromhex(data["head"])
            if len(head) != 32:
                raise ValueError("head")
            return Mark(int(data["sequence"]), int(data["last_id"]), head,
                        base64.b64decode(data.get("signature", ""), validate=True))
        except (ValueError, KeyError, TypeError):
            raise LogMarkError(f"the high-water mark {path} is not a {FORMAT} file") from None

    def advance(self, checkpoint: Checkpoint) -> bool:
        """Move the mark to `checkpoint` unless it is already there or further; True when written."""
        with self.locked():
            return self.advance_locked(checkpoint)

    def advance_locked(self, checkpoint: Checkpoint) -> bool:
        """The same, by a caller that holds `locked()` (a sealer holds it from before its transaction)."""
        try:
            current = self.read()
        except LogMarkError:
            current = None  # unreadable: only `verify-log --new-mark` gets here (sealing refuses first)
        if current is not None and current.sequence >= checkpoint.sequence:
            return False
        self._write(self._named(self._claim_identity()), Mark.of(checkpoint))
        return True

    def _write(self, path: Path, mark: Mark) -> None:
        text = json.dumps({
            "format": FORMAT, "sequence": mark.sequence, "last_id": mark.last_id, "head": mark.head.hex(),
            "signature": base64.b64encode(mark.signature).decode("ascii"),
        }, indent=1) + "\n"
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-")  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(draft, path)
        except BaseException:
            Path(draft).unlink(missing_ok=True)
            raise
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself survives a crash
        finally:
            os.close(folder)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """An exclusive lock in the mark folder, between processes and threads (each call opens its own file).

        A sealer holds it from before its database transaction until the mark is written: another
        sealer never sees checkpoints committed whose mark is not written yet. One lock per folder,
        whatever the mark's name (it is not known before the first mark)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / ".log-mark.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock
