"""Worker processes that turn stretches of the log into export lines while the parent writes them in order.

The export's cost is Python per event (decode, decrypt, CloudEvent, JSON, CSV row): about ten
times what reading the record costs. The parent keeps the cheap, ordered part — reading the
records from its one snapshot, writing the files, chaining the digests — and hands each batch
of records to the next worker in turn; results are read back in the same turn, so they arrive
in order, and each worker holds at most IN_FLIGHT batches: memory stays flat, whatever the
log's size.

Workers are plain `python -m infrastructure.export_workers` processes talking pickle over their
stdin/stdout: no start method that re-imports the caller's main module (the web server, the
CLI, pytest), and each imports only what decoding needs. Each opens its own key vault with an
empty cache, so a person erased before the export began shows "[effacé]", as in process.
The master key travels through the pipe, never on a command line or in the environment.
"""
from __future__ import annotations

import fcntl
import os
import pickle
import queue
import subprocess
import sys
import threading
import traceback
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from infrastructure.database_url import DatabaseUrl
from infrastructure.export_lines import Chunk
from infrastructure.log_chain import Record

STOP_SECONDS = 10.0
#: Batches given to a worker and not yet answered. Two: it starts the next while its answer is read.
#: Its stdin is drained by a thread, so the parent never blocks giving while the worker answers.
IN_FLIGHT = 2


@dataclass(frozen=True)
class WorkerSetup:
    """What a worker needs to decode: where the keys are, the key that unwraps them, the period."""

    database: DatabaseUrl
    master_key: bytes
    key_cache_seconds: float
    since: datetime | None = None
    until: datetime | None = None
    #: Write records that do not decode instead of refusing them (ExportLines.keep_undecodable).
    keep_undecodable: bool = False
    #: PostgreSQL: the exporting session's snapshot (pg_export_snapshot) and the table to read in it;
    #: the worker then reads its own stretches of the log, given as (after, upto) id ranges.
    snapshot: str | None = None
    table: str = ""
    schema: str = "public"


@dataclass(frozen=True)
class Parallelism:
    """How many workers an export starts, and from which size of log: starting them costs about a second."""

    workers: int
    setup: WorkerSetup
    from_records: int = 50_000

    def wanted(self, records: int) -> bool:
        return self.workers > 0 and records >= self.from_records

    def setup_for(
        self, since: datetime | None, until: datetime | None, keep_undecodable: bool = False, **shared: Any,
    ) -> WorkerSetup:
        """The setup of one export: its period, and (PostgreSQL) the snapshot and table the workers read."""
        return replace(self.setup, since=since, until=until, keep_undecodable=keep_undecodable, **shared)


#: What a worker is given: records, or (PostgreSQL) the id range after < id <= upto to read itself.
Batch = list[Record] | tuple[int, int]


class Ranges:
    """The id ranges (after, upto] of `size` ids each that cover 0 < id <= last, in order."""

    def __init__(self, last: int, size: int) -> None:
        self.last, self.size = last, size

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return ((after, min(after + self.size, self.last)) for after in range(0, self.last, self.size))


class ExportWorkerError(RuntimeError):
    """An export worker process stopped before it answered."""


def _worker_environment() -> dict[str, str]:
    """This environment, with the folder that holds these packages first on the import path: the
    worker finds the same code whether Relais is installed or run from a checkout."""
    root = str(Path(__file__).resolve().parent.parent)
    paths = [root, *[part for part in os.environ.get("PYTHONPATH", "").split(os.pathsep) if part]]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


#: Linux's F_SETPIPE_SZ. A worker's answer is ~1.4 MB (1,000 lines and rows): through the default 64 KB
#: pipe it crosses in ~22 writes and reads, each a switch between the two processes.
_SET_PIPE_SIZE = 1031
PIPE_BYTES = 1 << 20


def _widen(*streams: IO[bytes]) -> None:
    """Give the pipes PIPE_BYTES of buffer where the system allows it (else they keep their size)."""
    for stream in streams:
        try:
            fcntl.fcntl(stream.fileno(), _SET_PIPE_SIZE, PIPE_BYTES)
        except OSError:  # above /proc/sys/fs/pipe-max-size, or not Linux
            pass


def _send(stream: IO[bytes], message: Any) -> None:
    pickle.dump(message, stream, protocol=pickle.HIGHEST_PROTOCOL)
    stream.flush()


class ExportWorkers:
    """`count` worker processes for one export; use as a context manager so they always stop."""

    def __init__(self, count: int, setup: WorkerSetup) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        try:
            for _ in range(count):
                process = subprocess.Popen(
                    [sys.executable, "-m", "infrastructure.export_workers"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    env=_worker_environment(),
                )
                self.processes.append(process)
                assert process.stdin is not None and process.stdout is not None
                _widen(process.stdout, process.stdin)
                _send(process.stdin, setup)
        except BaseException:
            self.close()
            raise

    def chunks(self, batches: Iterable[Batch]) -> Iterator[Chunk]:
        """One chunk per batch, in the batches' order. A batch is a list of records, read by a
        thread one ahead; or an id range (after, upto) that the worker reads in the shared snapshot."""
        pending: deque[subprocess.Popen[bytes]] = deque()  # the worker of each batch given, oldest first
        batches = iter(batches) if isinstance(batches, Ranges) else _read_ahead(batches)
        for _ in range(IN_FLIGHT):  # each worker gets IN_FLIGHT batches to start with
            for process in self.processes:
                batch = next(batches, None)
                if batch is None:
                    break
                self._give(process, batch)
                pending.append(process)
        while pending:
            process = pending.popleft()
            chunk = self._take(process)
            batch = next(batches, None)
            if batch is not None:  # it takes the place of the batch just answered: the turn is kept
                self._give(process, batch)
                pending.append(process)
            yield chunk

    def _give(self, process: subprocess.Popen[bytes], batch: Batch) -> None:
        assert process.stdin is not None
        try:
            _send(process.stdin, batch)
        except (BrokenPipeError, OSError):
            raise ExportWorkerError(f"export worker {process.pid} stopped (exit code {process.poll()})") from None

    @staticmethod
    def _take(process: subprocess.Popen[bytes]) -> Chunk:
        assert process.stdout is not None
        try:
            kind, value = pickle.load(process.stdout)
        except (EOFError, pickle.UnpicklingError):
            raise ExportWorkerError(f"export worker {process.pid} stopped (exit code {process.wait()})") from None
        if kind == "error":
            raise value  # what the same work would raise in process (an altered record, say)
        return value

    def close(self) -> None:
        for process in self.processes:
            # End of input: the worker returns; and an answer no one will read (the export
            # failed midway) breaks its pipe instead of blocking it.
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    try:
                        stream.close()
                    except OSError:
                        pass
        for process in self.processes:
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    def __enter__(self) -> ExportWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_ahead(batches: Iterable[list[Record]]) -> Iterator[list[Record]]:
    """The batches, read one ahead by a thread: the database sends the next page while this
    process gives, reads and writes (psycopg waits on the network without the GIL)."""
    ahead: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        source = iter(batches)
        try:
            for batch in source:
                if not put(("batch", batch)):
                    return
            put(("end", None))
        except BaseException as error:  # noqa: BLE001 - raised again in the consuming thread
            put(("error", error))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()  # in this thread, which ran it: the snapshot's connection goes back to its pool

    reader = threading.Thread(target=read, name="export-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            kind, value = ahead.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        reader.join()


def _portable(error: Exception) -> Exception:
    """The error itself when it can cross the pipe, else its text."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:  # noqa: BLE001 - any failure to pickle or to rebuild
        return ExportWorkerError(f"{type(error).__name__}: {error}")


def serve(source: IO[bytes], sink: IO[bytes]) -> None:
    """The worker's side: read the setup, then answer each batch with its chunk until end of input."""
    # Imported here: the parent needs none of this to start workers.
    from contextlib import ExitStack

    from infrastructure.clock import SystemClock
    from infrastructure.database import PostgresDatabase, open_database
    from infrastructure.event_data import EventStateDecoder
    from infrastructure.event_records import EventRecords
    from infrastructure.export_lines import ExportLines
    from infrastructure.personal_data import DatabaseKeyVault

    setup: WorkerSetup = pickle.load(source)
    # A thread drains stdin into this queue, so the parent can give the next batches while this
    # process writes an answer (IN_FLIGHT bounds them: put() never waits long).
    batches: queue.Queue[Batch | None] = queue.Queue()

    def receive() -> None:
        while True:
            try:
                batches.put(pickle.load(source))
            except (EOFError, OSError, pickle.UnpicklingError):
                batches.put(None)
                return

    threading.Thread(target=receive, name="export-receive", daemon=True).start()
    database = open_database(setup.database)
    try:
        vault = DatabaseKeyVault(database, setup.master_key, SystemClock(), cache_seconds=setup.key_cache_seconds)
        lines = ExportLines(EventStateDecoder(vault), setup.since, setup.until, setup.keep_undecodable)
        with ExitStack() as stack:
            read = None
            if setup.snapshot is not None:
                assert isinstance(database, PostgresDatabase)
                # Entered now, while the exporting session (which waits for the answers) keeps it valid.
                records = EventRecords.of_table(database, setup.table, setup.schema)
                read = stack.enter_context(records.in_snapshot(setup.snapshot))
            _answer(batches, lines, read, sink)
    finally:
        database.close()


def _answer(batches: queue.Queue[Batch | None], lines: Any, read: Any, sink: IO[bytes]) -> None:
    """Each batch's chunk, in turn, until the end of input."""
    while (batch := batches.get()) is not None:
        try:
            if batch.__class__ is tuple:  # an id range, read in the shared snapshot
                after, upto = batch
                answer: tuple[str, Any] = ("chunk", replace(lines.chunk(read(after, upto)), read=upto - after))
            else:
                answer = ("chunk", lines.chunk(batch))
        except Exception as error:  # noqa: BLE001 - handed to the parent, which raises it
            answer = ("error", _portable(error))
        try:
            _send(sink, answer)
        except BrokenPipeError:
            return  # the parent stopped reading: the export was abandoned


if __name__ == "__main__":
    protocol_out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the pipe
    code = 0
    try:
        serve(sys.stdin.buffer, protocol_out)
    except BaseException:  # noqa: BLE001 - shown on stderr; the parent reports the stop
        traceback.print_exc()
        code = 1
    sys.stderr.flush()
    # Not the interpreter's normal exit: the thread still reading stdin holds its lock, and the
    # interpreter aborts when it cannot take it at shutdown. Answers were flushed as sent.
    os._exit(code)
