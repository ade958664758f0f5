"""A fake Twilio Messages API on 127.0.0.1: a real HTTP server in a thread, speaking Twilio's wire format.

POST /2010-04-01/Accounts/{sid}/Messages.json (form body) creates a message and answers its JSON
resource (201); GET on the same path lists them newest first, filtered by To and From, as a page
(`messages` plus Twilio's paging keys). Basic auth is checked (account SID : auth token). Every
request is recorded. `server.mode` makes the next creations misbehave: "error_400" (21211),
"error_401" (20003), "error_429" (20429), "error_500", "slow" (answers after `delay` s, but the
message is created, as when an answer is lost), "drop" (creates the message, then closes the
connection without an answer), "garbage" (a 200 that is not a message).
"""
from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.contract.local_server import LocalFakeServer

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token-not-real-5b9d"
MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
ERRORS = {
    "error_400": (400, 21211, "The 'To' number is not a valid phone number."),
    "error_401": (401, 20003, "Authenticate"),
    "error_429": (429, 20429, "Too Many Requests"),
    "error_500": (500, 20500, "Internal Server Error"),
}


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    form: dict[str, list[str]] = field(default_factory=dict)


class FakeTwilio(LocalFakeServer):
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.messages: list[dict[str, Any]] = []  # oldest first
        self.mode = "normal"
        self.delay = 1.5
        super().__init__()

    def creations(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.method == "POST"]

    def add_message(self, to: str, body: str, created: datetime, status: str = "sent",
                    direction: str = "outbound-api", sender: str = "+33644000001") -> dict[str, Any]:
        message = {
            "sid": "SM" + uuid.uuid4().hex, "account_sid": ACCOUNT_SID, "to": to, "from": sender, "body": body,
            "status": status, "direction": direction, "num_segments": "1", "num_media": "0",
            "date_created": format_datetime(created.astimezone(UTC), usegmt=True),
            "date_updated": format_datetime(created.astimezone(UTC), usegmt=True),
            "date_sent": None, "error_code": None, "error_message": None, "price": None, "price_unit": "EUR",
            "api_version": "2010-04-01", "messaging_service_sid": None,
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/placeholder.json", "subresource_uris": {},
        }
        message["uri"] = message["uri"].replace("placeholder", message["sid"])
        with self._lock:
            self.messages.append(message)
        return message

    def _create(self, form: dict[str, list[str]]) -> tuple[int, Any]:
        mode = self.mode
        if mode in ERRORS:
            status, code, text = ERRORS[mode]
            return status, {"code": code, "message": text, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                            "status": status}
        if mode == "garbage":
            return 200, {"hello": "not a message"}
        to, body = form.get("To", [""])[0], form.get("Body", [""])[0]
        if not to or not body or not (form.get("From") or form.get("MessagingServiceSid")):
            return 400, {"code": 21604, "message": "A 'To' phone number is required.", "status": 400}
        message = self.add_message(to, body, datetime.now(UTC), status="queued",
                                   sender=form.get("From", ["+33644000001"])[0])
        if mode == "slow":
            self._stop.wait(self.delay)
        if mode == "drop":
            return 0, None
        return 201, message

    def _list(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        size = int(query.get("PageSize", ["50"])[0])
        with self._lock:
            found = [m for m in reversed(self.messages)
                     if m["to"] == query.get("To", [m["to"]])[0] and m["from"] == query.get("From", [m["from"]])[0]]
        return 200, {
            "messages": found[:size], "end": min(size, len(found)) - 1, "first_page_uri": MESSAGES_PATH,
            "next_page_uri": None, "page": 0, "page_size": size, "previous_page_uri": None, "start": 0,
            "uri": MESSAGES_PATH,
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                received = Received(method, parts.path, parse_qs(parts.query),
                                    {k.lower(): v for k, v in self.headers.items()},
                                    parse_qs(body, keep_blank_values=True) if method == "POST" else {})
                with fake._lock:
                    fake.received.append(received)
                if parts.path != MESSAGES_PATH:
                    return self._send(404, {"code": 20404, "message": "The requested resource was not found",
                                            "status": 404})
                if self.headers.get("Authorization") != expected:
                    return self._send(401, {"code": 20003, "message": "Authenticate", "status": 401})
                if method == "POST":
                    if self.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
                        return self._send(400, {"code": 20001, "message": "not a form", "status": 400})
                    status, payload = fake._create(received.form)
                    if status == 0:  # "drop": no answer at all
                        self.close_connection = True
                        return None
                    return self._send(status, payload)
                return self._send(*fake._list(received.query))

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                self._handle("POST")

            def do_GET(self) -> None:  # noqa: N802
                self._handle("GET")

            def _send(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                pass

        return Handler
