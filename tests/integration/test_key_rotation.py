"""Rotating the log's signing key, on SQLite and PostgreSQL: what the old key signed stays trusted because the
new key vouches for it; verify-log and verify-export pick each signature's key by its id; a checkpoint signed
by an unknown key fails naming it; and rows an attacker adds with SQL (a key of their own, a succession they
signed themselves) make no forged checkpoint pass: trust starts from the keys in the settings only."""
from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest

from infrastructure.audit_log import AuditLog
from infrastructure.bootstrap import Services
from infrastructure.export_verifier import verify_export_by_key_id
from infrastructure.key_ring import succession_message
from infrastructure.log_chain import Checkpoint
from infrastructure.signing_key import KEY_FILE, SigningKey, key_id_of, load_public_pems, raw_public, replace_key_file
from tests.integration.helpers import advisor, details, mobile


def audit_of(services: Services) -> AuditLog:
    assert services.audit is not None
    return services.audit


def register(services: Services, count: int, start: int) -> None:
    for n in range(count):
        services.app.register_candidate(details(phone=mobile(start + n)), True, advisor())


def rotated(make_services: Callable[..., Services], tmp_path: Path) -> tuple[Services, Services, SigningKey, Path, Path]:
    """Old key: 3 people, sealed and exported; rotation; new key: 3 more, sealed and exported."""
    before = make_services()
    register(before, 3, 0)
    old = audit_of(before)
    old_export = tmp_path / "export-old"
    old.exporter.export(old_export)
    seed = secrets.token_bytes(32)
    following = SigningKey.from_seed(seed)
    sealed, _ = old.rotate(following)
    assert sealed == 1  # what was not sealed yet is sealed with the old key first
    replace_key_file(before.settings.data_dir / KEY_FILE, seed)
    after = make_services()  # a process started after the rotation: it signs with the new key
    assert audit_of(after).key.key_id == following.key_id != old.key.key_id
    register(after, 3, 10)
    assert len(audit_of(after).checkpoints.write_checkpoint(force=True)) == 1
    new_export = tmp_path / "export-new"
    audit_of(after).exporter.export(new_export)
    return before, after, following, old_export, new_export


def test_after_a_rotation_old_and_new_checkpoints_and_exports_verify_by_their_key_id(
    make_services: Callable[..., Services], tmp_path: Path
) -> None:
    before, after, following, old_export, new_export = rotated(make_services, tmp_path)
    audit = audit_of(after)
    report = audit.verify()
    assert report.ok and report.checkpoints == 2 and report.unanchored > 0  # the export record came later
    keys = audit.keys.trusted()
    previous = audit_of(before).key.key_id
    assert list(keys) == [following.key_id, previous]
    assert (keys[previous].source, keys[previous].successor_id) == ("vouched", following.key_id)
    trusted = {key_id: key.public_key for key_id, key in keys.items()}
    assert verify_export_by_key_id(old_export, trusted).ok and verify_export_by_key_id(new_export, trusted).ok
    # The public bundle (/compliance/export-key, `relais export-public-key`): the current key first, then the old.
    bundle = load_public_pems(audit.keys.pem_bundle().encode())
    assert [key_id_of(k) for k in bundle] == [following.key_id, previous]
    assert verify_export_by_key_id(old_export, {key_id_of(k): k for k in bundle}).ok
    # Alone, the new key does not verify what the old one signed, and says which key it tried.
    alone = verify_export_by_key_id(old_export, {following.key_id: following.public_key})
    assert not alone.ok and following.key_id in (alone.problem or "")


def test_a_checkpoint_signed_by_an_unknown_key_fails_naming_it_and_forged_key_rows_do_not_help(
    make_services: Callable[..., Services], tmp_path: Path
) -> None:
    _, after, following, _, _ = rotated(make_services, tmp_path)
    audit = audit_of(after)
    intruder = SigningKey.from_seed(secrets.token_bytes(32))
    forge_last_checkpoint(after, intruder)

    def problem() -> str:
        audit.keys._cached = None  # as another process would, a few seconds later
        report = audit.verify()
        assert report.problem is not None and report.problem.kind == "checkpoint_signature"
        return report.problem.detail

    assert f"signed by unknown key {intruder.key_id}" in problem()
    # With SQL access: record the intruder's key, and successions it signed itself (it cannot sign as a trusted key).
    now = "2026-11-29T00:00:00+00:00"
    with after.database.transaction() as tx:
        tx.execute("INSERT INTO signing_keys (key_id, public_key, first_used_at) VALUES (?, ?, ?)",
                   (intruder.key_id, b64(raw_public(intruder.public_key)), now))
        for vouching in (intruder, SigningKey.from_seed(secrets.token_bytes(32))):
            message = succession_message(raw_public(intruder.public_key), raw_public(following.public_key), now)
            tx.execute(
                "INSERT INTO signing_key_successions (previous_id, next_id, previous_public_key, next_public_key, "
                "rotated_at, handover, vouch) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (intruder.key_id, following.key_id + vouching.key_id[:4], b64(raw_public(intruder.public_key)),
                 b64(raw_public(following.public_key)), now, intruder.sign_base64(message), vouching.sign_base64(message)),
            )
    assert f"signed by unknown key {intruder.key_id}" in problem()
    assert audit.keys.recorded_untrusted() == [intruder.key_id]
    assert intruder.key_id not in audit.keys.trusted()


def test_a_key_rotated_by_hand_is_trusted_once_the_operator_lists_it(
    make_services: Callable[..., Services], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = make_services()
    register(before, 3, 0)
    assert audit_of(before).write_checkpoint() == 1
    old = audit_of(before).key
    replace_key_file(before.settings.data_dir / KEY_FILE, secrets.token_bytes(32))  # no `rotate-signing-key`
    report = audit_of(make_services()).verify()
    assert report.problem is not None and f"unknown key {old.key_id}" in report.problem.detail
    monkeypatch.setenv("RELAIS_TRUSTED_SIGNING_KEYS", b64(raw_public(old.public_key)))
    trusting = audit_of(make_services())
    assert trusting.verify().ok and trusting.keys.trusted()[old.key_id].source == "configured"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def forge_last_checkpoint(services: Services, key: SigningKey) -> None:
    """Re-sign the latest checkpoint with another key, as someone with SQL access and their own key could."""
    latest = audit_of(services).checkpoints.latest()
    assert latest is not None
    forged = Checkpoint(latest.sequence, latest.first_id, latest.last_id, latest.count, latest.previous_head,
                        latest.head, latest.created_at, key.key_id)
    with services.database.transaction() as tx:
        tx.execute("UPDATE log_checkpoints SET key_id = ?, signature = ? WHERE sequence = ?",
                   (key.key_id, key.sign_base64(forged.message()), latest.sequence))
