"""Read the next batches of a slow source in a thread while the caller works on the current one.

The database driver waits for the server without holding the GIL, so the server prepares
page k+1 while this process decodes page k: the in-process export does both at once
(docs/adr/0014; verify-log reads one COPY stream instead since session 4). The source runs entirely in the thread (its connection
and transaction too) and is closed there when the caller stops early.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()
_POLL_SECONDS = 0.1


def read_ahead(source: Iterator[T], depth: int = 2) -> Iterator[T]:
    """The items of `source`, in order, with up to `depth` of them fetched ahead; its errors re-raised here."""
    ready: queue.Queue[object] = queue.Queue(depth)
    stop = threading.Event()
    failure: list[BaseException] = []

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in source:
                if not offer(item):
                    break
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, which raises it
            failure.append(error)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()  # a generator's `with` blocks (connection, transaction) end in this thread
            offer(_DONE)

    worker = threading.Thread(target=produce, name="read-ahead", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not _DONE:
            yield item  # type: ignore[misc]
        if failure:
            raise failure[0]
    finally:
        stop.set()
        worker.join()
