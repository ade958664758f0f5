"""The log's hash chain, its checkpoints' signatures, and the signing key's storage."""
from __future__ import annotations

import base64
import hashlib
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from infrastructure.log_chain import (
    GENESIS, Checkpoint, chain, content_digest, head_of_entries, pack_entries, unpack_entries,
)
from infrastructure.signing_key import KEY_FILE, SigningKey, SigningKeyError

ORIGINATOR = bytes(range(16))
RECORDS = [
    (1, ORIGINATOR, 1, b"domain.candidate:Candidate.Registered", b'{"a":1}'),
    (2, ORIGINATOR, 2, b"domain.candidate:Candidate.ProfileChanged", b'{"b":2}'),
    (7, bytes(16), 1, b"domain.offer:Offer.Published", b'{"c":3}'),  # a hole: ids 3..6 rolled back
]


def test_the_chain_follows_its_documented_formula_over_consecutive_records_whatever_the_holes() -> None:
    head = hashlib.sha256(b"relais-log/1").digest()
    assert head == GENESIS
    for notification_id, originator, version, topic, state in RECORDS:
        digest = hashlib.sha256(originator + version.to_bytes(8, "big") + topic + b"\0" + state).digest()
        head = hashlib.sha256(head + notification_id.to_bytes(8, "big") + digest).digest()
    links = list(chain(RECORDS))
    assert [link[0] for link in links] == [1, 2, 7]
    assert links[-1][2] == head


@pytest.mark.parametrize("field", range(5))
def test_changing_any_part_of_a_record_changes_its_link_and_every_link_after_it(field: int) -> None:
    original = list(chain(RECORDS))
    altered = list(RECORDS)
    record = list(altered[1])
    record[field] = record[field] + 1 if isinstance(record[field], int) else record[field][:-1] + b"X"
    altered[1] = tuple(record)  # type: ignore[call-overload]
    changed = list(chain(altered))
    assert changed[0] == original[0]
    assert changed[1][2] != original[1][2] and changed[2][2] != original[2][2]


def test_topic_and_state_cannot_trade_bytes_without_changing_the_digest() -> None:
    assert content_digest(ORIGINATOR, 1, b"a.b:C", b"D{}") != content_digest(ORIGINATOR, 1, b"a.b:CD", b"{}")


def test_a_checkpoint_record_list_round_trips_and_leads_to_the_same_head() -> None:
    links = list(chain(RECORDS))
    blob = pack_entries((notification_id, digest) for notification_id, digest, _ in links)
    assert list(unpack_entries(blob)) == [(n, d) for n, d, _ in links]
    assert head_of_entries(blob, GENESIS) == links[-1][2]


def checkpoint(key: SigningKey) -> Checkpoint:
    unsigned = Checkpoint(1, 1, 7, 3, GENESIS, b"\x01" * 32, "2026-11-30T09:00:00+00:00", key.key_id,
                          entries_sha256=b"\x04" * 32)
    return replace(unsigned, signature=key.sign(unsigned.message()))


@pytest.mark.parametrize(
    "change",
    [dict(sequence=2), dict(first_id=2), dict(last_id=8), dict(count=4), dict(previous_head=b"\x02" * 32),
     dict(head=b"\x03" * 32), dict(created_at="2026-12-01T09:00:00+00:00"), dict(key_id="0000000000000000"),
     dict(entries_sha256=b"\x05" * 32), dict(entries_sha256=b"")],
)
def test_a_checkpoint_signature_covers_every_field(change: dict[str, object]) -> None:
    key = SigningKey.from_seed(bytes(32))
    signed = checkpoint(key)
    assert key.verifies(signed.signature, signed.message())
    forged = replace(signed, **change)
    assert not key.verifies(forged.signature, forged.message())


def test_format_2_signs_the_record_list_digest_and_format_1_does_not_name_it() -> None:
    key = SigningKey.from_seed(bytes(32))
    signed = checkpoint(key)
    assert b'"format":"relais-log-checkpoint/2"' in signed.message()
    assert ('"entries_sha256":"' + "04" * 32 + '"').encode() in signed.message()
    format_1 = replace(signed, entries_sha256=b"").message()
    assert b'"format":"relais-log-checkpoint/1"' in format_1 and b"entries_sha256" not in format_1


def test_another_key_does_not_verify_a_checkpoint() -> None:
    signed = checkpoint(SigningKey.from_seed(bytes(32)))
    assert not SigningKey.from_seed(b"\x01" * 32).verifies(signed.signature, signed.message())


def test_the_key_file_is_made_once_owner_only_and_then_reused(tmp_path: Path) -> None:
    first = SigningKey.load("", tmp_path)
    path = tmp_path / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SigningKey.load("", tmp_path).key_id == first.key_id
    assert len(first.key_id) == 16
    assert "BEGIN PUBLIC KEY" in first.public_pem()


def test_the_configured_seed_wins_over_the_key_file_and_a_bad_one_is_refused(tmp_path: Path) -> None:
    seed = base64.b64encode(b"\x05" * 32).decode()
    assert SigningKey.load(seed, tmp_path).key_id == SigningKey.from_seed(b"\x05" * 32).key_id
    assert not (tmp_path / KEY_FILE).exists()
    with pytest.raises(SigningKeyError):
        SigningKey.load("not-a-seed", tmp_path)
    with pytest.raises(SigningKeyError):
        SigningKey.load(base64.b64encode(b"short").decode(), tmp_path)
