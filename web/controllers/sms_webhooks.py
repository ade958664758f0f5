"""Twilio's webhooks: POST /sms/twilio/inbound (a reply) and POST /sms/twilio/status (a delivery status).

Twilio posts a form and signs it (`X-Twilio-Signature`: HMAC-SHA1 with our auth token over the URL
it called and the sorted parameters). The URL is rebuilt from RELAIS_PUBLIC_URL, never from the
request's Host header, which anyone can set. The routes skip sign-in and CSRF (Twilio has neither)
but never the signature: without a valid one the answer is 403 and nothing reaches the application.
They exist only when RELAIS_SMS_PROVIDER=twilio; otherwise the addresses answer 404
(docs/adr/0013-sms-provider-and-scheduler.md).

This layer guarantees: authenticity, numbers in E.164, the provider's message id passed along.
Deduplication (the same MessageSid twice) and status ordering belong to the application
(`receive_sms` and `record_sms_status` are idempotent and never move a message backwards).
"""
from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs

import anyio.to_thread
from litestar import Request, Response, post
from twilio.request_validator import RequestValidator

from application.errors import InvalidValueError
from application.phone import normalise_phone
from application.sms import InboundSms
from infrastructure.settings import Settings
from infrastructure.twilio_sms_gateway import our_status
from web.auth.sessions import PUBLIC_OPT_KEY
from web.rendering import services_of

log = logging.getLogger(__name__)
#: Twilio's forms are a few hundred bytes (an SMS body is at most 1,600 characters).
MAX_BODY_BYTES = 32 * 1024
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
WEBHOOK_OPT = {PUBLIC_OPT_KEY: True, "exclude_from_csrf": True}


class FormParams(dict[str, list[str]]):
    """The posted parameters with every value of repeated names (the validator's `getall`)."""

    def getall(self, name: str) -> list[str]:
        return self[name]

    def one(self, name: str) -> str:
        values = self.get(name) or [""]
        return values[0].strip() if name != "Body" else values[0]


def _refused(why: str) -> Response[str]:
    log.warning("Twilio webhook refused: %s", why)
    return Response("forbidden", status_code=403, media_type="text/plain")


async def _signed_form(request: Request[Any, Any, Any]) -> FormParams | Response[str]:
    """The form if Twilio signed it for our account, else the 403 to answer."""
    twilio = services_of(request).settings.twilio
    if twilio is None:  # routes are mounted only with Twilio settings; kept as a guard
        return Response("not found", status_code=404, media_type="text/plain")
    signature = request.headers.get("x-twilio-signature", "")
    if not signature:
        return _refused("no signature")
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        return _refused("not a form")
    try:
        params = FormParams(parse_qs((await request.body()).decode("utf-8"), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError:
        return _refused("body is not UTF-8")
    url = twilio.public_url + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not RequestValidator(twilio.auth_token).validate(url, params, signature):
        return _refused("bad signature")
    if params.one("AccountSid") != twilio.account_sid:
        return _refused("another account")
    return params


async def _signed_message(request: Request[Any, Any, Any]) -> tuple[FormParams, str] | Response[str]:
    """The signed form and the message id it is about, or the answer refusing it."""
    form = await _signed_form(request)
    if isinstance(form, Response):
        return form
    sid = form.one("MessageSid") or form.one("SmsSid")
    if not sid:
        return Response("MessageSid is missing", status_code=400, media_type="text/plain")
    return form, sid


def _e164(raw: str) -> str | None:
    try:
        return normalise_phone(raw)
    except InvalidValueError:
        return None


@post("/sms/twilio/inbound", opt=WEBHOOK_OPT, request_max_body_size=MAX_BODY_BYTES, status_code=200)
async def twilio_inbound(request: Request[Any, Any, Any]) -> Response[str]:
    signed = await _signed_message(request)
    if isinstance(signed, Response):
        return signed
    form, sid = signed
    sender = _e164(form.one("From"))
    if sender is None:
        # A short code or an operator's notice: no conversation can match it; Twilio must not retry.
        log.warning("inbound SMS %s ignored: the sender is not a phone number", sid)
    else:
        services = services_of(request)
        sms = InboundSms(sid, sender, _e164(form.one("To")) or form.one("To"), form.one("Body"),
                         services.clock.now())
        await anyio.to_thread.run_sync(services.app.receive_sms, sms)
    return Response(EMPTY_TWIML, status_code=200, media_type="text/xml")


@post("/sms/twilio/status", opt=WEBHOOK_OPT, request_max_body_size=MAX_BODY_BYTES, status_code=200)
async def twilio_status(request: Request[Any, Any, Any]) -> Response[str]:
    signed = await _signed_message(request)
    if isinstance(signed, Response):
        return signed
    form, sid = signed
    status = our_status(form.one("MessageStatus") or form.one("SmsStatus"))
    if status is None:
        log.warning("status callback for %s ignored: unknown status", sid)
    else:
        services = services_of(request)
        await anyio.to_thread.run_sync(services.app.record_sms_status, sid, status, form.one("ErrorCode"))
    return Response(None, status_code=204)


def sms_webhook_routes(settings: Settings) -> list[Any]:
    """The webhook routes to mount: Twilio's when it is the provider, none otherwise (404)."""
    return [twilio_inbound, twilio_status] if settings.twilio is not None else []
