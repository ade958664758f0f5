"""The administrator's pages: staff accounts, their role and agency."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody

from application.queries.accounts import AccountView
from application.values import ROLES
from web.auth.guards import require_role
from web.auth.identity import caller_of
from web.controllers.support import FORM_ERROR, attempt, parse_id
from web.forms.account import AssignRoleForm, OpenAccountForm
from web.forms.fields import Form
from web.labels import ROLE_LABELS
from web.rendering import render, see_other, services_of

BASE = "/admin/comptes"


def role_options() -> list[tuple[str, str]]:
    return [(r, ROLE_LABELS.get(r, r).capitalize()) for r in ROLES]


class AccountController(Controller):
    path = BASE
    guards = [require_role("admin")]  # noqa: RUF012 - Litestar's layered attribute

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any]) -> Response[Any]:
        accounts = services_of(request).accounts.list(caller_of(request))
        return render(request, "admin/accounts.html", {"accounts": accounts})

    @get("/nouveau", sync_to_thread=True)
    def new(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return self._create_page(request, OpenAccountForm.empty())

    @post("/nouveau", sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], data: URLEncodedBody[dict[str, Any]]) -> Response[Any]:
        services = services_of(request)
        caller = caller_of(request)
        form = OpenAccountForm.parse(data, self._agencies(request))
        values = form.values
        if form.valid:
            account_id, status = attempt(form, lambda: services.app.open_account(
                values["username"], values["role"], form.agency, form.password, caller))
            if account_id is not None:
                return see_other(request, f"{BASE}/{account_id}")
        else:  # the agency was refused here: check the other fields too, saving nothing
            attempt(form, lambda: services.app.check_account_opening(
                values["username"], values["role"], form.agency, form.password, caller))
            status = 422
        form.place_agency_errors()
        return self._create_page(request, form, status)

    @get("/{account_id:str}", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], account_id: FromPath[str]) -> Response[Any]:
        account = services_of(request).accounts.get(caller_of(request), parse_id(account_id))
        form = AssignRoleForm(
            values={"role": account.role, "agency_id": account.agency_id, "version": str(account.version)}
        )
        return self._account_page(request, account, form)

    @post("/{account_id:str}", sync_to_thread=True)
    def assign(self, request: Request[Any, Any, Any], account_id: FromPath[str], data: URLEncodedBody[dict[str, Any]]) -> Response[Any]:
        services = services_of(request)
        caller = caller_of(request)
        identifier = parse_id(account_id)
        account = services.accounts.get(caller, identifier)
        form = AssignRoleForm.parse(data, self._agencies(request))
        version = form.version()
        if version is None:
            form.errors["form"] = "Le formulaire est incomplet : rechargez la page."
            return self._account_page(request, account, form, 400)
        if not form.valid:
            return self._account_page(request, account, form, 422)
        result, status = attempt(
            form, lambda: services.app.assign_role(identifier, version, form.values["role"], form.agency, caller)
        )
        if result is not None:
            return see_other(request, f"{BASE}/{account.id}")
        form.place_agency_errors()
        return self._account_page(request, account, form, status)

    def _agencies(self, request: Request[Any, Any, Any]) -> list[str]:
        """The agencies that exist (the list `relais create-user` checks an --agency against)."""
        return services_of(request).accounts.agencies(caller_of(request))

    def _agency_options(self, request: Request[Any, Any, Any]) -> list[tuple[str, str]]:
        return [("", "— Aucune (rôles sans agence) —"), *((a, a) for a in self._agencies(request))]

    def _create_page(self, request: Request[Any, Any, Any], form: Form, status: int = 200) -> Response[Any]:
        context = {"form": form, "role_options": role_options(), "agency_options": self._agency_options(request)}
        return render(request, "admin/new_account.html", context, partial="admin/_account_form.html", status=status)

    def _account_page(
        self, request: Request[Any, Any, Any], account: AccountView, form: Form, status: int = 200
    ) -> Response[Any]:
        context = {
            "account": account,
            "form": form,
            "role_options": role_options(),
            "agency_options": self._agency_options(request),
            "stale": status == 409 and FORM_ERROR in form.errors,  # not a conflict of a field (the last admin)
        }
        return render(request, "admin/account.html", context, partial="admin/_role_form.html", status=status)
