"""The real twilio SDK, through TwilioSmsGateway, against a fake Twilio Messages API on 127.0.0.1."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from application.sms import SMS_STATUSES, OutgoingSms, SmsSendError
from infrastructure.settings import Settings
from infrastructure.twilio_sms_gateway import TWILIO_STATUSES, TwilioSmsGateway
from tests.contract.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, MESSAGES_PATH, FakeTwilio

SENDER = "+33644000001"
SMS = OutgoingSms("rl-0001", "+33612345678", "Bonjour, une offre d'agent de propreté vous intéresse ? STOP pour arrêter.")


def settings(base_url: str, **extra: str) -> Settings:
    env = {
        "RELAIS_SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": SENDER, "TWILIO_API_BASE_URL": base_url, "RELAIS_PUBLIC_URL": "https://relais.example.fr",
        "RELAIS_TWILIO_TIMEOUT_MS": "500", **extra,
    }
    return Settings.from_env(env)


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture
def make_gateway(fake_twilio: FakeTwilio) -> Iterator[Callable[..., TwilioSmsGateway]]:
    built: list[TwilioSmsGateway] = []

    def make(base_url: str | None = None, **extra: str) -> TwilioSmsGateway:
        twilio = settings(base_url or fake_twilio.url, **extra).twilio
        assert twilio is not None
        gateway = TwilioSmsGateway(twilio)
        built.append(gateway)
        return gateway

    yield make
    for gateway in built:
        gateway.close()


def test_a_send_posts_the_form_twilio_expects_and_returns_its_message_sid(
    make_gateway: Callable[..., TwilioSmsGateway], fake_twilio: FakeTwilio
) -> None:
    receipt = make_gateway().send(SMS)
    (request,) = fake_twilio.creations()
    assert request.path == MESSAGES_PATH
    assert request.form["To"] == [SMS.to_phone] and request.form["Body"] == [SMS.body]
    assert request.form["From"] == [SENDER] and "MessagingServiceSid" not in request.form
    assert request.form["StatusCallback"] == ["https://relais.example.fr/sms/twilio/status"]
    assert request.form["SmartEncoded"] == ["false"]
    assert receipt.provider_message_id == fake_twilio.messages[0]["sid"] and receipt.status == "queued"


def test_a_messaging_service_sends_in_place_of_a_number(
    make_gateway: Callable[..., TwilioSmsGateway], fake_twilio: FakeTwilio
) -> None:
    service = "MG" + "ab" * 16
    make_gateway(TWILIO_FROM="", TWILIO_MESSAGING_SERVICE_SID=service).send(SMS)
    (request,) = fake_twilio.creations()
    assert request.form["MessagingServiceSid"] == [service] and "From" not in request.form


def test_wrong_credentials_are_refused_by_the_server_and_reported_as_an_auth_error(
    make_gateway: Callable[..., TwilioSmsGateway], fake_twilio: FakeTwilio
) -> None:
    with pytest.raises(SmsSendError) as caught:
        make_gateway(TWILIO_AUTH_TOKEN="not-the-token").send(SMS)
    assert caught.value.reason == "auth_error:401:20003" and caught.value.retryable and not caught.value.maybe_sent
    assert fake_twilio.messages == []


@pytest.mark.parametrize("mode, reason, retryable, maybe_sent", [
    ("error_400", "rejected:400:21211", False, False),
    ("error_401", "auth_error:401:20003", True, False),
    ("error_429", "provider_error:429", True, False),
    ("error_500", "provider_error:500", True, True),
    ("garbage", "invalid_answer", True, True),
    ("drop", "connection_lost", True, True),
])
def test_each_provider_failure_becomes_an_sms_send_error(
    make_gateway: Callable[..., TwilioSmsGateway], fake_twilio: FakeTwilio, mode: str, reason: str, retryable: bool,
    maybe_sent: bool,
) -> None:
    fake_twilio.mode = mode
    with pytest.raises(SmsSendError) as caught:
        make_gateway().send(SMS)
    assert (caught.value.reason, caught.value.retryable, caught.value.maybe_sent) == (reason, retryable, maybe_sent)
    assert len(fake_twilio.creations()) == 1  # a send is never retried by the adapter


def test_a_lost_answer_times_out_once_and_find_then_sees_the_message_twilio_kept(
    make_gateway: Callable[..., TwilioSmsGateway], fake_twilio: FakeTwilio
) -> None:
    fake_twilio.mode = "slow"  # Twilio keeps the message and answers after the gateway's timeout
    gateway = make_gateway()
    attempted_at = datetime.now(UTC)
    with pytest.raises(SmsSendError) as caught:
        gateway.send(SMS)
    assert caught.value.reason == "timeout" and caught.value.retryable and caught.value.maybe_sent
    assert len(fake_twilio.creations()) == 1  # sent once, not again after the timeout
    found = gateway.find(SMS, attempted_at)
    assert found is not None and found.provider_message_id == fake_twilio.messages[0]["sid"]
    assert found.status == "queued"


def test_a_refused_connection_is_unavailable_and_retryable(
    make_gateway: Callable[..., TwilioSmsGateway], closed_port_url: str
) -> None:
    with pytest.raises(SmsSendError) as caught:
        make_gateway(closed_port_url).send(SMS)
    assert (caught.value.reason, caught.value.retryable, caught.value.maybe_sent) == ("unavailable", True, False)


def test_find_returns_none_when_twilio_never_got_the_message(
    make_gateway: Callable[..., TwilioSmsGateway], fake_twilio: FakeTwilio
) -> None:
    now = datetime.now(UTC)
    fake_twilio.add_message(SMS.to_phone, "Un autre message.", now)  # another body
    fake_twilio.add_message("+33699999999", SMS.body, now)  # someone else
    fake_twilio.add_message(SMS.to_phone, SMS.body, now - timedelta(days=2))  # an older identical text
    assert make_gateway().find(SMS, now) is None
    (request,) = [r for r in fake_twilio.received if r.method == "GET"]
    assert request.query["To"] == [SMS.to_phone] and request.query["From"] == [SENDER]


def test_find_reports_the_status_twilio_holds(
    make_gateway: Callable[..., TwilioSmsGateway], fake_twilio: FakeTwilio
) -> None:
    now = datetime.now(UTC)
    kept = fake_twilio.add_message(SMS.to_phone, SMS.body, now + timedelta(seconds=1), status="delivered")
    found = make_gateway().find(SMS, now)
    assert found is not None and (found.provider_message_id, found.status) == (kept["sid"], "delivered")


def test_find_cannot_decide_when_twilio_cannot_be_asked(
    make_gateway: Callable[..., TwilioSmsGateway], closed_port_url: str
) -> None:
    with pytest.raises(SmsSendError):  # not None: None would allow a resend
        make_gateway(closed_port_url).find(SMS, datetime.now(UTC))


def test_every_twilio_status_maps_to_one_of_ours() -> None:
    assert set(TWILIO_STATUSES.values()) <= set(SMS_STATUSES)
    assert {"queued", "sending", "sent", "delivered", "undelivered", "failed"} <= set(TWILIO_STATUSES)


def test_neither_the_token_nor_the_recipient_reaches_the_logs(
    make_gateway: Callable[..., TwilioSmsGateway], fake_twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    # At INFO (the default and any production level); urllib3's DEBUG lines show request URLs.
    caplog.set_level(logging.INFO)
    gateway = make_gateway()
    gateway.send(SMS)
    gateway.find(SMS, datetime.now(UTC))
    assert AUTH_TOKEN not in caplog.text and SMS.to_phone not in caplog.text and "612345678" not in caplog.text
    assert AUTH_TOKEN not in repr(gateway.settings)
