"""« Téléphones simulés »: what each simulated phone received, and a form to answer as the job seeker.

Only when the simulator is the SMS gateway (the embedded default). Answers go through
`Relais.receive_sms`, the same inbound path as real SMS.
"""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import URLEncodedBody

from application.queries.outreach import agency_phones
from web.auth.guards import require_role
from web.auth.identity import caller_of
from web.forms.fields import Form
from web.rendering import render, see_other, services_of

BASE = "/simulateur"
MAX_BODY = 1600


class SmsSimulatorController(Controller):
    path = BASE
    guards = [require_role("advisor", "admin")]  # noqa: RUF012

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return self._page(request)

    @post("/repondre", sync_to_thread=True)
    def answer(self, request: Request[Any, Any, Any], data: URLEncodedBody[dict[str, Any]]) -> Response[Any]:
        services = services_of(request)
        simulator = services.sms_simulator
        if simulator is None:
            raise NotFoundException()
        form = Form()
        phone = form.text(data, "phone")
        body = form.text(data, "body")
        names = agency_phones(services.database, caller_of(request))
        if phone not in names or phone not in simulator.phones():
            raise NotFoundException()
        if not body:
            form.errors["body"] = "Écrivez la réponse."
        elif len(body) > MAX_BODY:
            form.errors["body"] = f"Au plus {MAX_BODY} caractères."
        if not form.valid:
            return self._page(request, {phone: form}, status=422)
        services.app.receive_sms(simulator.type_reply(phone, body))
        return see_other(request, f"{BASE}#tel-{phone.lstrip('+')}")

    def _page(self, request: Request[Any, Any, Any], forms: dict[str, Form] | None = None,
              status: int = 200) -> Response[Any]:
        services = services_of(request)
        simulator = services.sms_simulator
        if simulator is None:
            raise NotFoundException()
        names = agency_phones(services.database, caller_of(request))
        phones = [(p, names[p], simulator.messages(p)) for p in simulator.phones(set(names))]
        return render(request, "sms/simulator.html", {"phones": phones, "forms": forms or {}}, status=status,
                      headers={"Cache-Control": "no-store"})
