"""The verifiable export: CloudEvents lines, the documented chain, and a verifier that misses nothing.

The mutation test works on one real 1,000-event export (made once for the module). It covers,
exhaustively (issue 5: "every single-byte change, deleted line, swapped lines or truncation"):
  - every byte of events.jsonl changed (XOR 0x01; a changed "\n" joins two lines), every line
    deleted, every pair of adjacent lines swapped, every truncation point (each line boundary and
    each byte inside each line): the verifier names the first bad line when events.csv is intact,
    and detects it by the chain alone when the CSV is absent;
  - every byte of manifest.json and of manifest.sig, each through the whole verifier;
  - events.csv, which the verifier checks whole by its signed SHA-256: whole runs of the verifier
    on a sample of changed bytes, the first and the last included, report the CSV.
Reading the 790 kB file again for each of ~800,000 mutations would take hours, so the verifier's
line checks are an object (`LineCheck`) whose state is kept before each line: a mutation of line i
is checked from the state before line i. What makes this enough is tested on its own: a chain head
that differs at any line boundary fails at the end (test_a_different_chain_head_...), and whole runs
of `verify_streams` on a sample of each kind of mutation agree.
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
from infrastructure.export_chain import Manifest
from infrastructure.export_verifier import ExportReport, LineCheck, _csv_digests, verify_export, verify_streams
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


class Lines:
    """The real verifier's line checks (`LineCheck`) run once over the untouched export, with their state
    kept before each line, so that a mutation of lines i..j is checked from the state before line i.

    Two modes, each from that state: with the CSV intact (each line's expected SHA-256 given, as
    `verify_streams` gives it), the verifier must name the first changed line at once; without
    the CSV (chain only), it must report a problem in the changed lines or leave a chain head that
    differs from the untouched one where the two files meet again, and
    `test_a_different_chain_head_at_any_line_boundary_fails_at_the_end` shows that any such head
    fails the check at the end (from every boundary, with the true lines after it)."""

    def __init__(self, files: Files) -> None:
        self.manifest = Manifest.parse(files.manifest)
        self.lines = [line + b"\n" for line in files.jsonl.split(b"\n")[:-1]]
        self.digests = list(_csv_digests(io.BytesIO(files.csv)))
        assert len(self.lines) == len(self.digests) == EVENTS
        check = LineCheck(self.manifest)
        self.before: list[LineCheck] = []
        for raw, digest in zip(self.lines, self.digests, strict=True):
            self.before.append(check.copy())
            assert check.line(raw, digest) is None
        assert check.end() is None
        self.before.append(check)  # after the last line

    def expected(self, index: int) -> str:
        return self.digests[index] if index < len(self.digests) else ""  # as verify_streams: "" past the CSV's rows

    def run(self, first: int, window: bytes, resume: int, *, with_csv: bool) -> ExportReport | LineCheck:
        """Original lines first..resume-1 replaced by `window` (split into lines as a reader splits a
        file); a problem found, or the check's state where the original lines resume."""
        check = self.before[first].copy()
        for n, raw in enumerate(io.BytesIO(window)):
            problem = check.line(raw, self.expected(first + n) if with_csv else None)
            if problem is not None:
                return problem
        if resume == len(self.lines):  # nothing follows: the end of the file
            return check.end() or check
        return check

    def detected(self, first: int, window: bytes, resume: int) -> None:
        """With the CSV: named at line first + 1. Chain only: reported, or a chain head that differs."""
        named = self.run(first, window, resume, with_csv=True)
        assert isinstance(named, ExportReport) and not named.ok and named.line == first + 1, (first, named)
        chained = self.run(first, window, resume, with_csv=False)
        assert isinstance(chained, ExportReport) or chained.head != self.before[resume].head, (first, window[:80])


@pytest.fixture(scope="module")
def lines(files: Files) -> Lines:
    return Lines(files)


def test_a_different_chain_head_at_any_line_boundary_fails_at_the_end(lines: Lines) -> None:
    for boundary in range(EVENTS + 1):
        check = lines.before[boundary].copy()
        check.head = bytes([check.head[0] ^ 0x01]) + check.head[1:]
        for raw in lines.lines[boundary:]:
            assert check.line(raw) is None
        report = check.end()
        assert report is not None and not report.ok, boundary
    assert lines.before[EVENTS].end() is None  # and the untouched head passes


def test_every_single_byte_change_of_events_jsonl_is_detected_and_its_line_named(lines: Lines) -> None:
    changed = 0
    for index, raw in enumerate(lines.lines):
        after = index + 1 < EVENTS
        for offset in range(len(raw)):
            window = raw[:offset] + bytes([raw[offset] ^ 0x01]) + raw[offset + 1:]
            if offset == len(raw) - 1 and after:  # its "\n" changed: the line runs on into the next one
                lines.detected(index, window + lines.lines[index + 1], index + 2)
            else:
                lines.detected(index, window, index + 1)
            changed += 1
    assert changed == sum(len(raw) for raw in lines.lines)  # every byte of the file


def test_every_deleted_line_and_every_adjacent_swap_is_detected_and_named(lines: Lines) -> None:
    for index in range(EVENTS):  # line index + 1 deleted: the next line takes its place
        window = lines.lines[index + 1] if index + 1 < EVENTS else b""
        lines.detected(index, window, min(index + 2, EVENTS))
    for index in range(EVENTS - 1):  # lines index + 1 and index + 2 swapped
        lines.detected(index, lines.lines[index + 1] + lines.lines[index], index + 2)


def test_every_truncation_point_is_detected(files: Files, lines: Lines) -> None:
    cuts = 0
    for index, raw in enumerate(lines.lines):
        for kept in range(len(raw)):  # the file ends after `kept` bytes of this line (0: at its start)
            for with_csv in (True, False):
                report = lines.run(index, raw[:kept], EVENTS, with_csv=with_csv)
                assert isinstance(report, ExportReport) and not report.ok and report.line == index + 1, (index, kept)
            cuts += 1
    assert cuts == len(files.jsonl)  # every length from 0 to the whole file minus one byte


def test_every_single_byte_change_of_the_manifest_and_the_signature_is_detected(files: Files, public_key: Any) -> None:
    for position in range(len(files.manifest)):
        assert not files.verify(public_key, manifest=flip(files.manifest, position)).ok, position
    for position in range(len(files.signature)):
        assert not files.verify(public_key, signature=flip(files.signature, position)).ok, position


def test_a_change_anywhere_in_events_csv_is_reported(files: Files, public_key: Any) -> None:
    """The verifier checks events.csv whole, by its SHA-256 in the signed manifest: any changed byte
    changes that digest (SHA-256's own property, not retested here). Whole runs of the verifier on a
    sample, the first and the last byte included, show that it reads the whole file and reports it."""
    csv_bytes = files.csv
    assert hashlib.sha256(csv_bytes).hexdigest() == Manifest.parse(files.manifest).csv_sha256
    for position in sorted({0, len(csv_bytes) - 1, *range(0, len(csv_bytes), 3_001)}):
        report = files.verify(public_key, csv=flip(csv_bytes, position))
        assert not report.ok and report.problem is not None and "events.csv" in report.problem, position


def test_whole_runs_of_the_verifier_detect_a_sample_of_each_mutation_with_and_without_the_csv(
    files: Files, public_key: Any, lines: Lines,
) -> None:
    """The tests above check the line checks from a saved state; these run `verify_streams` whole, as
    `relais verify-export` does, on a few mutations of each kind (with the CSV it names the line)."""
    def joined(chosen: list[bytes]) -> bytes:
        return b"".join(chosen)

    def check(jsonl: bytes, line: int) -> None:
        named = files.verify(public_key, jsonl=jsonl)
        assert not named.ok and named.line == line, (line, named)
        chain_only = verify_streams(files.manifest, files.signature, io.BytesIO(jsonl), None, public_key)
        assert not chain_only.ok, line

    starts = [0]
    for raw in lines.lines:
        starts.append(starts[-1] + len(raw))
    for line in (1, 2, 500, 999, 1000):
        for offset in (0, 40, len(lines.lines[line - 1]) - 2, len(lines.lines[line - 1]) - 1):
            check(flip(files.jsonl, starts[line - 1] + offset), line)
    for deleted in (1, 500, 1000):
        check(joined(lines.lines[: deleted - 1] + lines.lines[deleted:]), deleted)
    for a, b in ((1, 2), (499, 500), (999, 1000), (1, 1000)):
        swapped = list(lines.lines)
        swapped[a - 1], swapped[b - 1] = swapped[b - 1], swapped[a - 1]
        check(joined(swapped), a)
    for cut in (0, 1, starts[1], starts[500] - 1, starts[500], len(files.jsonl) - 2, len(files.jsonl) - 1):
        check(files.jsonl[:cut], next(n for n in range(EVENTS, 0, -1) if starts[n - 1] <= cut))
    assert verify_streams(files.manifest, files.signature, io.BytesIO(files.jsonl), None, public_key).ok


def test_an_altered_csv_alone_is_reported_as_such(files: Files, public_key: Any) -> None:
    report = files.verify(public_key, csv=files.csv.replace(b"lyon-est", b"lyon-sud", 1))
    assert not report.ok and report.problem is not None and "events.csv" in report.problem


def test_a_missing_file_is_named(tmp_path: Path, exported: tuple[Services, Path], public_key: Any) -> None:
    for name in ("manifest.json", "manifest.sig", "events.jsonl", "events.csv"):
        (tmp_path / name).write_bytes((exported[1] / name).read_bytes())
    (tmp_path / "events.csv").unlink()
    report = verify_export(tmp_path, public_key)
    assert not report.ok and "events.csv is missing" in (report.problem or "")
