"""Twilio's webhooks, with real signatures computed by the twilio package's RequestValidator."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from litestar.testing import TestClient
from twilio.request_validator import RequestValidator

from application.sms import InboundSms
from infrastructure.bootstrap import Services
from web.app import create_app

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "webhook-test-token-3f1a"
PUBLIC_URL = "https://relais.example.fr"
TWILIO_ENV = {
    "RELAIS_SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    "TWILIO_FROM": "+33644000001", "RELAIS_PUBLIC_URL": PUBLIC_URL,
}
REPLY = {
    "MessageSid": "SM" + "1" * 32, "SmsSid": "SM" + "1" * 32, "AccountSid": ACCOUNT_SID,
    "From": "+33612345678", "To": "+33644000001", "Body": "Oui, ça m'intéresse <b hx-post='/x'>!</b>",
    "NumMedia": "0", "FromCountry": "FR",
}


class RecordingSmsInbox:
    """The application's two inbound use cases, recorded (the real ones are brief A's)."""

    def __init__(self) -> None:
        self.replies: list[InboundSms] = []
        self.statuses: list[tuple[str, str, str]] = []

    def receive_sms(self, sms: InboundSms) -> None:
        self.replies.append(sms)

    def record_sms_status(self, provider_message_id: str, status: str, error_code: str = "") -> None:
        self.statuses.append((provider_message_id, status, error_code))


@pytest.fixture
def settings_env() -> dict[str, str]:
    return dict(TWILIO_ENV)


@pytest.fixture
def inbox() -> RecordingSmsInbox:
    return RecordingSmsInbox()


@pytest.fixture
def twilio_client(services: Services, inbox: RecordingSmsInbox) -> Any:
    # The same services, with the application's inbound side replaced by the recording inbox.
    with TestClient(create_app(dataclasses.replace(services, app=inbox)), base_url="http://relais-internal.local:8000") as client:
        yield client


def signed_post(client: TestClient[Any], path: str, params: dict[str, str], *, token: str = AUTH_TOKEN,
                url: str | None = None, signature: str | None = None) -> Any:
    """POST the form as Twilio does, signed over the public URL (or `url`) with `token`."""
    computed = RequestValidator(token).compute_signature(url or PUBLIC_URL + path, params)
    return client.post(path, content=urlencode(params), headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature or computed,
    })


def test_a_signed_reply_reaches_the_application_normalised_and_is_answered_with_empty_twiml(
    twilio_client: TestClient[Any], inbox: RecordingSmsInbox, services: Services
) -> None:
    response = signed_post(twilio_client, "/sms/twilio/inbound", {**REPLY, "From": "06 12 34 56 78"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/xml")
    assert response.text.endswith("<Response/>")
    (sms,) = inbox.replies
    assert (sms.provider_message_id, sms.from_phone, sms.to_phone) == (REPLY["MessageSid"], "+33612345678",
                                                                      "+33644000001")
    assert sms.body == REPLY["Body"] and sms.received_at == services.clock.now()


def test_a_status_callback_reaches_the_application_in_our_vocabulary(
    twilio_client: TestClient[Any], inbox: RecordingSmsInbox
) -> None:
    params = {"MessageSid": "SM" + "2" * 32, "MessageStatus": "undelivered", "ErrorCode": "30003",
              "AccountSid": ACCOUNT_SID, "To": "+33612345678"}
    response = signed_post(twilio_client, "/sms/twilio/status", params)
    assert response.status_code == 204
    assert inbox.statuses == [("SM" + "2" * 32, "undelivered", "30003")]


@pytest.mark.parametrize("path", ["/sms/twilio/inbound", "/sms/twilio/status"])
@pytest.mark.parametrize("forgery", ["missing", "wrong_token", "other_url", "tampered", "garbage"])
def test_without_a_valid_signature_the_answer_is_403_and_nothing_happens(
    twilio_client: TestClient[Any], inbox: RecordingSmsInbox, path: str, forgery: str
) -> None:
    params = {**REPLY, "MessageStatus": "delivered"}
    if forgery == "missing":
        response = twilio_client.post(path, content=urlencode(params),
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    elif forgery == "wrong_token":
        response = signed_post(twilio_client, path, params, token="not-our-token")
    elif forgery == "other_url":  # signed for the address the request reached, not our public one
        response = signed_post(twilio_client, path, params, url="http://relais-internal.local:8000" + path)
    elif forgery == "tampered":
        signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + path, params)
        response = signed_post(twilio_client, path, {**params, "Body": "STOP"}, signature=signature)
    else:
        response = signed_post(twilio_client, path, params, signature="bm90IGEgc2lnbmF0dXJl")
    assert response.status_code == 403
    assert inbox.replies == [] and inbox.statuses == []


def test_a_signed_request_for_another_account_is_refused(
    twilio_client: TestClient[Any], inbox: RecordingSmsInbox
) -> None:
    response = signed_post(twilio_client, "/sms/twilio/inbound", {**REPLY, "AccountSid": "AC" + "f" * 32})
    assert response.status_code == 403 and inbox.replies == []


def test_the_same_message_delivered_twice_reaches_the_application_twice_with_the_same_id(
    twilio_client: TestClient[Any], inbox: RecordingSmsInbox
) -> None:
    # Twilio redelivers on a timeout: this layer passes the MessageSid along, the application dedupes.
    for _ in range(2):
        assert signed_post(twilio_client, "/sms/twilio/inbound", REPLY).status_code == 200
    assert [sms.provider_message_id for sms in inbox.replies] == [REPLY["MessageSid"]] * 2


def test_webhooks_need_no_csrf_token_nor_sign_in(twilio_client: TestClient[Any], inbox: RecordingSmsInbox) -> None:
    assert not twilio_client.cookies  # a fresh client: no session, no CSRF cookie
    assert signed_post(twilio_client, "/sms/twilio/inbound", REPLY).status_code == 200


def test_a_sender_that_is_not_a_phone_number_is_acknowledged_and_ignored(
    twilio_client: TestClient[Any], inbox: RecordingSmsInbox
) -> None:
    response = signed_post(twilio_client, "/sms/twilio/inbound", {**REPLY, "From": "INFO-SMS"})
    assert response.status_code == 200 and inbox.replies == []


def test_an_unknown_status_is_acknowledged_and_ignored(
    twilio_client: TestClient[Any], inbox: RecordingSmsInbox
) -> None:
    params = {"MessageSid": "SM" + "3" * 32, "MessageStatus": "teleported", "AccountSid": ACCOUNT_SID}
    assert signed_post(twilio_client, "/sms/twilio/status", params).status_code == 204
    assert inbox.statuses == []


def test_a_signed_form_without_message_sid_is_a_bad_request(
    twilio_client: TestClient[Any], inbox: RecordingSmsInbox
) -> None:
    params = {k: v for k, v in REPLY.items() if k not in ("MessageSid", "SmsSid")}
    assert signed_post(twilio_client, "/sms/twilio/inbound", params).status_code == 400
    assert inbox.replies == []


def test_an_oversized_body_is_refused_before_anything_is_read(twilio_client: TestClient[Any]) -> None:
    response = signed_post(twilio_client, "/sms/twilio/inbound", {**REPLY, "Body": "x" * 40_000})
    assert response.status_code == 413


class TestWithTheSimulator:
    @pytest.fixture
    def settings_env(self) -> dict[str, str]:
        return {}

    @pytest.mark.parametrize("path", ["/sms/twilio/inbound", "/sms/twilio/status"])
    def test_the_twilio_addresses_do_not_exist(
        self, make_client: Callable[..., TestClient[Any]], path: str
    ) -> None:
        response = make_client().post(path, content=urlencode(REPLY),
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status_code == 404
