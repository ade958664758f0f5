"""RELAIS_PHONE_KEY: the key of the phone claims' HMAC (docs/adr/0004)."""
from __future__ import annotations

import base64
from pathlib import Path

import pytest

from infrastructure.settings import Settings, SettingsError

MASTER = "x" * 40


def settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"RELAIS_DATA_DIR": str(tmp_path), "RELAIS_SECRET_KEY": MASTER, **env})


def test_by_default_the_key_is_derived_from_the_master_key_and_is_not_the_master_key(tmp_path: Path) -> None:
    default = settings(tmp_path)
    assert len(default.phone_claim_key) == 32 and default.phone_claim_key != default.secret_key
    assert settings(tmp_path).phone_claim_key == default.phone_claim_key  # every process derives the same
    other_master = settings(tmp_path, RELAIS_SECRET_KEY="y" * 40)
    assert other_master.phone_claim_key != default.phone_claim_key
    assert not (tmp_path / "phone.key").exists()  # no second key file to keep in step


def test_a_configured_key_is_used_as_given_in_base64_or_from_a_passphrase(tmp_path: Path) -> None:
    raw = bytes(range(32))
    assert settings(tmp_path, RELAIS_PHONE_KEY=base64.b64encode(raw).decode()).phone_claim_key == raw
    passphrase = settings(tmp_path, RELAIS_PHONE_KEY="une phrase de passe assez longue pour la clé")
    assert len(passphrase.phone_claim_key) == 32 and passphrase.phone_claim_key != settings(tmp_path).phone_claim_key


def test_a_short_key_is_refused_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="RELAIS_PHONE_KEY"):
        settings(tmp_path, RELAIS_PHONE_KEY="trop courte")
