"""The Litestar application factory: `create_app(services)`; `relais serve` runs it with uvicorn."""
from __future__ import annotations

import base64
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from application.letter import number
from infrastructure.bootstrap import Services
from infrastructure.web_sessions import LoginThrottle, WebSessionStore
from web import labels
from web.auth.csrf import CSRF_COOKIE, csrf_cookie_follows_scheme
from web.auth.sessions import PUBLIC_OPT_KEY, Authenticator, SessionMiddleware
from web.auth.signin import SignIn
from web.audit_trail import AuditTrailMiddleware
from web.controllers.accounts import AccountController
from web.controllers.audit import AuditController
from web.controllers.auth import AuthController
from web.controllers.candidates import CandidateController
from web.controllers.communes import commune_suggestions
from web.controllers.compliance import PeopleController
from web.controllers.health import health
from web.controllers.homes import advisor_home, auditor_home, compliance_home
from web.controllers.imports import ImportController
from web.controllers.letters import LetterController
from web.controllers.offers import OfferController
from web.controllers.oversight import OversightController
from web.controllers.oversight_figures import OversightFiguresController
from web.controllers.retention import retention_page
from web.controllers.shortlists import ShortlistController
from web.controllers.sms_webhooks import sms_webhook_routes
from web.controllers.outreach import OutreachController, OutreachStartController
from web.controllers.sms_simulator import SmsSimulatorController
from web import outreach_labels
from web.controllers.exports import ExportController, export_public_key
from web.controllers.integrity import log_integrity
from web.errors import EXCEPTION_HANDLERS
from web.security import add_security_headers
from web.text_encoding import refuse_undecodable_text

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


class PageEnvironment(Environment):
    """Jinja's environment, with each template's globals in a plain dict instead of a `ChainMap`.

    Jinja chains a template's globals to the environment's (`ChainMap`), and every render,
    include and `{% from ... import %}` copies or compares that chain key by key in Python:
    about 50 µs of the job-seeker list's page (docs/adr/0019, session 6). A dict copies at C speed.
    The one difference: a template sees the environment's globals as they were when it was
    first loaded. `create_app` sets them all before any page is rendered.
    """

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}


def template_environment() -> Environment:
    environment = PageEnvironment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the package; no stat() per render
    )
    environment.filters.update(
        french_date=labels.french_date,
        count=labels.count,
        number=number,
        euros=labels.euros,
        contract=lambda code: labels.label(labels.CONTRACT_LABELS, code),
        closing_reason=lambda code: labels.label(labels.CLOSING_REASON_LABELS, code),
        role=lambda code: labels.label(labels.ROLE_LABELS, code),
        ai_switch_reason=lambda code: labels.label(labels.AI_SWITCH_REASON_LABELS, code),
        rejection_reason=lambda code: labels.label(labels.REJECTION_REASON_LABELS, code),
        acceptance_reason=lambda code: labels.label(labels.ACCEPTANCE_REASON_LABELS, code),
        addition_reason=lambda code: labels.label(labels.MANUAL_ADDITION_REASON_LABELS, code),
        decision=lambda code: labels.label(labels.DECISION_LABELS, code),
        exclusion=lambda code: labels.label(labels.EXCLUSION_LABELS, code),
        fallback_reason=labels.fallback_reason,
        french_datetime=labels.french_datetime,
        erasure_reason=lambda code: labels.label(labels.ERASURE_REASON_LABELS, code),
        erasure_requester=lambda code: labels.label(labels.ERASURE_REQUESTER_LABELS, code),
        activity_kind=lambda code: labels.label(labels.ACTIVITY_KIND_LABELS, code),
    )
    outreach_labels.register(environment)
    return environment


def csrf_secret(services: Services) -> str:
    # Derived from, not equal to, the master key: the CSRF HMAC never sees the key itself.
    return base64.b64encode(b"relais-csrf:" + services.settings.secret_key).decode("ascii")


def create_app(services: Services) -> Litestar:
    settings = services.settings
    sessions = WebSessionStore(
        services.database,
        services.clock,
        idle_seconds=settings.session_idle_minutes * 60,
        absolute_seconds=settings.session_absolute_hours * 3600,
    )
    throttle = LoginThrottle(
        services.database,
        services.clock,
        max_failures=settings.login_max_failures,
        window_seconds=settings.login_window_minutes * 60,
        address_max_failures=settings.login_address_max_failures,
    )
    sign_in = SignIn(services.accounts, services.passwords, sessions, throttle)
    static_files = create_static_files_router(
        path="/static",
        directories=[STATIC_DIR],
        opt={PUBLIC_OPT_KEY: True, "exclude_from_csrf": True},
        cache_control=CacheControlHeader(max_age=3600, public=True),
    )
    environment = template_environment()
    environment.globals["sms_simulator_enabled"] = services.sms_simulator is not None
    return Litestar(
        route_handlers=[
            health,
            static_files,
            AuthController,
            advisor_home,
            auditor_home,
            compliance_home,
            CandidateController,
            commune_suggestions,
            OfferController,
            ShortlistController,
            ImportController,
            AccountController,
            OversightController,
            *sms_webhook_routes(settings),
            OversightFiguresController,
            PeopleController,
            LetterController,
            retention_page,
            AuditController,
            OutreachStartController,
            OutreachController,
            SmsSimulatorController,
            log_integrity,
            ExportController,
            export_public_key,
        ],
        state=State({"services": services, "sign_in": sign_in, "sessions": sessions}),
        template_config=TemplateConfig(
            engine=JinjaTemplateEngine.from_environment(environment),
        ),
        plugins=[HTMXPlugin()],
        middleware=[
            SessionMiddleware(Authenticator(sessions, services.accounts), services.database), AuditTrailMiddleware()
        ],
        csrf_config=CSRFConfig(
            secret=csrf_secret(services),
            cookie_name=CSRF_COOKIE,
            cookie_httponly=True,  # templates put the token in forms and in hx-headers; no script reads it
            cookie_samesite="lax",
            cookie_secure=settings.secure_cookies is True,
            header_name="x-csrftoken",
        ),
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=refuse_undecodable_text,
        before_send=[add_security_headers, csrf_cookie_follows_scheme(settings.secure_cookies)],
        openapi_config=None,
        debug=False,
    )
