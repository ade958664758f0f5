"""Page and fragment tests through Litestar's TestClient, on a real bootstrap (SQLite).

The root conftest gives `clock` (an advanceable clock) and `fast_passwords` (real
argon2id with cheap parameters: argon2 needs memory_cost >= 8 x parallelism, so the
brief's memory_cost=8 is refused with the default parallelism of 4).
"""
from __future__ import annotations

import logging
from html import unescape
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import TestClient

from application.caller import Caller
from infrastructure.bootstrap import Services, bootstrap
from infrastructure.passwords import Argon2PasswordHasher
from infrastructure.settings import Settings
from tests.conftest import AdvanceableClock
from web.app import CSRF_COOKIE, create_app
from web.auth.sessions import SESSION_COOKIE

PASSWORD = "mot-de-passe-assez-long"
AGENCY = "lyon-est"
OTHER_AGENCY = "paris-nord"
HTMX = {"HX-Request": "true"}


def make_settings(data_dir: Path, **extra: str) -> Settings:
    return Settings.from_env({"RELAIS_DATA_DIR": str(data_dir), "RELAIS_SEED_DEMO": "0", **extra})


@pytest.fixture
def settings_env() -> dict[str, str]:
    """Extra RELAIS_* variables for one test (override the fixture to change them)."""
    return {}


@pytest.fixture
def services(
    tmp_path: Path,
    clock: AdvanceableClock,
    fast_passwords: Argon2PasswordHasher,
    settings_env: dict[str, str],
) -> Iterator[Services]:
    built = bootstrap(make_settings(tmp_path, **settings_env), clock=clock, passwords=fast_passwords)
    yield built
    built.close()


@pytest.fixture
def make_client(services: Services) -> Iterator[Callable[..., TestClient[Any]]]:
    clients: list[TestClient[Any]] = []

    def make(base_url: str = "http://testserver.local") -> TestClient[Any]:
        client = TestClient(create_app(services), base_url=base_url)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient[Any]]) -> TestClient[Any]:
    return make_client()


@pytest.fixture
def open_account(services: Services) -> Callable[..., str]:
    """Create an account through the application, as an operator would (`relais create-user`)."""

    def open_(username: str, role: str = "advisor", agency: str = AGENCY, password: str = PASSWORD) -> str:
        account_id = services.app.open_account(username, role, agency if role == "advisor" else "", password,
                                               Caller.cli(f"test-{uuid4()}"))
        return str(account_id)

    return open_


def csrf_token(client: TestClient[Any]) -> str:
    """The CSRF token (the cookie value is also the form token); a GET sets it if needed."""
    token = client.cookies.get(CSRF_COOKIE)
    if token is None:
        client.get("/connexion")
        token = client.cookies.get(CSRF_COOKIE)
    assert token, "the CSRF cookie was not set by a GET"
    return token


def post(
    client: TestClient[Any], url: str, data: dict[str, Any] | None = None, *, htmx: bool = False, **kwargs: Any
) -> Any:
    """A form POST as the browser sends it: the hidden `_csrf_token` field (htmx adds the header too)."""
    token = csrf_token(client)
    headers = dict(kwargs.pop("headers", {}))
    if htmx:
        headers.update(HTMX)
        headers["x-csrftoken"] = token
    return client.post(
        url, data={**(data or {}), "_csrf_token": token}, headers=headers, follow_redirects=False, **kwargs
    )


def login(client: TestClient[Any], username: str, password: str = PASSWORD, **kwargs: Any) -> Any:
    return post(client, "/connexion", {"username": username, "password": password}, **kwargs)


@pytest.fixture
def signed_in(make_client: Callable[..., TestClient[Any]], open_account: Callable[..., str]) -> Callable[..., TestClient[Any]]:
    """A new client signed in as a new account of the given role (and agency)."""

    def sign_in(role: str = "advisor", agency: str = AGENCY, username: str | None = None) -> TestClient[Any]:
        name = username or f"{role}-{uuid4().hex[:6]}"
        open_account(name, role, agency)
        client = make_client()
        response = login(client, name)
        assert response.status_code == 303, response.text
        assert client.cookies.get(SESSION_COOKIE)
        return client

    return sign_in


@pytest.fixture
def advisor(signed_in: Callable[..., TestClient[Any]]) -> TestClient[Any]:
    return signed_in("advisor", AGENCY, "alice")


def candidate_form(**changes: str) -> dict[str, str]:
    values = {
        "first_name": "Camille",
        "last_name": "Martin",
        "phone": "06 12 34 56 78",
        "commune": "Villeurbanne",
        "rome_codes": "K2204",
        "skills": "nettoyage de locaux, tri des déchets",
        "available_from": "2026-12-01",
        "mobility_km": "15",
        "notes": "",
        "sms_consent": "on",
    }
    values.update(changes)
    return values


def offer_form(**changes: str) -> dict[str, str]:
    values = {
        "title": "Agent de propreté",
        "rome_code": "K2204",
        "skills": "nettoyage de locaux",
        "commune": "Lyon",
        "contract_type": "CDI",
        "hours_per_week": "35",
        "salary_min": "22000",
        "salary_max": "24000",
        "description": "Poste du matin.",
    }
    values.update(changes)
    return values


def created_id(response: Any) -> str:
    """The id at the end of the URL a successful form POST sends the browser to."""
    location = response.headers.get("location") or response.headers.get("hx-redirect")
    assert location, f"no redirect (status {response.status_code}): {response.text[:500]}"
    return location.rstrip("/").rsplit("/", 1)[-1]


def field_error(html: str, field: str) -> str | None:
    """The error shown beside a field, if the field points at it with aria-describedby."""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*id="f-{field}"[^>]*>', html)
    if tag is None or f"f-{field}-error" not in tag.group(0) or 'aria-invalid="true"' not in tag.group(0):
        return None
    message = re.search(rf'<small id="f-{field}-error" class="field-error">([^<]*)</small>', html)
    return unescape(message.group(1)) if message else None


def input_value(html: str, field: str) -> str | None:
    tag = re.search(rf'<input[^>]*id="f-{field}"[^>]*>', html)
    if tag is None:
        return None
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return unescape(value.group(1)) if value else None


def recorded_changes(services: Any) -> int:
    """Stored events, leaving out the auditors' own page views (issue 5 records each of them)."""
    notifications = services.app.recorder.select_notifications(start=0, limit=100_000)
    return sum(1 for n in notifications if not n.topic.endswith("AuditAccess.PageOpened"))


class Captured(logging.Handler):
    """Every record that reaches the root logger (Litestar replaces the root's handlers when an app is made)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        """What the server logged: the test client's own lines (httpx, with the URLs it asked for) left out."""
        return "\n".join(f"{r.name} {r.getMessage()}" for r in self.records if not r.name.startswith("httpx"))
