"""Sign in and sign out."""
from __future__ import annotations

import math
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect

from web.auth.identity import identity_of
from web.auth.csrf import CSRF_COOKIE
from web.auth.sessions import SESSION_COOKIE, clear_session_cookie, set_session_cookie, uses_https
from web.auth.signin import SignIn
from web.forms.fields import Form
from web.labels import ROLE_AREAS, ROLE_HOMES
from web.rendering import render, safe_next, see_other, services_of

WRONG_CREDENTIALS = "Identifiant ou mot de passe incorrect."


def throttled_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Trop de tentatives de connexion. Réessayez dans {minutes} {unit}."


def landing(role: str, wanted: str | None) -> str:
    """The page asked for before signing in if the role may see it, else the role's home."""
    area = ROLE_AREAS.get(role)
    if wanted and area and (wanted == area or wanted.startswith(area + "/") or wanted.startswith(area + "?")):
        return wanted
    return ROLE_HOMES.get(role, "/")


class AuthController(Controller):
    @get("/")
    async def root(self, request: Request[Any, Any, Any]) -> Redirect:
        identity = identity_of(request)
        target = ROLE_HOMES.get(identity.account.role, "/connexion") if identity else "/connexion"
        return Redirect(path=target, status_code=303)

    @get("/connexion")
    async def login_page(self, request: Request[Any, Any, Any]) -> Response[Any]:
        identity = identity_of(request)
        wanted = safe_next(request.query_params.get("suivant"))
        if identity is not None:
            return Redirect(path=landing(identity.account.role, wanted), status_code=303)
        return render(
            request, "auth/login.html", {"next_url": wanted, "notice": "Connectez-vous pour continuer." if wanted else None}
        )

    @post("/connexion", sync_to_thread=True)
    def login(self, request: Request[Any, Any, Any], data: URLEncodedBody[dict[str, Any]]) -> Response[Any]:
        form = Form()
        username = form.text(data, "username")
        raw_password = data.get("password", "")
        password = str(raw_password[-1] if isinstance(raw_password, list) and raw_password else raw_password)
        wanted = safe_next(form.text(data, "suivant"))
        address = request.client.host if request.client else "inconnue"
        sign_in: SignIn = request.app.state.sign_in
        result = sign_in.attempt(username, password, address, request.cookies.get(SESSION_COOKIE))
        context = {"username": username, "next_url": wanted}
        if result.throttled:
            return render(
                request,
                "auth/login.html",
                {**context, "failure": throttled_message(result.retry_after)},
                partial="auth/_login_form.html",
                status=429,
                headers={"Retry-After": str(result.retry_after)},
            )
        if result.account is None or result.token is None:
            return render(
                request, "auth/login.html", {**context, "failure": WRONG_CREDENTIALS}, partial="auth/_login_form.html",
                status=400,
            )
        response = see_other(request, landing(result.account.role, wanted))
        set_session_cookie(response, result.token, uses_https(request, services_of(request).settings.secure_cookies))
        response.delete_cookie(CSRF_COOKIE, path="/")  # a fresh CSRF token for the new session
        return response

    @post("/deconnexion", sync_to_thread=True)
    def logout(self, request: Request[Any, Any, Any]) -> Response[Any]:
        sign_in: SignIn = request.app.state.sign_in
        sign_in.sessions.close(request.cookies.get(SESSION_COOKIE))
        response = see_other(request, "/connexion")
        clear_session_cookie(response)
        response.delete_cookie(CSRF_COOKIE, path="/")
        return response
