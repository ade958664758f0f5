"""The export's per-event work: decoding stored state exactly, CSV cells as Python's csv module
writes them, lines a JSON reader reads back, and the setting that starts worker processes."""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import orjson
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from infrastructure.audit_log import MAX_EXPORT_WORKERS, export_workers
from infrastructure.event_data import EventStateDecoder
from infrastructure.export_lines import CSV_HEADER, ExportLines, UndecodableRecord
from infrastructure.settings import SettingsError

PERSON = "0b6f6f3e-6c84-4c4e-9a0e-4d1c5a1b2c3d"
KEY = bytes(range(32))


class FakeVault:
    """Keys by person; a person without one was erased."""

    def __init__(self, keys: dict[str, bytes]) -> None:
        self.keys = keys

    def key_for(self, subject_id: str, *, create: bool) -> bytes | None:
        assert not create
        return self.keys.get(subject_id)


def sealed(value: str, subject: str = PERSON, key: bytes = KEY) -> dict[str, Any]:
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, value.encode("utf-8"), subject.encode())
    return {"_type_": "personal_data", "_data_": {"s": subject, "c": base64.b64encode(nonce + ciphertext).decode()}}


def wrapped(kind: str, data: Any) -> dict[str, Any]:
    return {"_type_": kind, "_data_": data}


def state(**fields: Any) -> bytes:
    return json.dumps({"timestamp": wrapped("datetime_iso", "2026-11-29T10:00:00+00:00"), **fields},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def test_wrappers_are_unwrapped_at_every_depth_and_personal_data_opened() -> None:
    decoder = EventStateDecoder(FakeVault({PERSON: KEY}))
    stored = state(
        profile=wrapped("candidate_profile", {"last_name": sealed("Zébulon"), "born": wrapped("date_iso", "1990-02-03"),
                                              "tags": [wrapped("uuid_hex", "0b6f6f3e6c844c4e9a0e4d1c5a1b2c3d"), 3]}),
        nested=wrapped("outer", wrapped("decimal_str", "12.50")),
        gone=sealed("Canari", subject="someone-erased"),
    )
    assert decoder.decode(stored) == {
        "timestamp": "2026-11-29T10:00:00+00:00",
        "profile": {"last_name": "Zébulon", "born": "1990-02-03", "tags": [PERSON, 3]},
        "nested": "12.50",
        "gone": "[effacé]",
    }


@pytest.mark.parametrize("number", ["123456789012345678901234567890", "-9223372036854775809", "18446744073709551616"])
def test_integers_beyond_64_bits_keep_every_digit(number: str) -> None:
    decoder = EventStateDecoder(FakeVault({}))
    stored = state(count=wrapped("holder", {"values": [1, int(number)]}))
    assert decoder.decode(stored)["count"]["values"][1] == int(number)
    line = ExportLines(decoder).chunk([(1, bytes(16), 1, b"m:Thing.Counted", stored)]).jsonl
    assert json.loads(line)["data"]["count"]["values"][1] == int(number)


def test_nan_and_lone_surrogates_that_orjson_refuses_still_decode() -> None:
    decoder = EventStateDecoder(FakeVault({}))
    assert decoder.decode(b'{"score":NaN,"ratio":Infinity}')["ratio"] == float("inf")
    assert decoder.decode(b'{"note":"a\\ud800b"}')["note"] == "a\ud800b"


def test_a_value_sealed_for_someone_else_is_an_error_not_a_guess() -> None:
    decoder = EventStateDecoder(FakeVault({PERSON: KEY, "other": bytes(32)}))
    with pytest.raises(ValueError, match="does not decrypt"):
        decoder.decode(state(name=sealed("Zébulon", subject=PERSON, key=bytes(32))))


class BulkVault(FakeVault):
    """A vault that also reads many keys at once, and counts its reads."""

    def __init__(self, keys: dict[str, bytes]) -> None:
        super().__init__(keys)
        self.reads: list[list[str]] = []

    def key_for(self, subject_id: str, *, create: bool) -> bytes | None:
        self.reads.append([subject_id])
        return super().key_for(subject_id, create=create)

    def keys_for(self, subject_ids: list[str]) -> dict[str, bytes | None]:
        self.reads.append(list(subject_ids))
        return {subject_id: self.keys.get(subject_id) for subject_id in subject_ids}


def test_the_people_of_a_batch_are_looked_up_together_at_the_first_one_not_known() -> None:
    people = [str(UUID(int=n + 1)) for n in range(40)]
    keys = {person: os.urandom(32) for person in people[:30]}  # the last ten were erased
    vault = BulkVault(keys)
    lines = ExportLines(EventStateDecoder(vault))
    records = [(n + 1, UUID(person).bytes, 1, b"domain.candidate:Candidate.Registered",
                state(name=sealed(f"Nom{n}", person, keys.get(person, KEY)), again=sealed(f"Nom{n}", person, keys.get(person, KEY))))
               for n, person in enumerate(people)]
    names = [json.loads(line)["data"]["name"] for line in lines.chunk(records[:25]).jsonl.splitlines()]
    names += [json.loads(line)["data"]["again"] for line in lines.chunk(records[25:]).jsonl.splitlines()]
    assert names == [f"Nom{n}" for n in range(30)] + ["[effacé]"] * 10
    assert vault.reads == [sorted(people[:25]), sorted(people[25:])]  # one read per batch, none per person
    assert lines.chunk(records).count == 40 and len(vault.reads) == 2  # all known now


def csv_row(*cells: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue().encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(actor=st.text(), reason=st.text(), note=st.text())
def test_every_row_reads_back_as_its_cells_and_is_what_the_csv_module_writes(actor: str, reason: str, note: str) -> None:
    originator = UUID(PERSON).bytes
    stored = state(provenance=wrapped("provenance", {"actor_id": actor, "actor_role": "advisor", "correlation_id": ""}),
                   reason=wrapped("reason", {"code": reason, "text": None}), note=note)
    chunk = ExportLines(EventStateDecoder(FakeVault({}))).chunk([(7, originator, 2, b"domain.x:Thing.Happened", stored)])
    line = chunk.jsonl[:-1]
    event = json.loads(line)
    data_json = line[line.index(b',"data":') + 8 : -1].decode("utf-8")

    def cell(value: str) -> str:
        return "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value

    cells = ["7", f"{PERSON}/2", "2026-11-29T10:00:00Z", "fr.relais.Thing.Happened", PERSON, "2",
             cell(actor) if actor else "", "advisor", "", cell(reason) if reason else "", "", data_json,
             hashlib.sha256(line).hexdigest()]
    rows = list(csv.reader(io.StringIO((CSV_HEADER + chunk.csv).decode("utf-8"), newline="")))
    assert rows == [list(CSV_HEADER.decode().strip().split(",")), cells]
    if "\r" not in actor + reason:
        # Python 3.11's csv.writer leaves a lone CR unquoted (a reader then cuts the row there):
        # the export quotes it; otherwise the bytes are the csv module's.
        assert chunk.csv == csv_row(*cells)
    assert event["data"]["note"] == note and event["data"]["originator_version"] == 2


def cloud_event(sequence: int, originator: bytes, version: int, event_type: str, time: str, data: Any) -> bytes:
    """The line as relais-export/1 defined it before lines were made from their parts: orjson's
    compact writing of the whole CloudEvent, members in this order, "data" last."""
    subject = str(UUID(bytes=originator))
    return orjson.dumps({
        "specversion": "1.0", "id": f"{subject}/{version}", "source": "/relais", "type": event_type,
        "subject": subject, "time": time, "datacontenttype": "application/json", "sequence": str(sequence),
        "data": data,
    })


def is_time(text: str) -> bool:
    """What an export takes for an event's time (a CloudEvent's `time` is RFC 3339): a date, a time, an offset."""
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


#: Times as the application stores them (any offset), and any other text.
TIMES = st.one_of(
    st.datetimes(timezones=st.builds(timezone, st.timedeltas(min_value=-timedelta(hours=23),
                                                              max_value=timedelta(hours=23)))).map(datetime.isoformat),
    st.text(),
)


@settings(max_examples=300, deadline=None)
@given(note=st.text(), topic=st.text(min_size=1).filter(lambda t: ":" not in t), time=TIMES,
       sequence=st.integers(1, 2**63 - 1), version=st.integers(-(2**63), 2**63 - 1), number=st.floats(allow_nan=False,
       allow_infinity=False, min_value=-1e18, max_value=1e18))
def test_a_line_made_from_its_parts_is_the_whole_cloud_event_as_orjson_writes_it(
    note: str, topic: str, time: str, sequence: int, version: int, number: float
) -> None:
    originator = os.urandom(16)
    stored = json.dumps({"timestamp": wrapped("datetime_iso", time), "note": note, "n": number,
                         "provenance": wrapped("provenance", {"actor_id": note})},
                        ensure_ascii=False, separators=(",", ":")).encode("utf-8", errors="surrogatepass")
    decoder = EventStateDecoder(FakeVault({}))
    try:
        expected_data = {**decoder.decode(stored), "originator_version": version}
        expected_time = expected_data.pop("timestamp")
        expected_time = expected_time[:-6] + "Z" if expected_time.endswith("+00:00") else expected_time
        expected = cloud_event(sequence, originator, version, "fr.relais." + topic, expected_time, expected_data)
    except (orjson.JSONEncodeError, UnicodeError):
        return  # text orjson cannot write (lone surrogates): not a line either way
    record = (sequence, originator, version, ("m:" + topic).encode("utf-8"), stored)
    if not is_time(time):
        with pytest.raises(UndecodableRecord, match=f"record {sequence} does not decode"):
            ExportLines(decoder).chunk([record])
        return
    chunk = ExportLines(decoder).chunk([record])
    assert chunk.jsonl == expected + b"\n"
    assert chunk.digests == hashlib.sha256(expected).digest()


def test_a_version_that_is_not_an_integer_is_written_as_before() -> None:
    """A hand-edited SQLite row can hold a REAL version: the line is still the whole CloudEvent."""
    originator = UUID(PERSON).bytes
    chunk = ExportLines(EventStateDecoder(FakeVault({}))).chunk([(4, originator, 1.5, b"m:Thing.Happened", state())])
    expected = cloud_event(4, originator, 1.5, "fr.relais.Thing.Happened", "2026-11-29T10:00:00Z",  # type: ignore[arg-type]
                           {"originator_version": 1.5})
    assert chunk.jsonl == expected + b"\n"
    # The version cell as in the id and the data (it read "1" before: `%d` cut it).
    assert chunk.csv.startswith(f"4,{PERSON}/1.5,2026-11-29T10:00:00Z,fr.relais.Thing.Happened,{PERSON},1.5,".encode())


def test_a_line_whose_data_orjson_refuses_is_written_whole_by_the_standard_library() -> None:
    originator = UUID(PERSON).bytes
    huge = 2**70
    stored = state(count=huge, provenance=wrapped("provenance", {"actor_id": "a,b"}))
    chunk = ExportLines(EventStateDecoder(FakeVault({}))).chunk([(3, originator, 1, b"m:Thing.Counted", stored)])
    data = {"count": huge, "provenance": {"actor_id": "a,b"}, "originator_version": 1}
    line = json.dumps({
        "specversion": "1.0", "id": f"{PERSON}/1", "source": "/relais", "type": "fr.relais.Thing.Counted",
        "subject": PERSON, "time": "2026-11-29T10:00:00Z", "datacontenttype": "application/json", "sequence": "3",
        "data": data,
    }, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert chunk.jsonl == line + b"\n"
    data_cell = b'"' + json.dumps(data, separators=(",", ":")).encode().replace(b'"', b'""') + b'"'
    assert data_cell in chunk.csv and chunk.csv.endswith(hashlib.sha256(line).hexdigest().encode() + b"\n")


def test_an_originator_id_that_is_not_16_bytes_is_an_error() -> None:
    with pytest.raises(ValueError, match="not 16"):
        ExportLines(EventStateDecoder(FakeVault({}))).chunk([(1, b"short", 1, b"m:T.E", state())])


@pytest.mark.parametrize(("raw", "workers"), [("0", 0), ("3", 3), (str(MAX_EXPORT_WORKERS), MAX_EXPORT_WORKERS)])
def test_the_number_of_export_workers_is_read_from_the_environment(raw: str, workers: int) -> None:
    assert export_workers({"RELAIS_EXPORT_WORKERS": raw}) == workers


def test_by_default_one_worker_per_cpu_but_one_and_none_on_two_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert export_workers({}) == 3
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert export_workers({}) == MAX_EXPORT_WORKERS
    for cpus in (2, 1):
        monkeypatch.setattr(os, "cpu_count", lambda: cpus)
        assert export_workers({}) == 0


def test_on_postgresql_by_default_one_worker_per_cpu_and_none_on_one_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    for cpus, workers in ((2, 2), (4, 4), (64, MAX_EXPORT_WORKERS), (1, 0)):
        monkeypatch.setattr(os, "cpu_count", lambda cpus=cpus: cpus)
        assert export_workers({}, postgres=True) == workers
    assert export_workers({"RELAIS_EXPORT_WORKERS": "0"}, postgres=True) == 0


@pytest.mark.parametrize("raw", ["-1", "two", "9", "1.5"])
def test_a_wrong_number_of_export_workers_is_refused_with_its_name(raw: str) -> None:
    with pytest.raises(SettingsError, match="RELAIS_EXPORT_WORKERS"):
        export_workers({"RELAIS_EXPORT_WORKERS": raw})


ALTERED = [
    (b"not json", "Expecting value: line 1 column 1 (char 0)"),
    (b"\xff\xfe", "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"),
    (b"[1, 2]", "not a JSON object"),
    (b'"text"', "not a JSON object"),
    (b'{"note": "no time"}', "no timestamp"),
    (b'{"timestamp": 5}', "no timestamp"),
    (b'{"timestamp": {"_type_": "datetime_iso", "_data_": "soon"}}', "Invalid isoformat string: 'soon'"),
    (b'{"timestamp": {"_type_": "datetime_iso", "_data_": "2026-11-29T10:00:00"}}',
     "timestamp without an offset: '2026-11-29T10:00:00'"),
    (state(name={"_type_": "personal_data", "_data_": {"s": PERSON}}), "KeyError: 'c'"),
    (state(name={"_type_": "personal_data", "_data_": "Zébulon"}), "TypeError: string indices must be integers, not 'str'"),
    (state(name=sealed("Zébulon", key=bytes(32))), f"personal data of {PERSON} does not decrypt: altered record?"),
    (b"[" * 100_000 + b"]" * 100_000, "RecursionError: maximum recursion depth exceeded while decoding a JSON array from a unicode string"),
]


@pytest.mark.parametrize(("stored", "reason"), ALTERED)
def test_a_record_that_is_no_events_fields_is_refused_naming_it_and_what_went_wrong(stored: bytes, reason: str) -> None:
    lines = ExportLines(EventStateDecoder(FakeVault({PERSON: KEY})))
    good = (6, UUID(PERSON).bytes, 1, b"m:Thing.Happened", state())
    with pytest.raises(UndecodableRecord) as refused:
        lines.chunk([good, (7, UUID(PERSON).bytes, 2, b"m:Thing.Happened", stored)])
    assert (refused.value.notification_id, refused.value.reason) == (7, reason)
    assert str(refused.value).startswith(f"record 7 does not decode ({reason[:30]}")


@pytest.mark.parametrize(("stored", "reason"), ALTERED)
def test_an_investigation_gets_such_a_record_as_what_went_wrong_without_a_time(stored: bytes, reason: str) -> None:
    lines = ExportLines(EventStateDecoder(FakeVault({PERSON: KEY})), keep_undecodable=True)
    chunk = lines.chunk([(7, UUID(PERSON).bytes, 2, b"m:Thing.Happened", stored)])
    event = json.loads(chunk.jsonl)
    assert event["data"] == {"undecodable": reason, "originator_version": 2} and "time" not in event
    assert (event["id"], event["subject"], event["sequence"]) == (f"{PERSON}/2", PERSON, "7")
    (row,) = list(csv.reader(io.StringIO(chunk.csv.decode("utf-8"), newline="")))
    assert row[:6] == ["7", f"{PERSON}/2", "", "fr.relais.Thing.Happened", PERSON, "2"]
    assert json.loads(row[11]) == event["data"] and row[12] == hashlib.sha256(chunk.jsonl[:-1]).hexdigest()


def test_an_originator_id_that_is_not_16_bytes_is_an_undecodable_record_named_by_its_bytes() -> None:
    record = (3, b"abcd", 1, b"m:Thing.Happened", state())
    with pytest.raises(UndecodableRecord, match=r"record 3 does not decode \(originator id of 4 bytes, not 16\)"):
        ExportLines(EventStateDecoder(FakeVault({}))).chunk([record])
    event = json.loads(ExportLines(EventStateDecoder(FakeVault({})), keep_undecodable=True).chunk([record]).jsonl)
    assert event["subject"] == b"abcd".hex() and event["data"]["undecodable"] == "originator id of 4 bytes, not 16"


def test_a_version_that_is_text_is_written_as_text_in_both_files() -> None:
    """SQLite keeps text put by hand in an INTEGER column."""
    chunk = ExportLines(EventStateDecoder(FakeVault({}))).chunk([(4, UUID(PERSON).bytes, "=2", b"m:Thing.Happened", state())])
    assert json.loads(chunk.jsonl)["id"] == f"{PERSON}/=2"
    (row,) = list(csv.reader(io.StringIO(chunk.csv.decode("utf-8"), newline="")))
    assert row[1] == f"{PERSON}/=2" and row[5] == "'=2"  # a cell a spreadsheet would run is quoted


def test_a_record_outside_the_period_is_judged_by_its_time_and_an_undecodable_one_is_kept_in_every_period() -> None:
    since = datetime(2026, 11, 29, 11, tzinfo=timezone.utc)
    lines = ExportLines(EventStateDecoder(FakeVault({})), since=since, keep_undecodable=True)
    chunk = lines.chunk([(1, UUID(PERSON).bytes, 1, b"m:Thing.Happened", state()),  # 10:00, before the period
                         (2, UUID(PERSON).bytes, 2, b"m:Thing.Happened", b"not json")])
    assert (chunk.count, chunk.first, chunk.read) == (1, 2, 2)
