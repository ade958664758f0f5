"""`relais export` and the compliance download: the event log as signed CloudEvents (relais-export/1).

One pass over the stored records writes events.jsonl and events.csv side by side, chains
each JSON line, then writes and signs manifest.json. Memory stays flat: records stream in
batches, files are written as they go. Each finished export is recorded so that the next
one names its head as `previous_head`.
"""
from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from application.caller import Caller
from infrastructure.database import PostgresDatabase, SQLiteDatabase
from infrastructure.event_data import EventStateDecoder
from infrastructure.event_records import EventRecords
from infrastructure.export_chain import CSV, JSONL, MANIFEST, SIGNATURE, Manifest, first_link
from infrastructure.signing_key import SigningKey

SOURCE = "/relais"  # CloudEvents `source`: the application that recorded the events
TYPE_PREFIX = "fr.relais."
CSV_COLUMNS = (
    "sequence", "id", "time", "type", "subject", "version", "actor_id", "actor_role", "correlation_id",
    "reason_code", "reason_text", "data", "line_sha256",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportResult:
    directory: Path
    manifest: Manifest


def _rfc3339(timestamp: str) -> str:
    return timestamp[:-6] + "Z" if timestamp.endswith("+00:00") else timestamp


def _cell(value: Any) -> str:
    """A spreadsheet cell; text that a spreadsheet would run as a formula is quoted."""
    if not value:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_row(sequence: int, event: dict[str, Any], data_json: str, digest: str) -> list[str]:
    data = event["data"]
    provenance = data.get("provenance") if isinstance(data.get("provenance"), dict) else {}
    reason = data.get("reason") if isinstance(data.get("reason"), dict) else {}
    return [
        str(sequence), event["id"], event["time"], event["type"], event["subject"], str(data.get("originator_version", "")),
        _cell(provenance.get("actor_id")), _cell(provenance.get("actor_role")), _cell(provenance.get("correlation_id")),
        _cell(reason.get("code")), _cell(reason.get("text")),
        data_json, digest,
    ]


class LogExporter:
    def __init__(
        self,
        database: SQLiteDatabase | PostgresDatabase,
        records: EventRecords,
        decoders: Callable[[], EventStateDecoder],
        key: SigningKey,
        clock: Any,
        on_exported: Callable[..., object] | None = None,
    ) -> None:
        self.database = database
        #: Called once an export is written: the composition root records it in the log
        #: (`Relais.record_log_export`), since an export carries people's data decrypted.
        self.on_exported = on_exported
        self.records = records
        #: A fresh decoder per export: its key cache starts empty, so a person erased
        #: before the export began never shows in clear, whatever this process cached.
        self.decoders = decoders
        self.key = key
        self.clock = clock

    def previous_head(self) -> bytes | None:
        with self.database.read() as tx:
            row = tx.fetchone(
                "SELECT head FROM log_exports WHERE head IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1"
            )
        return bytes.fromhex(row["head"]) if row else None

    def export(
        self,
        directory: Path,
        since: datetime | None = None,
        until: datetime | None = None,
        progress: Progress | None = None,
        requested_by: Caller | None = None,
        export_id: str | None = None,
    ) -> ExportResult:
        """Write the four files into `directory`; events with since <= time < until (each bound optional)."""
        directory.mkdir(parents=True, exist_ok=True)
        export_id = export_id or str(uuid4())
        requested_by = requested_by or Caller.cli(f"export-{export_id}")
        previous = self.previous_head()
        total = self.records.max_id()
        head = first_link(previous)
        count, first, last, done = 0, None, None, 0
        sha256, dumps, decode = hashlib.sha256, json.dumps, self.decoders().decode
        csv_digest = hashlib.sha256()
        with open(directory / JSONL, "wb", buffering=1 << 20) as jsonl, open(
            directory / CSV, "w", encoding="utf-8", newline="", buffering=1 << 20
        ) as csv_file:
            header = ",".join(CSV_COLUMNS) + "\n"
            csv_file.write(header)
            csv_digest.update(header.encode("utf-8"))
            for batch in self.records.batches():
                rows = []
                for sequence, originator, version, topic, state in batch:
                    data = decode(state)
                    timestamp = data.pop("timestamp", "")
                    if since is not None or until is not None:
                        moment = datetime.fromisoformat(timestamp)
                        if (since is not None and moment < since) or (until is not None and moment >= until):
                            continue
                    data["originator_version"] = version
                    subject = str(UUID(bytes=originator))
                    event = {
                        "specversion": "1.0",
                        "id": f"{subject}/{version}",
                        "source": SOURCE,
                        "type": TYPE_PREFIX + topic.decode("utf-8").rpartition(":")[2],
                        "subject": subject,
                        "time": _rfc3339(timestamp),
                        "datacontenttype": "application/json",
                        "sequence": str(sequence),
                        "data": data,
                    }
                    line = dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
                    jsonl.write(line + b"\n")
                    digest = sha256(line).digest()
                    head = sha256(head + digest).digest()
                    rows.append(_csv_row(sequence, event, _data_json(line), digest.hex()))
                    count += 1
                    first = sequence if first is None else first
                    last = sequence
                text = _rows_text(rows)
                csv_file.write(text)
                csv_digest.update(text.encode("utf-8"))
                done += len(batch)
                if progress is not None:
                    progress(done, max(total, done))
        manifest = Manifest(
            count=count, first_sequence=first, last_sequence=last, head=head, previous_head=previous,
            created_at=_rfc3339(self.clock.now().isoformat()), public_key_id=self.key.key_id,
            csv_sha256=csv_digest.hexdigest(),
        )
        raw = manifest.to_bytes()
        (directory / MANIFEST).write_bytes(raw)
        (directory / SIGNATURE).write_text(self.key.sign_base64(raw) + "\n", encoding="ascii")
        self._record(export_id, requested_by.actor_id, since, until, manifest)
        if self.on_exported is not None:
            self.on_exported(export_id, since.isoformat() if since else "", until.isoformat() if until else "",
                             manifest.count, manifest.first_sequence, manifest.last_sequence, manifest.head.hex(),
                             manifest.public_key_id, requested_by)
        return ExportResult(directory, manifest)

    def _record(self, export_id: str, requested_by: str, since: datetime | None, until: datetime | None, manifest: Manifest) -> None:
        values = (
            manifest.count, manifest.first_sequence, manifest.last_sequence, manifest.head.hex(),
            manifest.previous_head.hex() if manifest.previous_head else None, manifest.public_key_id,
            self.clock.now().isoformat(),
        )
        with self.database.transaction() as tx:
            updated = tx.execute(
                "UPDATE log_exports SET record_count = ?, first_sequence = ?, last_sequence = ?, "
                "head = ?, previous_head = ?, key_id = ?, finished_at = ? WHERE id = ?",
                (*values, export_id),
            )
            if not updated:
                tx.execute(
                    "INSERT INTO log_exports (id, requested_by, since, until, status, done, total, record_count, "
                    "first_sequence, last_sequence, head, previous_head, key_id, created_at, finished_at) "
                    "VALUES (?, ?, ?, ?, 'done', 0, 0, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (export_id, requested_by, since.isoformat() if since else None,
                     until.isoformat() if until else None, *values[:6], values[6], values[6]),
                )


def _data_json(line: bytes) -> str:
    # "data" is the last member of every line, and no key before it can contain this text.
    return line[line.index(b',"data":') + 8 : -1].decode("utf-8")


class _Buffer:
    """A write-only text sink for csv.writer: rows are joined once per batch."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)


def _rows_text(rows: list[list[str]]) -> str:
    buffer = _Buffer()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return "".join(buffer.parts)
