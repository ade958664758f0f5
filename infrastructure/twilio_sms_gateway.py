"""`TwilioSmsGateway`: the `SmsGateway` port on Twilio's Messages REST API, through the `twilio` SDK.

The SDK builds every URL on https://api.twilio.com; `RebasedHttpClient` (its documented
`http_client` extension point) moves them to TWILIO_API_BASE_URL, so tests and proxies speak the
same wire format. The SDK's request log is silenced: it would write recipients' numbers.

A send is never retried here: Twilio's Messages API has no idempotency key, so a second POST after
a lost answer could send the SMS twice. Failures become `SmsSendError` (`maybe_sent` says whether
the request may have reached Twilio: then the caller reconciles with `find()` before any new
attempt; docs/adr/0013-sms-provider-and-scheduler.md):
- "rejected:<status>:<code>" (4xx but 401, 403, 429), not retryable: the message itself is refused
  (e.g. 21211 invalid number, 21610 the person sent STOP to Twilio);
- "auth_error:<status>:<code>" (401, 403), retryable: our account or credentials; nothing was sent;
- "provider_error:429", retryable, not sent; "provider_error:<5xx>", retryable, maybe sent;
- "unavailable" (no connection could be made), retryable, not sent;
- "timeout" or "connection_lost" (after the request left), retryable, maybe sent;
- "invalid_answer" (a 2xx that is not a message), retryable, maybe sent.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

import requests
import urllib3.exceptions
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from application.sms import OutgoingSms, SmsReceipt, SmsSendError
from infrastructure.settings import TWILIO_API_BASE_URL, TwilioSettings

log = logging.getLogger(__name__)

#: Twilio's message statuses -> ours (application/sms.py). "read" is a delivery receipt of RCS and
#: WhatsApp; "canceled" is a scheduled message that will never go; "partially_delivered" is final
#: with some segments lost, which the advisor must see as a problem.
TWILIO_STATUSES = {
    "accepted": "queued", "scheduled": "queued", "queued": "queued",
    "sending": "sent", "sent": "sent",
    "delivered": "delivered", "read": "delivered",
    "undelivered": "undelivered", "partially_delivered": "undelivered",
    "failed": "failed", "canceled": "failed",
}
#: How many of the recipient's latest messages `find` reads (one page, newest first).
FIND_PAGE = 50
#: Our clock and Twilio's may disagree; a message created this long before the attempt still matches.
CLOCK_SKEW = timedelta(minutes=5)


def our_status(twilio_status: str | None) -> str | None:
    """Our status for a Twilio status, or None for one we do not know (or an inbound one)."""
    return TWILIO_STATUSES.get((twilio_status or "").strip().lower())


def _quiet_logger() -> logging.Logger:
    quiet = logging.getLogger("relais.twilio-sdk-silenced")
    quiet.disabled = True  # the SDK logs query strings (recipients' numbers) at INFO
    quiet.propagate = False
    return quiet


class RebasedHttpClient(TwilioHttpClient):
    """The SDK's HTTP client, with the API address replaced by `base_url` and a fixed timeout."""

    def __init__(self, base_url: str, timeout_s: float) -> None:
        super().__init__(pool_connections=True, timeout=timeout_s, logger=_quiet_logger())
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: object, **kwargs: object) -> Response:  # type: ignore[override]
        if url.startswith(TWILIO_API_BASE_URL):
            url = self.base_url + url[len(TWILIO_API_BASE_URL):]
        return super().request(method, url, *args, **kwargs)  # type: ignore[arg-type]

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


class TwilioSmsGateway:
    """`SmsGateway` on Twilio. One instance per process; the SDK client is thread-safe for requests."""

    name = "twilio"

    def __init__(self, settings: TwilioSettings) -> None:
        self.settings = settings
        self.http = RebasedHttpClient(settings.api_base_url, settings.timeout_ms / 1000)
        # A non-empty `environment`: the SDK would otherwise read TWILIO_EDGE / TWILIO_REGION from
        # os.environ and rename the host, escaping TWILIO_API_BASE_URL.
        self.client = Client(settings.account_sid, settings.auth_token, settings.account_sid,
                             http_client=self.http, environment={"RELAIS": "settings-only"})

    def close(self) -> None:
        self.http.close()

    def send(self, sms: OutgoingSms) -> SmsReceipt:
        sender = {"from_": self.settings.from_number} if self.settings.from_number else {
            "messaging_service_sid": self.settings.messaging_service_sid}
        try:
            message = self.client.messages.create(
                to=sms.to_phone, body=sms.body, status_callback=self.settings.status_callback_url,
                smart_encoded=False,  # the body stays as approved, and `find` can match it exactly
                **sender,
            )
        except TwilioRestException as error:
            raise _send_error(error) from error
        except requests.RequestException as error:
            raise _transport_error(error) from error
        except (TwilioException, ValueError, KeyError, TypeError) as error:  # a 2xx that is not a message
            raise SmsSendError("invalid_answer", retryable=True, maybe_sent=True) from error
        status = our_status(message.status) or "queued"
        if not message.sid:
            raise SmsSendError("invalid_answer", retryable=True, maybe_sent=True)
        log.info("sms %s handed to Twilio as %s (%s)", sms.message_id, message.sid, status)
        return SmsReceipt(message.sid, status, str(message.error_code or ""))

    def find(self, sms: OutgoingSms, attempted_at: datetime) -> SmsReceipt | None:
        """Twilio's record of `sms` if it got it after `attempted_at`, else None.

        Reads one page of the recipient's newest messages from our sender and matches the exact
        body among those created since the attempt (minus CLOCK_SKEW). Not filtered on DateSent:
        a message Twilio still queues has none. Limits: more than FIND_PAGE messages to the same
        person since the attempt, or two identical bodies to them in that window, cannot be told
        apart (our bodies differ per step and outreach). Raises SmsSendError when Twilio cannot be
        asked: then nothing may be resent yet.
        """
        sender = {"from_": self.settings.from_number} if self.settings.from_number else {}
        try:
            messages = self.client.messages.list(to=sms.to_phone, limit=FIND_PAGE, page_size=FIND_PAGE, **sender)
        except TwilioRestException as error:
            raise _send_error(error) from error
        except requests.RequestException as error:
            raise _transport_error(error) from error
        except (TwilioException, ValueError, KeyError, TypeError) as error:
            raise SmsSendError("invalid_answer", retryable=True) from error
        since = attempted_at - CLOCK_SKEW
        for message in messages:
            created = message.date_created
            if message.body == sms.body and message.direction != "inbound" and (
                not isinstance(created, datetime) or created >= since
            ):
                return SmsReceipt(message.sid, our_status(message.status) or "queued", str(message.error_code or ""))
        return None


def _transport_error(error: requests.RequestException) -> SmsSendError:
    """Whether the request could have reached Twilio decides between "unavailable" and a reconciliation."""
    if isinstance(error, requests.ConnectTimeout | requests.exceptions.SSLError):
        return SmsSendError("unavailable", retryable=True)
    if isinstance(error, requests.Timeout):
        return SmsSendError("timeout", retryable=True, maybe_sent=True)
    cause = error.args[0] if error.args else None
    if isinstance(cause, urllib3.exceptions.MaxRetryError) and isinstance(
        cause.reason, urllib3.exceptions.NewConnectionError  # refused, unreachable, unknown host
    ):
        return SmsSendError("unavailable", retryable=True)
    return SmsSendError("connection_lost", retryable=True, maybe_sent=True)


def _send_error(error: TwilioRestException) -> SmsSendError:
    status = int(error.status or 0)
    if status == 429:  # refused before any processing
        return SmsSendError("provider_error:429", retryable=True)
    if status >= 500 or status == 0:  # a gateway error may hide an accepted message
        return SmsSendError(f"provider_error:{status}", retryable=True, maybe_sent=True)
    if status in (401, 403):  # our credentials or account rights: nothing was sent, fixable by an admin
        return SmsSendError(f"auth_error:{status}:{error.code or ''}", retryable=True)
    return SmsSendError(f"rejected:{status}:{error.code or ''}", retryable=False)
