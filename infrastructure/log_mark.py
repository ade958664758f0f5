"""The log's high-water mark: the last sealed checkpoint, kept outside the database (docs/adr/0014).

Someone with SQL access alone could edit sealed records and then delete the checkpoints that
covered them: the database would then describe a shorter, consistent log. After each checkpoint
is committed, its sequence, last notification id, head and signature are written to a small
file beside the signing key (`log-mark-<database>.json` in the data folder, mode 0600), atomically: a
temporary file, fsync, rename, fsync of the folder. The mark only moves forward: a file lock
serialises writers (web workers, the scheduler, the command line), and a writer that finds a
later mark leaves it. A sealer holds the lock from before its transaction until its mark is
written, so no other sealer sees a checkpoint committed but not yet marked. `verify-log` compares the database's checkpoints with it.
"""
from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from infrastructure.database_url import DatabaseUrl
from infrastructure.log_chain import Checkpoint

FORMAT = "relais-log-mark/1"


def mark_path(data_dir: Path, database: DatabaseUrl) -> Path:
    """One mark per database, named after where it is (RELAIS_DATABASE_URL without the password, an
    SQLite path made absolute): a data folder used with another database never mixes their marks,
    and SQL alone cannot change which file applies."""
    where = f"sqlite:{database.path.resolve()}" if database.path is not None else database.describe()
    return data_dir / f"log-mark-{hashlib.sha256(where.encode('utf-8')).hexdigest()[:12]}.json"


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


@dataclass(frozen=True)
class LogMark:
    path: Path

    def read(self) -> Mark | None:
        """The mark, or None when there is no file (a log never sealed here); LogMarkError when unreadable."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as error:
            raise LogMarkError(f"the high-water mark {self.path} cannot be read: {error.strerror}") from None
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
            raise LogMarkError(f"the high-water mark {self.path} is not a {FORMAT} file") from None

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
        self._write(Mark.of(checkpoint))
        return True

    def _write(self, mark: Mark) -> None:
        text = json.dumps({
            "format": FORMAT, "sequence": mark.sequence, "last_id": mark.last_id, "head": mark.head.hex(),
            "signature": base64.b64encode(mark.signature).decode("ascii"),
        }, indent=1) + "\n"
        fd, draft = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.stem}-")  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(draft, self.path)
        except BaseException:
            Path(draft).unlink(missing_ok=True)
            raise
        folder = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself survives a crash
        finally:
            os.close(folder)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """An exclusive lock beside the mark, between processes and threads (each call opens its own file).

        A sealer holds it from before its database transaction until the mark is written: another
        sealer never sees checkpoints committed whose mark is not written yet."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(f".{self.path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock
