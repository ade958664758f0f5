"""The administrator's AI switch: the "stop" that human oversight requires (AI Act Art. 14)."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import URLEncodedBody

from application.values import AI_SWITCH_REASONS, Reason
from web.auth.guards import require_role
from web.auth.identity import caller_of
from web.controllers.support import attempt
from web.forms.fields import Form
from web.labels import AI_SWITCH_REASON_LABELS, REASON_PLACEHOLDER, options
from web.rendering import render, see_other, services_of

BASE = "/admin/ia"


class OversightController(Controller):
    path = BASE
    guards = [require_role("admin")]  # noqa: RUF012 - Litestar's layered attribute

    @get("/", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return self._page(request, Form())

    @post("/", sync_to_thread=True)
    def switch(self, request: Request[Any, Any, Any], data: URLEncodedBody[dict[str, Any]]) -> Response[Any]:
        services = services_of(request)
        form = Form()
        enabled = form.text(data, "enabled") == "on"
        code, text = form.text(data, "reason"), form.text(data, "reason_text")
        if not code:
            form.errors["reason"] = "Choisissez un motif."
            return self._page(request, form, 422)
        _, status = attempt(form, lambda: services.app.switch_ai(enabled, Reason(code, text), caller_of(request)))
        if status == 0:
            return see_other(request, BASE)
        return self._page(request, form, status)

    def _page(self, request: Request[Any, Any, Any], form: Form, status: int = 200) -> Response[Any]:
        context = {
            "status": services_of(request).oversight.status(),
            "form": form,
            "reason_options": options(AI_SWITCH_REASONS, AI_SWITCH_REASON_LABELS, REASON_PLACEHOLDER),
        }
        return render(request, "admin/ai.html", context, partial="admin/_ai_form.html", status=status)
