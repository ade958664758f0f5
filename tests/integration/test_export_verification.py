"""The verifiable export: CloudEvents lines, the documented chain, and a verifier that misses nothing.

The mutation test works on one real 1,000-event export (made once for the module) and
verifies mutated copies in memory. What it covers, deterministically:
  - every byte of events.jsonl lines 1 and 2 (XOR 0x01), plus every 7th byte of the
    last line and every 1,999th byte of the whole file;
  - every byte of manifest.json and of manifest.sig, every 3,001st byte of events.csv;
  - each of lines 1, 500 and 1,000 deleted; lines (1,2), (499,500), (999,1000) and (1,1000) swapped;
  - truncation at the last newline, before it, mid-line and after 1 and 999 lines.
Where the line can be known (a JSON line changed while events.csv is intact), the
verifier must name exactly that line.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cloudevents.core.formats.json import JSONFormat

from infrastructure.bootstrap import Services, bootstrap
from infrastructure.export_verifier import ExportReport, verify_export, verify_streams
from infrastructure.passwords import Argon2PasswordHasher
from tests.conftest import AdvanceableClock, settings_for
from tests.integration.helpers import advisor, details, mobile

EVENTS = 1_000


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Services, Path]]:
    data_dir = tmp_path_factory.mktemp("export")
    services = bootstrap(settings_for(data_dir), clock=AdvanceableClock(),
                         passwords=Argon2PasswordHasher(time_cost=1, memory_cost=64), synchronous_projections=False)
    caller = advisor()
    ids = [services.app.register_candidate(details(phone=mobile(n)), True, caller) for n in range(EVENTS // 4)]
    for round_ in range(3):
        for n, candidate_id in enumerate(ids):
            services.app.change_candidate_profile(candidate_id, round_ + 1, details(phone=mobile(n), mobility_km=round_ + 20), caller)
    assert services.audit is not None
    services.audit.exporter.export(data_dir / "out")
    yield services, data_dir / "out"
    services.close()


class Files:
    def __init__(self, directory: Path) -> None:
        self.manifest = (directory / "manifest.json").read_bytes()
        self.signature = (directory / "manifest.sig").read_bytes()
        self.jsonl = (directory / "events.jsonl").read_bytes()
        self.csv = (directory / "events.csv").read_bytes()

    def verify(self, public_key: Any, **changed: bytes) -> ExportReport:
        parts = {"manifest": self.manifest, "signature": self.signature, "jsonl": self.jsonl, "csv": self.csv, **changed}
        return verify_streams(parts["manifest"], parts["signature"], io.BytesIO(parts["jsonl"]),
                              io.BytesIO(parts["csv"]), public_key)


@pytest.fixture(scope="module")
def files(exported: tuple[Services, Path]) -> Files:
    return Files(exported[1])


@pytest.fixture(scope="module")
def public_key(exported: tuple[Services, Path]) -> Any:
    assert exported[0].audit is not None
    return exported[0].audit.key.public_key


def flip(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def test_an_untouched_export_verifies(files: Files, public_key: Any, exported: tuple[Services, Path]) -> None:
    assert files.verify(public_key) == ExportReport(EVENTS)
    assert verify_export(exported[1], public_key).ok


def test_every_line_is_a_cloudevent_the_cloudevents_package_reads(files: Files) -> None:
    lines = files.jsonl.split(b"\n")
    assert lines[-1] == b"" and len(lines) == EVENTS + 1
    ids = set()
    for number, line in enumerate(lines[:-1], start=1):
        event = JSONFormat().read(None, line)
        assert event.get_specversion() == "1.0"
        assert event.get_source() == "/relais"
        assert event.get_type().startswith("fr.relais.Candidate.")
        assert event.get_datacontenttype() == "application/json"
        assert event.get_time() is not None and event.get_subject()
        assert event.get_extension("sequence") == str(number)  # the notification id, as a string
        data = event.get_data()
        assert isinstance(data, dict) and data["provenance"]["actor_role"] == "advisor"
        ids.add(event.get_id())
    assert len(ids) == EVENTS


def test_the_manifest_and_the_chain_are_exactly_as_documented(files: Files, public_key: Any) -> None:
    manifest = json.loads(files.manifest)
    assert manifest["format"] == "relais-export/1"
    assert (manifest["count"], manifest["first_sequence"], manifest["last_sequence"]) == (EVENTS, 1, EVENTS)
    assert manifest["chain"]["algorithm"] == "sha256"
    head = hashlib.sha256("relais-export/1".encode() + (bytes.fromhex(manifest["previous_head"]) if manifest["previous_head"] else bytes(32))).digest()
    for line in files.jsonl.split(b"\n")[:-1]:
        head = hashlib.sha256(head + hashlib.sha256(line).digest()).digest()
    assert manifest["chain"]["head"] == head.hex()
    public_key.verify(base64.b64decode(files.signature), files.manifest)


def line_starts(jsonl: bytes) -> list[int]:
    starts = [0]
    for index, byte in enumerate(jsonl):
        if byte == 0x0A and index + 1 < len(jsonl):
            starts.append(index + 1)
    return starts


def test_every_single_byte_change_sampled_as_documented_is_detected_and_the_line_named(files: Files, public_key: Any) -> None:
    starts = line_starts(files.jsonl)
    assert len(starts) == EVENTS
    ends = starts[1:] + [len(files.jsonl)]
    positions: dict[int, int] = {}  # byte position -> its line number
    for line in (1, 2):
        positions.update({p: line for p in range(starts[line - 1], ends[line - 1])})
    positions.update({p: EVENTS for p in range(starts[-1], ends[-1], 7)})
    for p in range(0, len(files.jsonl), 1_999):
        positions[p] = next(n for n in range(EVENTS, 0, -1) if starts[n - 1] <= p)
    for position, line in positions.items():
        report = files.verify(public_key, jsonl=flip(files.jsonl, position))
        assert not report.ok, position
        assert report.line == line, (position, report)
    for position in range(len(files.manifest)):
        assert not files.verify(public_key, manifest=flip(files.manifest, position)).ok, position
    for position in range(len(files.signature)):
        assert not files.verify(public_key, signature=flip(files.signature, position)).ok, position
    for position in range(0, len(files.csv), 3_001):
        assert not files.verify(public_key, csv=flip(files.csv, position)).ok, position


def test_deleted_swapped_and_truncated_lines_are_detected(files: Files, public_key: Any) -> None:
    lines = files.jsonl.split(b"\n")[:-1]

    def joined(chosen: list[bytes]) -> bytes:
        return b"".join(line + b"\n" for line in chosen)

    for deleted in (1, 500, 1000):
        report = files.verify(public_key, jsonl=joined(lines[: deleted - 1] + lines[deleted:]))
        assert not report.ok and report.line == deleted, (deleted, report)
    for a, b in ((1, 2), (499, 500), (999, 1000), (1, 1000)):
        swapped = list(lines)
        swapped[a - 1], swapped[b - 1] = swapped[b - 1], swapped[a - 1]
        report = files.verify(public_key, jsonl=joined(swapped))
        assert not report.ok and report.line == a, ((a, b), report)
    for cut in (len(files.jsonl) - 1, len(files.jsonl) - 2, len(files.jsonl) // 2):
        assert not files.verify(public_key, jsonl=files.jsonl[:cut]).ok, cut
    for kept in (1, 999):
        report = files.verify(public_key, jsonl=joined(lines[:kept]))
        assert not report.ok and report.line == kept + 1


def test_an_altered_csv_alone_is_reported_as_such(files: Files, public_key: Any) -> None:
    report = files.verify(public_key, csv=files.csv.replace(b"lyon-est", b"lyon-sud", 1))
    assert not report.ok and report.problem is not None and "events.csv" in report.problem


def test_a_missing_file_is_named(tmp_path: Path, exported: tuple[Services, Path], public_key: Any) -> None:
    for name in ("manifest.json", "manifest.sig", "events.jsonl", "events.csv"):
        (tmp_path / name).write_bytes((exported[1] / name).read_bytes())
    (tmp_path / "events.csv").unlink()
    report = verify_export(tmp_path, public_key)
    assert not report.ok and "events.csv is missing" in (report.problem or "")
