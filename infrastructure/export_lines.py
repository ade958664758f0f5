"""A stretch of stored records → its lines of events.jsonl and rows of events.csv (relais-export/1).

This is the export's per-event work (decode, decrypt, CloudEvent, JSON, CSV row, line digest),
kept apart from the writing and the chaining so that worker processes can do it for stretches
of the log in parallel (infrastructure/export_workers.py) while the parent writes the results
in order and chains the digests. Lines are written by orjson: compact, UTF-8, `data` last.
Secret fields (a staff member's password hash) are masked by the decoder (event_data.py).
"""
from __future__ import annotations

import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from infrastructure.event_data import EventStateDecoder
from infrastructure.log_chain import Record

SOURCE = "/relais"  # CloudEvents `source`: the application that recorded the events
TYPE_PREFIX = "fr.relais."
CSV_COLUMNS = (
    "sequence", "id", "time", "type", "subject", "version", "actor_id", "actor_role", "correlation_id",
    "reason_code", "reason_text", "data", "line_sha256",
)
CSV_HEADER = (",".join(CSV_COLUMNS) + "\n").encode("utf-8")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: What makes csv.writer quote a cell (with QUOTE_MINIMAL and "\n" rows): the delimiter, the quote, CR, LF.
_NEEDS_QUOTES = re.compile(rb'[",\r\n]').search
# "data" is the last member of every line, and no member before it can contain this text
# (inside a JSON string a quote is escaped).
_DATA_MEMBER = b',"data":'
# A line's fixed parts, in the order orjson writes the CloudEvent's members (tests/unit/test_export_lines.py).
_ENVELOPE_ID = b'{"specversion":"1.0","id":"'
_ENVELOPE_TYPE = b'","source":' + orjson.dumps(SOURCE) + b',"type":'
_ENVELOPE_SUBJECT = b',"subject":"'
_ENVELOPE_TIME = b'","time":'
_ENVELOPE_SEQUENCE = b',"datacontenttype":"application/json","sequence":"'
_ENVELOPE_DATA = b'",' + _DATA_MEMBER[1:]
#: A whole line, as orjson writes the CloudEvent with its members in this order (id, type, subject,
#: time, sequence, data): tests/unit/test_export_lines.py compares it with orjson's own writing.
_LINE = (_ENVELOPE_ID + b"%s" + _ENVELOPE_TYPE + b"%s" + _ENVELOPE_SUBJECT + b"%s" + _ENVELOPE_TIME + b"%s"
         + _ENVELOPE_SEQUENCE + b"%d" + _ENVELOPE_DATA + b"%s}")
#: A row of events.csv: sequence, id, time, type, subject, version, the three provenance cells, the two
#: reason cells, data, line_sha256 (CSV_COLUMNS). The data cell is always quoted: every event's data holds
#: "originator_version", so its JSON always holds quotes (doubled inside the cell, as csv.writer does).
_ROW = b'%d,%s,%s,%s,%s,%d,%s,%s,%s,%s,%s,"%s",%s\n'
#: The same, for a version that is not an integer (a hand-edited SQLite row): the version as a cell.
_ROW_ANY_VERSION = _ROW.replace(b"%d,%s,%s,%s,%s,%d,", b"%d,%s,%s,%s,%s,%s,", 1)


class UndecodableRecord(ValueError):
    """A stored record whose state is not an event's fields (not JSON, not an object, no timestamp, personal
    data that does not decrypt under its person's key...): altered in the database (verify-log names it when
    that happened after it was sealed), or written so by a defect."""

    def __init__(self, notification_id: int, reason: str) -> None:
        self.notification_id, self.reason = notification_id, reason
        super().__init__(f"record {notification_id} does not decode ({reason})")

    def __reduce__(self) -> tuple[Any, ...]:  # crosses the export workers' pipe as itself
        return type(self), (self.notification_id, self.reason)


#: The data of a record exported although it does not decode (`relais export --despite-integrity-failure`).
UNDECODABLE = "undecodable"
#: What decoding a state that is no event's fields raises: not JSON or UTF-8 (ValueError), personal data that
#: does not decrypt (ValueError), wrappers of the wrong shape (KeyError, TypeError), nesting too deep.
_UNDECODABLE_ERRORS = (ValueError, KeyError, TypeError, RecursionError)


@dataclass(frozen=True)
class Chunk:
    """What one stretch of records adds to the export, ready to be appended in order."""

    jsonl: bytes  # its lines, each ending with "\n"
    csv: bytes  # the matching rows of events.csv
    digests: bytes  # SHA-256 of each line (without its "\n"), 32 bytes each, in order: the chain's input
    count: int  # lines written (records inside the period)
    first: int | None  # notification id of the first line
    last: int | None  # and of the last
    read: int  # records read, inside the period or not: the progress


def rfc3339(timestamp: str) -> str:
    return timestamp[:-6] + "Z" if timestamp.endswith("+00:00") else timestamp


def _cell(value: Any) -> bytes:
    """A spreadsheet cell; text that a spreadsheet would run as a formula is quoted."""
    if not value:
        return b""
    text = str(value)
    return _csv_field(("'" + text if text.startswith(FORMULA_STARTS) else text).encode("utf-8"))


def _csv_field(raw: bytes) -> bytes:
    """A field as csv.writer writes it: between quotes, quotes doubled, when it holds , " CR or LF.
    (Python 3.11's writer leaves a lone CR bare, which readers take for the end of the row.)"""
    # One search, not four `in` tests: `bytes in bytes` first tries its argument as an integer and
    # formats a TypeError each time (about as costly as the rest of a short cell's work).
    if _NEEDS_QUOTES(raw) is not None:
        return b'"' + raw.replace(b'"', b'""') + b'"'
    return raw


def _dumps(event: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(event)
    except orjson.JSONEncodeError:
        # Integers beyond 64 bits, which orjson refuses: the standard library writes them.
        return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _subject(originator: bytes) -> str:
    """A 16-byte originator id as text: str(UUID(bytes=originator)), without making a UUID."""
    h = originator.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class ExportLines:
    #: Cells, types and subjects met again and again (roles, actors, reason codes, topics, an aggregate's
    #: id for each of its events) are made once.
    MAX_REMEMBERED = 10_000

    def __init__(
        self, decoder: EventStateDecoder, since: datetime | None = None, until: datetime | None = None,
        keep_undecodable: bool = False,
    ) -> None:
        self.decode = decoder.decode
        self.expect = decoder.expect
        self.since, self.until = since, until
        #: An investigation's export of a log that failed its check: a record that does not decode is
        #: written with what went wrong as its data (and no time), not refused (UndecodableRecord).
        self.keep_undecodable = keep_undecodable
        self._cells: dict[Any, bytes] = {}
        self._types: dict[bytes, tuple[bytes, bytes]] = {}
        self._subjects: dict[bytes, bytes] = {}

    def _inside(self, moment: datetime | None) -> bool:
        if moment is None:
            return True  # a record without a time (undecodable) is in every period: it is part of the log read
        return (self.since is None or moment >= self.since) and (self.until is None or moment < self.until)

    def _cell(self, value: Any) -> bytes:
        try:
            return self._cells[value]
        except KeyError:
            if len(self._cells) >= self.MAX_REMEMBERED:
                self._cells.clear()
            made = self._cells[value] = _cell(value)
            return made
        except TypeError:  # not hashable (a list or a dict where text was expected)
            return _cell(value)

    def _type(self, topic: bytes) -> tuple[bytes, bytes]:
        """The event's CloudEvents type as JSON text, and as a CSV cell."""
        try:
            return self._types[topic]
        except KeyError:
            if len(self._types) >= self.MAX_REMEMBERED:
                self._types.clear()
            name = TYPE_PREFIX + topic.decode("utf-8").rpartition(":")[2]
            made = self._types[topic] = (orjson.dumps(name), _csv_field(name.encode("utf-8")))
            return made

    def _undecodable(self, sequence: int, error: Exception) -> dict[str, Any]:
        """The data written for a record that does not decode, when kept; else UndecodableRecord."""
        reason = str(error) if isinstance(error, ValueError) else f"{type(error).__name__}: {error}"
        if not self.keep_undecodable:
            raise UndecodableRecord(sequence, reason) from error
        return {UNDECODABLE: reason}

    def _new_subject(self, originator: bytes) -> bytes:
        """The originator id as the CloudEvent's subject (str(UUID(bytes=originator)), as ASCII); an id that
        is not 16 bytes (its record is undecodable) as its bytes in hex."""
        if len(originator) != 16:
            return bytes(originator).hex().encode("ascii")
        if len(self._subjects) >= self.MAX_REMEMBERED:
            self._subjects.clear()
        made = self._subjects[originator] = _subject(originator).encode("ascii")
        return made

    def chunk(self, records: list[Record]) -> Chunk:
        lines: list[bytes] = []
        rows: list[bytes] = []
        digests: list[bytes] = []
        first = last = None
        sha256, dumps, decode, hexlify = hashlib.sha256, orjson.dumps, self.decode, binascii.hexlify
        types, cells, cell, subjects = self._types, self._cells, self._cell, self._subjects
        parse = datetime.fromisoformat
        inside = self._inside if self.since is not None or self.until is not None else None
        self.expect([record[4] for record in records])
        for sequence, originator, version, topic, state in records:
            try:
                if len(originator) != 16:
                    raise ValueError(f"originator id of {len(originator)} bytes, not 16")
                data = decode(state)
                if data.__class__ is not dict:
                    raise ValueError("not a JSON object")
                timestamp = data.pop("timestamp", None)
                if timestamp.__class__ is not str:
                    raise ValueError("no timestamp")
                moment = parse(timestamp)  # the CloudEvent's `time` is RFC 3339: a date, a time and an offset
                if moment.tzinfo is None:
                    raise ValueError(f"timestamp without an offset: {timestamp!r}")
            except _UNDECODABLE_ERRORS as error:
                timestamp, moment, data = "", None, self._undecodable(sequence, error)
            if inside is not None and not inside(moment):
                continue
            data["originator_version"] = version
            try:
                subject = subjects[originator]
            except KeyError:
                subject = self._new_subject(originator)
            try:
                type_json, type_cell = types[topic]
            except KeyError:
                type_json, type_cell = self._type(topic)
            time = timestamp[:-6] + "Z" if timestamp.endswith("+00:00") else timestamp
            line = None
            if version.__class__ is int and time:
                event_id = b"%s/%d" % (subject, version)
                try:
                    # The line as orjson writes the whole CloudEvent, made from its parts: the
                    # envelope's members are known, and "data" (last) is the same bytes in the CSV row.
                    data_json = dumps(data)
                    line = _LINE % (event_id, type_json, subject, dumps(time), sequence, data_json)
                except orjson.JSONEncodeError:
                    pass
            if line is None or not time:
                # What orjson refuses (integers past 64 bits), a version that is not an integer, or a record
                # without a time (undecodable: `time` is optional in CloudEvents, and "" is not RFC 3339).
                text_id = f"{subject.decode('ascii')}/{version}"
                event = {
                    "specversion": "1.0", "id": text_id, "source": SOURCE, "type": orjson.loads(type_json),
                    "subject": subject.decode("ascii"), "time": time, "datacontenttype": "application/json",
                    "sequence": str(sequence), "data": data,
                }
                if not time:
                    del event["time"]
                line = _dumps(event)
                event_id = text_id.encode("ascii")
                data_json = line[line.index(_DATA_MEMBER) + len(_DATA_MEMBER) : -1]
            digest = sha256(line).digest()
            lines.append(line)
            digests.append(digest)
            provenance, reason = data.get("provenance"), data.get("reason")
            if provenance.__class__ is dict:
                get = provenance.get
                actor, role, correlation = get("actor_id"), get("actor_role"), get("correlation_id")
                try:  # cells met before (most of them: roles, actors), without a call each
                    actor, role, correlation = cells[actor], cells[role], cells[correlation]
                except (KeyError, TypeError):
                    actor, role, correlation = cell(actor), cell(role), cell(correlation)
            else:
                actor = role = correlation = b""
            if reason.__class__ is dict:
                code, text = reason.get("code"), reason.get("text")
                try:
                    code, text = cells[code], cells[text]
                except (KeyError, TypeError):
                    code, text = cell(code), cell(text)
            else:
                code = text = b""
            time_cell = time.encode("utf-8")
            if '"' in time or "," in time or "\n" in time or "\r" in time:  # text, not bytes: see _csv_field
                time_cell = _csv_field(time_cell)
            row, version_cell = (_ROW, version) if version.__class__ is int else (_ROW_ANY_VERSION, cell(str(version)))
            rows.append(row % (
                sequence, event_id, time_cell, type_cell, subject, version_cell, actor, role, correlation, code, text,
                data_json.replace(b'"', b'""'), hexlify(digest),
            ))
            first = sequence if first is None else first
            last = sequence
        return Chunk(
            jsonl=b"\n".join(lines) + b"\n" if lines else b"", csv=b"".join(rows),
            digests=b"".join(digests), count=len(lines), first=first, last=last, read=len(records),
        )
