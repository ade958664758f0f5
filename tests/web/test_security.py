"""Security properties of every page: CSRF, CSP, no caching of personal data, safe errors."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.web.conftest import HTMX, candidate_form, created_id, csrf_token, login, post
from web.app import CSRF_COOKIE, TEMPLATES_DIR

TEMPLATES = sorted(Path(TEMPLATES_DIR).rglob("*.html"))


def test_a_post_without_csrf_token_is_refused_and_writes_nothing(advisor, services) -> None:
    csrf_token(advisor)
    before = services.app.recorder.max_notification_id()
    response = advisor.post("/conseiller/demandeurs/nouveau", data=candidate_form(), follow_redirects=False)
    assert response.status_code == 403
    assert "jeton de sécurité" in response.text
    assert services.app.recorder.max_notification_id() == before


def test_a_post_with_a_forged_csrf_token_is_refused(advisor, services) -> None:
    csrf_token(advisor)
    forged = "0" * 64 + "f" * 64
    response = advisor.post(
        "/conseiller/demandeurs/nouveau", data={**candidate_form(), "_csrf_token": forged}, follow_redirects=False
    )
    assert response.status_code == 403


def test_sign_in_and_sign_out_need_the_csrf_token_too(client, advisor) -> None:
    csrf_token(client)
    assert client.post("/connexion", data={"username": "alice", "password": "x"}).status_code == 403
    csrf_token(advisor)
    assert advisor.post("/deconnexion", follow_redirects=False).status_code == 403
    assert advisor.get("/conseiller").status_code == 200  # still signed in


def test_htmx_requests_pass_the_csrf_token_in_a_header(advisor) -> None:
    token = csrf_token(advisor)
    response = advisor.post(
        "/conseiller/demandeurs/nouveau",
        data=candidate_form(),
        headers={**HTMX, "x-csrftoken": token},
        follow_redirects=False,
    )
    assert response.status_code == 200 and response.headers["hx-redirect"]
    page = advisor.get("/conseiller").text
    assert f'hx-headers=\'{{"x-csrftoken": "{token}"}}\'' in page


def test_the_csrf_cookie_is_not_readable_by_scripts(client) -> None:
    response = client.get("/connexion")
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(CSRF_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie


@pytest.mark.parametrize("url", ["/connexion", "/health", "/nulle-part", "/static/app.css"])
def test_every_response_carries_the_security_headers(client, url) -> None:
    response = client.get(url)
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-request-id"]


def test_pages_with_personal_data_are_not_stored_by_the_browser(advisor) -> None:
    candidate_id = created_id(post(advisor, "/conseiller/demandeurs/nouveau", candidate_form()))
    for url in ("/conseiller/demandeurs", f"/conseiller/demandeurs/{candidate_id}",
                f"/conseiller/demandeurs/{candidate_id}/modifier"):
        assert advisor.get(url).headers["cache-control"] == "no-store", url
    fragment = advisor.get("/conseiller/demandeurs?q=martin", headers=HTMX)
    assert fragment.headers["cache-control"] == "no-store"


def test_static_assets_are_served_locally_and_may_be_cached(client) -> None:
    for asset in ("/static/vendor/htmx.min.js", "/static/vendor/pico.min.css", "/static/app.css"):
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert "no-store" not in response.headers.get("cache-control", "")
    assert 'version:"2.0.' in client.get("/static/vendor/htmx.min.js").text


def test_htmx_is_configured_to_show_4xx_bodies_and_never_to_eval(client) -> None:
    page = client.get("/connexion").text
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page).group(1)
    assert '"allowEval":false' in config and '"allowScriptTags":false' in config
    assert '{"code":"4..","swap":true,"error":false}' in config
    assert '"historyCacheSize":0' in config  # no page copy (personal data) in sessionStorage
    assert "cdn" not in page.lower() and "https://" not in page


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES_DIR)))
def test_templates_hold_no_inline_script_style_or_event_handler(template) -> None:
    text = template.read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", text), "inline <script>"
    assert "<style" not in text and " style=" not in text
    assert not re.search(r"\son[a-z]+=", text), "inline event handler"
    assert "|safe" not in text.replace("csrf_input|safe", ""), "only the CSRF input is marked safe"


def test_every_page_has_a_skip_link_and_french_language(advisor) -> None:
    page = advisor.get("/conseiller/demandeurs").text
    assert '<html lang="fr">' in page
    assert '<a class="skip-link" href="#contenu">' in page and '<main id="contenu"' in page


def test_an_unexpected_error_is_a_french_500_without_details(advisor, services, monkeypatch) -> None:
    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services.candidates, "list_page", broken)
    response = advisor.get("/conseiller/demandeurs")
    assert response.status_code == 500
    assert "Erreur interne" in response.text and response.headers["x-request-id"] in response.text
    assert "secret internals" not in response.text and "Traceback" not in response.text


def test_a_malformed_body_is_a_4xx_not_a_500(advisor) -> None:
    token = csrf_token(advisor)
    response = advisor.post(
        "/conseiller/demandeurs/nouveau",
        content=b'{"first_name": "x"}',
        headers={"content-type": "application/json", "x-csrftoken": token},
        follow_redirects=False,
    )
    assert 400 <= response.status_code < 500


def test_an_unknown_address_is_a_french_404_and_a_wrong_method_a_405(advisor) -> None:
    missing = advisor.get("/nulle-part")
    assert missing.status_code == 404 and "Page introuvable" in missing.text
    wrong = post(advisor, "/conseiller")
    assert wrong.status_code == 405 and "Action non permise" in wrong.text


def test_the_csrf_token_is_renewed_at_sign_in_and_sign_out(client, open_account) -> None:
    open_account("marie")
    anonymous = csrf_token(client)
    login(client, "marie")
    client.get("/conseiller")
    signed = client.cookies.get(CSRF_COOKIE)
    assert signed and signed != anonymous
    post(client, "/deconnexion")
    client.get("/connexion")
    assert client.cookies.get(CSRF_COOKIE) not in (None, signed)
