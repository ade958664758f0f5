"""The administrator's account pages."""
from __future__ import annotations

import re

from application.caller import Caller
from tests.web.conftest import HTMX, PASSWORD, field_error, input_value, login, post

NEW = "/admin/comptes/nouveau"


def account_form(**changes: str) -> dict[str, str]:
    values = {"username": "nadia", "role": "advisor", "agency_id": "lyon-est", "password": PASSWORD}
    values.update(changes)
    return values


def test_the_admin_lists_the_accounts(signed_in, open_account) -> None:
    admin = signed_in("admin", username="root-admin")
    open_account("paul", "auditor")
    page = admin.get("/admin/comptes").text
    assert "root-admin" in page and "paul" in page and "auditeur" in page


def test_an_account_created_in_the_ui_can_sign_in(signed_in, make_client) -> None:
    admin = signed_in("admin")
    response = post(admin, NEW, account_form())
    assert response.status_code == 303
    assert "nadia" in admin.get(response.headers["location"]).text
    newcomer = make_client()
    assert login(newcomer, "nadia").headers["location"] == "/conseiller"


def test_a_short_password_is_refused_beside_the_field_and_never_echoed(signed_in, services) -> None:
    admin = signed_in("admin")
    before = services.app.recorder.max_notification_id()
    response = post(admin, NEW, account_form(password="court-secret"[:8]), htmx=True)
    assert response.status_code == 422
    assert "12 caractères" in field_error(response.text, "password")
    assert input_value(response.text, "username") == "nadia"
    assert "court-se" not in response.text
    assert services.app.recorder.max_notification_id() == before


def test_an_advisor_account_needs_an_agency_and_a_valid_name(signed_in) -> None:
    admin = signed_in("admin")
    response = post(admin, NEW, account_form(agency_id="", username="X"))
    assert response.status_code == 422
    assert field_error(response.text, "agency_id")
    assert field_error(response.text, "username")


def test_a_taken_user_name_is_a_409_beside_the_field(signed_in, open_account) -> None:
    admin = signed_in("admin")
    open_account("nadia")
    response = post(admin, NEW, account_form())
    assert response.status_code == 409
    assert field_error(response.text, "username") == "Cet identifiant existe déjà."


def test_role_and_agency_can_be_changed_with_the_version_and_a_stale_form_is_a_409(signed_in, open_account) -> None:
    admin = signed_in("admin")
    account_id = open_account("nadia")
    page = admin.get(f"/admin/comptes/{account_id}").text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    changed = post(admin, f"/admin/comptes/{account_id}", {"role": "advisor", "agency_id": "paris-nord", "version": version})
    assert changed.status_code == 303
    assert "paris-nord" in admin.get(f"/admin/comptes/{account_id}").text
    stale = post(admin, f"/admin/comptes/{account_id}", {"role": "auditor", "agency_id": "", "version": version},
                 htmx=True)
    assert stale.status_code == 409
    assert "Cette fiche a été modifiée entre-temps : rechargez la page." in stale.text
    assert stale.text.lstrip().startswith('<form id="role-form"')


def test_an_unknown_account_is_a_404(signed_in) -> None:
    admin = signed_in("admin")
    assert admin.get("/admin/comptes/00000000-0000-4000-8000-000000000000").status_code == 404
    assert admin.get("/admin/comptes/abc", headers=HTMX).status_code == 404


def test_an_unknown_role_is_a_422(signed_in) -> None:
    admin = signed_in("admin")
    response = post(admin, NEW, account_form(role="superuser"))
    assert response.status_code == 422 and field_error(response.text, "role") == "Rôle inconnu."


def test_the_account_form_offers_the_agencies_that_relais_create_user_accepts(signed_in, open_account, services) -> None:
    admin = signed_in("admin", username="root-admin")
    open_account("nadia", "advisor", agency="paris-nord")
    open_account("lea", "advisor", agency="lille-metropole")
    page = admin.get(NEW).text
    datalist = page.split('<datalist id="agences">', 1)[1].split("</datalist>", 1)[0]
    offered = re.findall(r'<option value="([^"]+)"></option>', datalist)
    assert offered == ["lille-metropole", "paris-nord"] == services.accounts.agencies(Caller.cli("test"))
