"""Sign-in, sessions, throttling and sign-out, as a browser sees them."""
from __future__ import annotations

import dataclasses
import re
from typing import Any
from uuid import UUID

import pytest
import uvicorn
from litestar.testing import TestClient

from infrastructure.bootstrap import Services
from infrastructure.settings import Settings, SettingsError
from infrastructure.web_sessions import LoginThrottle
from tests.web.conftest import HTMX, PASSWORD, candidate_form, created_id, csrf_token, login, post
from web.app import CSRF_COOKIE, create_app
from web.auth.sessions import SESSION_COOKIE
from web.cli_serve import forwarded_options

WRONG = "Identifiant ou mot de passe incorrect."


def session_rows(services: Services) -> int:
    with services.database.read() as tx:
        return int(tx.fetchone("SELECT COUNT(*) AS n FROM web_sessions")["n"])


def test_health_answers_without_sign_in_and_names_the_database(client, services) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == services.settings.database.describe()
    assert body["database"].startswith("sqlite:")


@pytest.mark.parametrize(
    ("role", "home", "heading"),
    [
        ("advisor", "/conseiller", "Bonjour"),
        ("auditor", "/audit", "Audit"),
        ("compliance", "/conformite", "Conformité"),
        ("admin", "/admin/comptes", "Comptes"),
    ],
)
def test_signing_in_lands_on_the_home_of_the_role(client, open_account, role, home, heading) -> None:
    open_account("marie", role)
    response = login(client, "marie")
    assert response.status_code == 303
    assert response.headers["location"] == home
    page = client.get(home)
    assert page.status_code == 200
    assert f"<h1>{heading}" in page.text
    assert client.get("/", follow_redirects=False).headers["location"] == home


def test_a_signed_in_visitor_of_the_login_page_is_sent_home(advisor) -> None:
    response = advisor.get("/connexion", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/conseiller")


def test_wrong_password_and_unknown_user_get_the_same_answer(client, open_account) -> None:
    open_account("marie")
    wrong = login(client, "marie", "pas-le-bon-mot-de-passe")
    unknown = login(client, "personne", "pas-le-bon-mot-de-passe")
    assert wrong.status_code == unknown.status_code == 400
    assert WRONG in wrong.text and WRONG in unknown.text
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731 - the typed name is echoed back
    assert strip(wrong.text) == strip(unknown.text)
    assert SESSION_COOKIE not in client.cookies
    assert client.get("/conseiller", follow_redirects=False).status_code == 303


def test_sign_in_failure_with_htmx_swaps_the_form_with_the_message(client, open_account) -> None:
    open_account("marie")
    response = login(client, "marie", "faux", htmx=True)
    assert response.status_code == 400
    assert response.text.lstrip().startswith('<form id="login-form"')
    assert "<html" not in response.text
    assert WRONG in response.text


def test_sign_in_with_htmx_redirects_the_whole_page(client, open_account) -> None:
    open_account("marie")
    response = login(client, "marie", htmx=True)
    assert response.status_code == 200
    assert response.headers["hx-redirect"] == "/conseiller"
    assert client.cookies.get(SESSION_COOKIE)


def test_sign_in_is_refused_after_too_many_failures_for_one_account(client, open_account, services) -> None:
    open_account("marie")
    limit = services.settings.login_max_failures
    for _ in range(limit):
        assert login(client, "marie", "faux").status_code == 400
    blocked = login(client, "marie")  # even the right password
    assert blocked.status_code == 429
    assert "Trop de tentatives de connexion" in blocked.text
    assert int(blocked.headers["retry-after"]) > 0
    assert SESSION_COOKIE not in client.cookies


def test_unknown_and_known_names_are_throttled_alike(client, open_account, services) -> None:
    open_account("marie")
    limit = services.settings.login_max_failures
    for _ in range(limit):
        login(client, "fantome", "faux")
    unknown = login(client, "fantome", "faux")
    assert unknown.status_code == 429
    assert "Trop de tentatives de connexion" in unknown.text


def test_failures_from_a_shared_address_do_not_refuse_another_accounts_right_password(
    client, open_account, services
) -> None:
    open_account("marie")
    open_account("paul")
    for _ in range(services.settings.login_max_failures):
        assert login(client, "paul", "faux").status_code == 400  # paul is now blocked, from this address
    for n in range(services.settings.login_max_failures):
        assert login(client, f"inconnu{n}", "faux").status_code == 400
    assert login(client, "paul").status_code == 429  # per account: as before
    assert login(client, "marie").status_code == 303  # same address, her own right password


class TestAddressLimit:
    @pytest.fixture
    def settings_env(self) -> dict[str, str]:
        return {"RELAIS_LOGIN_ADDRESS_MAX_FAILURES": "12"}

    def test_an_address_is_blocked_only_after_its_own_far_higher_limit(self, client, open_account, services) -> None:
        open_account("marie")
        assert services.settings.login_address_max_failures == 12 > services.settings.login_max_failures
        for n in range(12):  # a spray: one wrong password for each of many names
            assert login(client, f"nom{n}", "faux").status_code == 400
        blocked = login(client, "marie")
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


def test_the_default_address_limit_is_far_above_the_account_limit(services) -> None:
    assert services.settings.login_address_max_failures >= 20 * services.settings.login_max_failures


def test_the_throttle_counts_per_account_whatever_the_address_and_forgets_after_the_window(services, clock) -> None:
    throttle = LoginThrottle(services.database, clock, max_failures=3, window_seconds=600)
    account = LoginThrottle.key("account", "marie")
    for n in range(3):
        assert throttle.retry_after([account, LoginThrottle.key("address", f"10.0.0.{n}")]) == 0
        throttle.record_failure([account, LoginThrottle.key("address", f"10.0.0.{n}")])
    assert throttle.retry_after([account, LoginThrottle.key("address", "10.9.9.9")]) > 0
    assert throttle.retry_after([LoginThrottle.key("account", "paul")]) == 0
    clock.advance(seconds=601)
    assert throttle.retry_after([account]) == 0


def test_a_successful_sign_in_resets_the_account_counter(client, open_account, services) -> None:
    open_account("marie")
    for _ in range(services.settings.login_max_failures - 1):
        login(client, "marie", "faux")
    assert login(client, "marie").status_code == 303
    with services.database.read() as tx:
        row = tx.fetchone(
            "SELECT failures FROM login_failures WHERE throttle_key = ?", (LoginThrottle.key("account", "marie"),)
        )
    assert row is None


def test_the_session_cookie_is_httponly_and_samesite_and_the_table_keeps_only_a_digest(
    client, open_account, services
) -> None:
    open_account("marie")
    response = login(client, "marie")
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http, no RELAIS_SECURE_COOKIES
    token = client.cookies[SESSION_COOKIE]
    with services.database.read() as tx:
        rows = tx.fetchall("SELECT token_digest FROM web_sessions")
    assert len(rows) == 1 and rows[0]["token_digest"] != token and token not in rows[0]["token_digest"]


def test_the_session_cookie_is_secure_over_https(make_client, open_account) -> None:
    open_account("marie")
    client = make_client(base_url="https://testserver.local")
    response = login(client, "marie")
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]
    assert response.headers["strict-transport-security"].startswith("max-age=")


class TestSecureCookiesSetting:
    @pytest.fixture
    def settings_env(self) -> dict[str, str]:
        return {"RELAIS_SECURE_COOKIES": "true"}

    def test_secure_cookies_can_be_forced_behind_a_tls_proxy(self, client, open_account) -> None:
        open_account("marie")
        page = client.get("/connexion")
        assert "Secure" in page.headers["set-cookie"]  # the CSRF cookie too
        # The test client speaks plain http and would withhold a Secure cookie: hand it over.
        token = client.cookies.get(CSRF_COOKIE)
        client.cookies.clear()
        client.cookies.set(CSRF_COOKIE, token)
        response = login(client, "marie")
        assert response.status_code == 303
        assert "Secure" in response.headers["set-cookie"]


def csrf_cookie(response) -> str:
    return next(c for c in response.headers.get_list("set-cookie") if c.startswith(CSRF_COOKIE + "="))


def test_over_https_the_csrf_cookie_is_secure_like_the_session_cookie(make_client, open_account) -> None:
    open_account("marie")
    https = make_client("https://testserver.local")
    assert "secure" in csrf_cookie(https.get("/connexion")).lower()
    signed_in = login(https, "marie")
    assert signed_in.status_code == 303
    session = next(c for c in signed_in.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "="))
    assert "secure" in session.lower()
    plain = make_client("http://testserver.local")
    assert "secure" not in csrf_cookie(plain.get("/connexion")).lower()  # plain http (development): not Secure


class TestInsecureCookiesSetting:
    @pytest.fixture
    def settings_env(self) -> dict[str, str]:
        return {"RELAIS_SECURE_COOKIES": "false"}

    def test_the_setting_wins_over_the_scheme_for_the_csrf_cookie_as_for_the_session_cookie(
        self, make_client, open_account
    ) -> None:
        open_account("marie")
        https = make_client("https://testserver.local")
        assert "secure" not in csrf_cookie(https.get("/connexion")).lower()
        signed_in = login(https, "marie")
        session = next(c for c in signed_in.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "="))
        assert "secure" not in session.lower()


def test_signing_in_again_issues_a_fresh_token_and_drops_the_old_one(make_client, client, open_account, services) -> None:
    open_account("marie")
    login(client, "marie")
    first = client.cookies[SESSION_COOKIE]
    login(client, "marie")
    second = client.cookies[SESSION_COOKIE]
    assert first != second
    assert session_rows(services) == 1
    stale = make_client()
    stale.cookies.set(SESSION_COOKIE, first)
    assert stale.get("/conseiller", follow_redirects=False).status_code == 303


def test_logout_ends_the_session_on_the_server(make_client, client, open_account, services) -> None:
    open_account("marie")
    login(client, "marie")
    token = client.cookies[SESSION_COOKIE]
    response = post(client, "/deconnexion")
    assert (response.status_code, response.headers["location"]) == (303, "/connexion")
    assert session_rows(services) == 0
    replay = make_client()
    replay.cookies.set(SESSION_COOKIE, token)
    response = replay.get("/conseiller", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/connexion")


def test_a_session_ends_after_the_idle_timeout(advisor, clock, services) -> None:
    idle = services.settings.session_idle_minutes
    clock.advance(minutes=idle - 1)
    assert advisor.get("/conseiller").status_code == 200
    clock.advance(minutes=idle - 1)  # activity above kept it alive
    assert advisor.get("/conseiller").status_code == 200
    clock.advance(minutes=idle + 1)
    assert advisor.get("/conseiller", follow_redirects=False).status_code == 303
    assert session_rows(services) == 0


def test_a_session_ends_after_the_absolute_timeout_even_when_active(advisor, clock, services) -> None:
    step = max(1, services.settings.session_idle_minutes - 5)
    elapsed = 0
    while elapsed + step < services.settings.session_absolute_hours * 60:
        clock.advance(minutes=step)
        elapsed += step
        assert advisor.get("/conseiller").status_code == 200
    clock.advance(minutes=step)
    assert advisor.get("/conseiller", follow_redirects=False).status_code == 303


def test_an_anonymous_visitor_is_sent_to_the_login_page_and_back(client, open_account) -> None:
    open_account("marie")
    response = client.get("/conseiller/demandeurs?q=lyon", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/connexion?suivant=%2Fconseiller%2Fdemandeurs%3Fq%3Dlyon"
    page = client.get(response.headers["location"])
    assert 'name="suivant" value="/conseiller/demandeurs?q=lyon"' in page.text
    signed = post(client, "/connexion", {"username": "marie", "password": PASSWORD, "suivant": "/conseiller/demandeurs?q=lyon"})
    assert signed.headers["location"] == "/conseiller/demandeurs?q=lyon"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/admin/comptes"])
def test_the_return_address_never_leaves_the_site_nor_the_role_area(client, open_account, target) -> None:
    open_account("marie")
    signed = post(client, "/connexion", {"username": "marie", "password": PASSWORD, "suivant": target})
    assert signed.headers["location"] == "/conseiller"


def test_an_anonymous_htmx_request_gets_401_with_a_redirect_to_the_login_page(client) -> None:
    response = client.get("/conseiller/demandeurs", headers=HTMX, follow_redirects=False)
    assert response.status_code == 401
    assert response.headers["hx-redirect"] == "/connexion"


def test_each_request_gets_its_own_id_and_commands_carry_it_as_correlation_id(advisor, services) -> None:
    first = advisor.get("/conseiller")
    second = advisor.get("/conseiller")
    ids = {first.headers["x-request-id"], second.headers["x-request-id"]}
    assert len(ids) == 2 and all(UUID(i).version == 4 for i in ids)
    response = post(advisor, "/conseiller/demandeurs/nouveau", candidate_form())
    candidate_id = UUID(created_id(response))
    events = [services.app.mapper.to_domain_event(s) for s in services.app.recorder.select_events(candidate_id)]
    provenance = events[0].provenance
    assert provenance.correlation_id == response.headers["x-request-id"]
    account = services.accounts.credentials("alice")
    assert account is not None and provenance.actor_id == account.account.id
    assert provenance.actor_role == "advisor"


def test_the_login_form_carries_a_csrf_token_and_labels(client) -> None:
    page = client.get("/connexion").text
    assert f'name="_csrf_token" value="{csrf_token(client)}"' in page
    for field in ("username", "password"):
        assert f'<label for="f-{field}">' in page and f'id="f-{field}"' in page


def through_uvicorn(services: Services, peer: str, **env: str) -> TestClient[Any]:
    """The app as `relais serve` hands it to uvicorn (its proxy-header options from the settings), reached
    from `peer`: the address of the socket's other end, which only a trusted proxy may override."""
    settings = dataclasses.replace(services.settings, trusted_proxies=Settings.from_env(
        {"RELAIS_DATA_DIR": str(services.settings.data_dir), **env}).trusted_proxies)
    config = uvicorn.Config(create_app(dataclasses.replace(services, settings=settings)), log_config=None,
                            **forwarded_options(settings))
    config.load()
    served = config.loaded_app

    async def from_peer(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            scope["client"] = (peer, 40000)
        await served(scope, receive, send)

    client = TestClient(from_peer, base_url="http://testserver.local")  # type: ignore[arg-type]
    client.__enter__()
    return client


def test_behind_a_trusted_proxy_the_throttle_counts_each_forwarded_client(services, open_account) -> None:
    open_account("marie")
    client = through_uvicorn(services, "10.0.0.5", RELAIS_TRUSTED_PROXIES="10.0.0.5")
    try:
        limit = services.settings.login_address_max_failures
        for n in range(limit):
            assert login(client, f"nom{n}", "faux", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 400
        assert login(client, "marie", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 429
        # Another client behind the same proxy is not that address.
        assert login(client, "marie", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 303
    finally:
        client.__exit__(None, None, None)


def test_without_trusted_proxies_a_forwarded_address_is_ignored(services, open_account) -> None:
    assert services.settings.trusted_proxies == ()
    open_account("marie")
    client = through_uvicorn(services, "10.0.0.9")
    try:
        for n in range(services.settings.login_address_max_failures):
            # A client that makes up a new address each time is still counted at its own.
            assert login(client, f"nom{n}", "faux", headers={"X-Forwarded-For": f"203.0.113.{n % 250}"}).status_code == 400
        assert login(client, "marie", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 429
    finally:
        client.__exit__(None, None, None)


def test_trusted_proxies_are_addresses_or_networks_and_never_everyone(tmp_path) -> None:
    env = {"RELAIS_DATA_DIR": str(tmp_path)}
    assert Settings.from_env(env).trusted_proxies == ()
    given = Settings.from_env({**env, "RELAIS_TRUSTED_PROXIES": "10.0.0.5, 192.168.1.0/24,::1"})
    assert given.trusted_proxies == ("10.0.0.5", "192.168.1.0/24", "::1")
    assert forwarded_options(given) == {"proxy_headers": True, "forwarded_allow_ips": ["10.0.0.5", "192.168.1.0/24", "::1"]}
    assert forwarded_options(Settings.from_env(env)) == {"proxy_headers": False}
    for wrong in ("*", "proxy.local", "10.0.0.300"):
        with pytest.raises(SettingsError, match="RELAIS_TRUSTED_PROXIES"):
            Settings.from_env({**env, "RELAIS_TRUSTED_PROXIES": wrong})
