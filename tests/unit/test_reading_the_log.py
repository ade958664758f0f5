"""Reading the log for verify-log: the frames' layout (a row of PostgreSQL's binary COPY), and the stream a
stretch is hashed or taken from (across any boundary, fewer at the end, closed as finished or not)."""
from __future__ import annotations

import hashlib
import uuid

from hypothesis import given
from hypothesis import strategies as st

from infrastructure.event_records import FrameStream
from infrastructure.log_chain import frame, preimage, unframe


def stream_of(frames: list[bytes], closed: list[bool]) -> FrameStream:
    items = iter(frames + [b"\xff\xff"])  # binary COPY's trailer ends the rows

    def get() -> tuple[int, bytes | None]:
        data = next(items, None)
        return (-1, None) if data is None else (len(data), data)

    return FrameStream(get, get(), closed.append)


FRAMES = [frame(n, uuid.UUID(int=n).bytes, 1, b"t", bytes([n]) * 40) for n in range(1, 9)]


def test_a_stretch_is_hashed_whole_as_it_arrives_and_the_rest_follows() -> None:
    closed: list[bool] = []
    stream = stream_of(FRAMES, closed)
    assert stream.hash(3) == (3, hashlib.sha256(b"".join(FRAMES[0:3])).digest())
    assert stream.take(2) == FRAMES[3:5]
    assert stream.hash(0) == (0, hashlib.sha256(b"").digest())
    assert stream.hash(5) == (3, hashlib.sha256(b"".join(FRAMES[5:8])).digest())  # fewer at the end
    assert stream.take(3) == [] and list(stream.rest()) == []
    stream.close()
    stream.close()
    assert closed == [True]  # read to its end, closed once


def test_stopping_early_says_so_so_that_the_copy_is_cancelled() -> None:
    closed: list[bool] = []
    stream = stream_of(FRAMES, closed)
    assert next(iter(stream.rest())) == FRAMES[0]
    stream.close()
    assert closed == [False]


@given(
    notification_id=st.integers(0, 2**63 - 1), version=st.integers(-(2**63), 2**63 - 1),
    originator=st.binary(max_size=20), topic=st.binary(max_size=60), state=st.binary(max_size=300),
)
def test_a_frame_gives_back_its_id_and_the_preimage_of_the_documented_formula(
    notification_id: int, version: int, originator: bytes, topic: bytes, state: bytes
) -> None:
    framed = frame(notification_id, originator, version, topic, state)
    assert framed[:2] == b"\x00\x05" and framed[2:6] == b"\x00\x00\x00\x08"  # five fields, an 8-byte id first
    assert unframe(framed) == unframe(memoryview(framed)) == (notification_id, preimage(originator, version, topic, state))


@given(st.binary(max_size=120))
def test_bytes_that_are_no_frame_still_give_a_preimage_never_an_error(data: bytes) -> None:
    notification_id, image = unframe(data)
    assert isinstance(notification_id, int) and isinstance(image, bytes)
