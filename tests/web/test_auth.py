"""Sign-in, sessions, throttling and sign-out, as a browser sees them."""
from __future__ import annotations

import re
from uuid import UUID

import pytest

from infrastructure.bootstrap import Services
from infrastructure.web_sessions import LoginThrottle
from tests.web.conftest import HTMX, PASSWORD, candidate_form, created_id, csrf_token, login, post
from web.app import CSRF_COOKIE
from web.auth.sessions import SESSION_COOKIE

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


def test_sign_in_is_refused_after_too_many_failures_from_one_address(client, open_account, services) -> None:
    open_account("marie")
    for n in range(services.settings.login_max_failures):
        assert login(client, f"inconnu{n}", "faux").status_code == 400
    assert login(client, "marie").status_code == 429


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
