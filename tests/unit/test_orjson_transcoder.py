"""The application's transcoder reads back exactly what the library's JSON transcoder reads, faster."""
from __future__ import annotations

import math
from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, TranscodingNotRegisteredError, UUIDAsHex
from hypothesis import given
from hypothesis import strategies as st

from application import orjson_transcoder
from application.orjson_transcoder import OrjsonTranscoder, uuid_from_hex
from application.transcodings import VALUE_TRANSCODINGS
from domain.matching import AiOutput, CriterionCheck
from domain.provenance import Provenance, Reason


def both() -> tuple[JSONTranscoder, OrjsonTranscoder]:
    transcoders = JSONTranscoder(), OrjsonTranscoder()
    for transcoder in transcoders:
        for transcoding in (UUIDAsHex(), DatetimeAsISO(), *VALUE_TRANSCODINGS):
            transcoder.register(transcoding)
    return transcoders


LIBRARY, OURS = both()

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
    st.text(), st.uuids(), st.dates(), st.datetimes(timezones=st.just(UTC)),
    st.builds(Reason, st.sampled_from(["autre", "pourvue"]), st.text(max_size=20)),
    st.builds(CriterionCheck, st.sampled_from(["skill", "distance"]), st.text(max_size=10), st.text(max_size=10)),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=12), values, max_size=8))
def test_any_state_the_library_writes_reads_back_the_same_with_either_transcoder(state: dict[str, object]) -> None:
    stored = LIBRARY.encode(state)
    assert OURS.decode(stored) == LIBRARY.decode(stored)


def test_an_event_with_nested_value_objects_reads_back_as_value_objects() -> None:
    ai = AiOutput("match", "offline-bm25/1", "match", "1", "ab" * 32, '{"rank": 1}', 12, 800, 40)
    state = {
        "timestamp": datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
        "suggestion_id": UUID(int=7),
        "met": (CriterionCheck("skill", "nettoyage"), CriterionCheck("distance", "12", "10")),
        "ai": ai,
        "provenance": Provenance("advisor-1", "advisor", "request-1"),
        "start": date(2026, 12, 15),
    }
    decoded = OURS.decode(LIBRARY.encode(state))
    assert decoded == LIBRARY.decode(LIBRARY.encode(state))
    assert decoded["ai"] == ai and decoded["met"][1] == CriterionCheck("distance", "12", "10")
    assert isinstance(decoded["suggestion_id"], UUID) and decoded["suggestion_id"] == UUID(int=7)


def test_what_orjson_refuses_is_read_by_the_library_path() -> None:
    stored = LIBRARY.encode({"score": float("nan"), "big": 2**70, "at": date(2026, 1, 2)})
    decoded = OURS.decode(stored)
    assert math.isnan(decoded["score"]) and decoded["big"] == 2**70 and decoded["at"] == date(2026, 1, 2)


@pytest.mark.parametrize("big", [2**64, -(2**70), 10**30])
def test_an_integer_past_64_bits_that_orjson_would_read_as_a_float_is_read_exactly(big: int) -> None:
    for state in ({"big": big}, {"nested": [{"big": big}]}, {"wrapped": date(2026, 1, 2), "n": big}):
        decoded = OURS.decode(LIBRARY.encode(state))
        assert decoded == state and type(next(iter(_ints(decoded)))) is int


def test_large_floats_keep_their_value() -> None:
    state = {"x": 1e300, "y": [-2.5e19]}
    assert OURS.decode(LIBRARY.encode(state)) == state


def test_a_dict_that_only_looks_like_a_wrapper_stays_a_dict() -> None:
    for stored in (b'{"a":{"_type_":"uuid_hex","other":1}}', b'{"a":{"_type_":"uuid_hex","_data_":"' + b"0" * 32
                   + b'","x":1}}', b'[{"_data_":1,"x":2}]'):
        assert OURS.decode(stored) == LIBRARY.decode(stored)


def test_an_unknown_value_type_is_an_error_as_in_the_library() -> None:
    stored = b'{"a":{"_type_":"no_such_type","_data_":1}}'
    with pytest.raises(TranscodingNotRegisteredError):
        LIBRARY.decode(stored)
    with pytest.raises(TranscodingNotRegisteredError):
        OURS.decode(stored)


@pytest.mark.parametrize("text", ["0" * 32, "f" * 32, "12345678123456781234567812345678",
                                  "12345678-1234-5678-1234-567812345678", "{12345678123456781234567812345678}"])
def test_ids_read_as_the_standard_library_reads_them(text: str) -> None:
    made = uuid_from_hex(text)
    assert made == UUID(text) and made.hex == UUID(text).hex and hash(made) == hash(UUID(text))
    assert str(made) == str(UUID(text)) and made.is_safe == UUID(text).is_safe


@pytest.mark.parametrize("text", ["-" + "0" * 31, "x" * 32, "0" * 31, ""])
def test_a_malformed_id_is_refused_as_the_standard_library_refuses_it(text: str) -> None:
    with pytest.raises(ValueError):
        UUID(text)
    with pytest.raises(ValueError):
        uuid_from_hex(text)


def test_an_id_read_again_is_the_same_object_and_the_ids_kept_stay_bounded() -> None:
    first = uuid_from_hex("12345678123456781234567812345678")
    assert uuid_from_hex("12345678123456781234567812345678") is first
    for n in range(2 * orjson_transcoder.MAX_UUIDS_KEPT):
        assert uuid_from_hex(f"{n:032x}") == UUID(int=n)
    assert len(orjson_transcoder._uuids) <= orjson_transcoder.MAX_UUIDS_KEPT
    assert uuid_from_hex("12345678123456781234567812345678") == first  # made again once emptied


def test_recurring_provenance_and_criteria_are_made_once_and_shared_but_reasons_are_not() -> None:
    provenance = Provenance("advisor-1", "advisor", "request-1")
    stored = LIBRARY.encode({"provenance": provenance, "met": CriterionCheck("skill", "nettoyage"),
                             "reason": Reason("autre", "trajet long")})
    first, second = OURS.decode(stored), OURS.decode(stored)
    assert first["provenance"] == provenance and first["provenance"] is second["provenance"]
    assert first["met"] is second["met"]
    assert first["reason"] == second["reason"] and first["reason"] is not second["reason"]  # free text: not kept


def test_a_shared_value_with_a_list_among_its_fields_is_still_made() -> None:
    from application.transcodings import ProvenanceAsDict

    transcoding = ProvenanceAsDict()
    made = transcoding.decode({"actor_id": ["a"], "actor_role": "advisor", "correlation_id": "c"})  # not a key
    assert made.actor_id == ("a",)


def _ints(value: object) -> list[int]:
    if isinstance(value, dict):
        return [i for v in value.values() for i in _ints(v)]
    if isinstance(value, list):
        return [i for v in value for i in _ints(v)]
    return [value] if type(value) is int else []


def test_a_value_object_made_without_its_init_is_the_same_value() -> None:
    ai = AiOutput("match", "offline-bm25/1", "match", "1", "ab" * 32, '{"rank": 1}', 12, 800, 40, "timeout")
    decoded = OURS.decode(LIBRARY.encode({"ai": ai}))["ai"]
    assert type(decoded) is AiOutput and decoded == ai and hash(decoded) == hash(ai) and repr(decoded) == repr(ai)
    older = OURS.decode(b'{"ai":{"_type_":"ai_output","_data_":{"kind":"match","model":"m","prompt_id":"p",'
                        b'"prompt_version":"1","input_sha256":"x","output":"o","latency_ms":1,"tokens_in":2,'
                        b'"tokens_out":3}}}')["ai"]  # written before a field with a default was added
    assert older == AiOutput("match", "m", "p", "1", "x", "o", 1, 2, 3)
    with pytest.raises(ValueError):  # a value whose __init__ checks something is still made by it
        OURS.decode(b'{"c":{"_type_":"criterion_check","_data_":{"key":"no such key","value":"1","limit":""}}}')
