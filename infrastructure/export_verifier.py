"""`relais verify-export DIR`: signature, count, sequence range, chain, and the first bad line named.

The chain alone says that something changed, not where. events.csv (covered by its own
digest in the signed manifest) carries each JSON line's SHA-256, so when the CSV is intact
the first JSON line whose digest differs is named exactly.
"""
from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from infrastructure.export_chain import CSV, JSONL, MANIFEST, SIGNATURE, Manifest, first_link
from infrastructure.signing_key import key_id_of, verifies


@dataclass(frozen=True)
class ExportReport:
    count: int  # lines read
    problem: str | None = None
    line: int | None = None  # first bad line of events.jsonl (1-based), when known

    @property
    def ok(self) -> bool:
        return self.problem is None


SEQUENCE = re.compile(rb'^\{.*?"sequence":"(\d+)"')


def _file_sha256(file: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := file.read(1 << 20):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _csv_digests(csv_file: IO[bytes]) -> Iterator[str]:
    """Each CSV row's line_sha256 column, in order."""
    reader = csv.reader(io.TextIOWrapper(csv_file, encoding="utf-8", errors="replace", newline=""))
    header = next(reader, [])
    column = header.index("line_sha256") if "line_sha256" in header else None
    for row in reader:
        yield row[column] if column is not None and column < len(row) else ""


def verify_streams(
    manifest_raw: bytes, signature_text: bytes, jsonl: Iterable[bytes], csv_file: IO[bytes] | None, public_key: Ed25519PublicKey
) -> ExportReport:
    """`csv_file` must be seekable (it is hashed first, then read row by row); None skips it."""
    # Strict: canonical base64 and at most one final newline, so that no byte of the file is slack.
    text = signature_text[:-1] if signature_text.endswith(b"\n") else signature_text
    try:
        signature = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        signature = b""
    if base64.b64encode(signature) != text:
        signature = b""
    if not verifies(public_key, signature, manifest_raw):
        return ExportReport(0, f"{SIGNATURE}: the signature of {MANIFEST} does not verify with key {key_id_of(public_key)}")
    try:
        manifest = Manifest.parse(manifest_raw)
    except ValueError as error:
        return ExportReport(0, str(error))
    csv_intact = csv_file is not None and _file_sha256(csv_file) == manifest.csv_sha256
    # An intact CSV holds each line's digest: the first JSON line that differs is named at once.
    expected = _csv_digests(csv_file) if csv_intact and csv_file is not None else None
    check = LineCheck(manifest)
    for raw in jsonl:
        problem = check.line(raw, None if expected is None else next(expected, ""))
        if problem is not None:
            return problem
    problem = check.end()
    if problem is not None:
        return problem
    if csv_file is not None and not csv_intact:
        return ExportReport(check.count, f"{CSV} was altered (its SHA-256 differs from the manifest)")
    return ExportReport(check.count)


class LineCheck:
    """events.jsonl against a manifest, one line at a time: chain, count and sequences.

    Its whole state is `(head, count, previous_sequence)`, and `copy()` takes it at a line
    boundary: the mutation test (tests/integration/test_export_verification.py) checks a change
    of line i from the state before line i, instead of reading the whole file again each time."""

    __slots__ = ("manifest", "head", "count", "previous_sequence")

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.head = first_link(manifest.previous_head)
        self.count = 0
        self.previous_sequence: int | None = None

    def copy(self) -> LineCheck:
        twin = LineCheck.__new__(LineCheck)
        twin.manifest, twin.head, twin.count, twin.previous_sequence = (
            self.manifest, self.head, self.count, self.previous_sequence)
        return twin

    def line(self, raw: bytes, expected_digest: str | None = None) -> ExportReport | None:
        """Take the next line (with its "\n"); `expected_digest`: its SHA-256 in the intact CSV, or None
        (no CSV, or an altered one). A problem found on this line, or None."""
        self.count += 1
        count = self.count
        if not raw.endswith(b"\n"):
            return ExportReport(count, f"line {count}: truncated (no final newline)", count)
        line = raw[:-1]
        digest = hashlib.sha256(line).digest()
        self.head = hashlib.sha256(self.head + digest).digest()
        if expected_digest is not None and expected_digest != digest.hex():
            return ExportReport(count, f"line {count}: altered, removed or moved (its SHA-256 differs from {CSV})", count)
        match = SEQUENCE.match(line)
        if match is None:
            return ExportReport(count, f"line {count}: not a CloudEvent with a sequence", count)
        sequence = int(match.group(1))
        if count == 1 and sequence != self.manifest.first_sequence:
            return ExportReport(count, f"line 1: sequence {sequence}, the manifest says {self.manifest.first_sequence}", 1)
        if self.previous_sequence is not None and sequence <= self.previous_sequence:
            return ExportReport(count, f"line {count}: sequence {sequence} out of order", count)
        self.previous_sequence = sequence
        return None

    def end(self) -> ExportReport | None:
        """After the last line: the count, the last sequence and the chain's head against the manifest."""
        count, manifest = self.count, self.manifest
        if count != manifest.count:
            return ExportReport(count, f"count: {count} lines, the manifest says {manifest.count}", count + 1)
        if self.previous_sequence != manifest.last_sequence:
            return ExportReport(count, f"last sequence {self.previous_sequence}, the manifest says {manifest.last_sequence}", count)
        if self.head != manifest.head:
            return ExportReport(count, "chain head differs from the manifest: a line was altered, removed or moved")
        return None


def verify_export(directory: Path, public_key: Ed25519PublicKey) -> ExportReport:
    for name in (MANIFEST, SIGNATURE, JSONL, CSV):
        if not (directory / name).is_file():
            return ExportReport(0, f"{name} is missing from {directory}")
    with open(directory / JSONL, "rb") as jsonl, open(directory / CSV, "rb") as csv_file:
        return verify_streams(
            (directory / MANIFEST).read_bytes(), (directory / SIGNATURE).read_bytes(), jsonl, csv_file, public_key
        )


def verify_export_by_key_id(directory: Path, keys: Mapping[str, Ed25519PublicKey]) -> ExportReport:
    """Like verify_export, with the key the manifest names among `keys` (current and previous keys).

    The manifest's key id is read before its signature is checked, only to choose the key: the
    signature is then checked with that key, so an edited id makes it fail."""
    try:
        key_id = Manifest.parse((directory / MANIFEST).read_bytes()).public_key_id
    except (OSError, ValueError):
        key_id = ""
    if key_id not in keys:
        if len(keys) == 1:  # one key given: checked as such, and named if it does not verify
            return verify_export(directory, next(iter(keys.values())))
        return ExportReport(0, f"{MANIFEST}: signed by unknown key {key_id or '(none named)'}; trusted keys: "
                               f"{', '.join(keys) or 'none'}")
    return verify_export(directory, keys[key_id])
