"""One rule decides which recorded fields are secrets, for the auditor's pages and for the export alike."""
from __future__ import annotations

import json

import pytest

from application.audit.state import flatten
from application.secret_fields import MASKED, is_secret, masked
from infrastructure.event_data import EventStateDecoder
from infrastructure.export_lines import ExportLines

ORIGINATOR = bytes(range(16))


@pytest.mark.parametrize("name", ["password_hash", "password", "clientSecret", "auth_token", "api-token",
                                  "Passphrase", "credentials", "smtp.passwd"])
def test_a_field_whose_name_has_a_secret_word_is_secret(name: str) -> None:
    assert is_secret(name)


@pytest.mark.parametrize("name", ["tokens_in", "tokens_out", "key_id", "key", "input_sha256", "head", "username",
                                  "passage", "secretariat", "reason_text", ""])
def test_costs_ids_and_digests_are_not_secrets(name: str) -> None:
    assert not is_secret(name)


def test_secret_values_are_masked_at_any_depth_and_keep_their_place() -> None:
    data = {"username": "camille", "password_hash": "$argon2id$v=19$...", "ai": {"tokens_in": 12},
            "steps": [{"auth_token": "abc", "n": 1}], "provider": {"clientSecret": {"k": "v"}}}
    assert masked(data) == {"username": "camille", "password_hash": MASKED, "ai": {"tokens_in": 12},
                            "steps": [{"auth_token": MASKED, "n": 1}], "provider": {"clientSecret": MASKED}}


def test_the_export_masks_secret_fields_at_any_depth_and_in_value_objects_on_both_decoding_paths() -> None:
    nested = {"password_hash": "$argon2id$a", "steps": [{"authToken": "b", "n": 1}],
              "terms": {"_type_": "provider", "_data_": {"client_secret": {"_type_": "decimal_str", "_data_": "1"}}},
              "ai": {"tokens_in": 12}}
    fast = json.dumps(nested).encode()
    slow = json.dumps({**nested, "huge": 2**70}).encode()  # orjson would lose digits: the standard library reads it
    for stored in (fast, slow):
        decoded = EventStateDecoder(vault=None).decode(stored)
        assert decoded["password_hash"] == decoded["steps"][0]["authToken"] == decoded["terms"]["client_secret"] == MASKED
        assert decoded["ai"] == {"tokens_in": 12} and decoded["steps"][0]["n"] == 1


def test_the_auditors_state_and_the_export_mask_the_same_fields() -> None:
    fields = {"username": "camille", "password_hash": "$argon2id$v=19$m=65536", "ai": {"tokens_in": 12}}
    state = json.dumps({"timestamp": {"_type_": "datetime_iso", "_data_": "2026-11-30T09:00:00+00:00"}, **fields})

    chunk = ExportLines(EventStateDecoder(vault=None)).chunk([(7, ORIGINATOR, 1, b"domain.account:Account.Opened",
                                                              state.encode())])

    exported = json.loads(chunk.jsonl)["data"]
    assert exported == {"username": "camille", "password_hash": MASKED, "ai": {"tokens_in": 12}, "originator_version": 1}
    assert b"argon2" not in chunk.jsonl and b"argon2" not in chunk.csv
    assert flatten(fields) == {"username": "camille", "password_hash": MASKED, "ai.tokens_in": "12"}
