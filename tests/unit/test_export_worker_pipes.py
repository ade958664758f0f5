"""An export worker's answer (~1.4 MB for 1,000 events) crosses its pipe in one go where the system allows
a pipe that large, not in the default 64 KB pieces, each a switch between the two processes."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

from infrastructure.export_workers import PIPE_BYTES, _widen

GET_PIPE_SIZE = 1032  # Linux's F_GETPIPE_SZ


def test_a_workers_pipes_are_widened_up_to_what_the_system_allows() -> None:
    allowed = int(Path("/proc/sys/fs/pipe-max-size").read_text())
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as reader, os.fdopen(write_end, "wb") as writer:
        before = fcntl.fcntl(reader.fileno(), GET_PIPE_SIZE)
        _widen(reader, writer)
        after = fcntl.fcntl(reader.fileno(), GET_PIPE_SIZE)
    assert after == (PIPE_BYTES if PIPE_BYTES <= allowed else before)
    assert after > before or PIPE_BYTES > allowed
