"""SMS provider and scheduler settings: clear errors, secrets never printed, adapters chosen from them."""
from __future__ import annotations

import pytest

from infrastructure.mistral_reply_reader import MistralReplyReader
from infrastructure.outreach_wiring import build_reply_reader, build_sms_gateway
from infrastructure.settings import Settings, SettingsError
from infrastructure.twilio_sms_gateway import TwilioSmsGateway

SID = "AC" + "0123456789abcdef" * 2
TWILIO = {
    "RELAIS_SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": "s3cret-token-value",
    "TWILIO_FROM": "06 44 00 00 01", "RELAIS_PUBLIC_URL": "https://relais.example.fr/",
}


def settings(**env: str) -> Settings:
    return Settings.from_env({"RELAIS_DATA_DIR": "/tmp/relais-settings-test", "RELAIS_SECRET_KEY": "x" * 32, **env})


def test_the_simulator_is_the_default_and_then_there_is_no_twilio_gateway() -> None:
    chosen = settings()
    assert (chosen.sms_provider, chosen.twilio, chosen.scheduler_enabled) == ("simulator", None, True)
    assert build_sms_gateway(chosen) is None and build_reply_reader(chosen) is None


def test_twilio_settings_are_read_and_normalised_and_the_token_is_never_printed() -> None:
    chosen = settings(**TWILIO)
    assert chosen.twilio is not None
    assert chosen.twilio.from_number == "+33644000001" and chosen.twilio.public_url == "https://relais.example.fr"
    assert chosen.twilio.status_callback_url == "https://relais.example.fr/sms/twilio/status"
    assert chosen.twilio.api_base_url == "https://api.twilio.com"
    assert "s3cret" not in repr(chosen)
    gateway = build_sms_gateway(chosen)
    assert isinstance(gateway, TwilioSmsGateway)
    gateway.close()


def test_with_a_mistral_key_replies_are_read_by_mistral() -> None:
    reader = build_reply_reader(settings(MISTRAL_API_KEY="sk-test"))
    assert isinstance(reader, MistralReplyReader)
    reader.close()


@pytest.mark.parametrize("change, message", [
    ({"RELAIS_SMS_PROVIDER": "carrier-pigeon"}, "RELAIS_SMS_PROVIDER must be one of simulator, twilio"),
    ({"TWILIO_ACCOUNT_SID": ""}, "TWILIO_ACCOUNT_SID is required"),
    ({"TWILIO_ACCOUNT_SID": "AC123"}, "TWILIO_ACCOUNT_SID must look like AC"),
    ({"TWILIO_AUTH_TOKEN": " "}, "TWILIO_AUTH_TOKEN is required"),
    ({"TWILIO_FROM": ""}, "set exactly one of TWILIO_FROM and TWILIO_MESSAGING_SERVICE_SID"),
    ({"TWILIO_MESSAGING_SERVICE_SID": "MG" + "a" * 32}, "set exactly one of"),
    ({"TWILIO_FROM": "", "TWILIO_MESSAGING_SERVICE_SID": "MG12"}, "TWILIO_MESSAGING_SERVICE_SID must look like MG"),
    ({"TWILIO_FROM": "RELAIS"}, "TWILIO_FROM must be a phone number"),
    ({"RELAIS_PUBLIC_URL": ""}, "RELAIS_PUBLIC_URL is required"),
    ({"RELAIS_PUBLIC_URL": "http://relais.example.fr"}, "RELAIS_PUBLIC_URL must be an https:// URL"),
    ({"RELAIS_PUBLIC_URL": "https://relais.example.fr/?a=1"}, "RELAIS_PUBLIC_URL must be an https:// URL"),
    ({"TWILIO_API_BASE_URL": "http://twilio.example.com"}, "TWILIO_API_BASE_URL must be an https:// URL"),
    ({"TWILIO_API_BASE_URL": "https://user:pw@api.twilio.com"}, "TWILIO_API_BASE_URL must be an https:// URL"),
    ({"RELAIS_TWILIO_TIMEOUT_MS": "0"}, "RELAIS_TWILIO_TIMEOUT_MS must be between"),
    ({"RELAIS_SCHEDULER": "sometimes"}, "RELAIS_SCHEDULER must be true or false"),
])
def test_a_setting_relais_cannot_use_is_named_in_the_error(change: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(")) as caught:
        settings(**{**TWILIO, **change})
    assert "s3cret" not in str(caught.value)


def test_twilio_variables_are_ignored_with_the_simulator() -> None:
    assert settings(**{**TWILIO, "RELAIS_SMS_PROVIDER": "simulator", "TWILIO_ACCOUNT_SID": "bad"}).twilio is None


def test_the_scheduler_can_be_kept_out_of_relais_serve() -> None:
    assert settings(RELAIS_SCHEDULER="off").scheduler_enabled is False
