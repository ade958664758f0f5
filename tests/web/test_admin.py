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


def agency_options(page: str) -> list[str]:
    """The agencies the account form's select offers (without its "none" choice)."""
    select = page.split('<select id="f-agency_id"', 1)[1].split("</select>", 1)[0]
    return [value for value in re.findall(r'<option value="([^"]*)"', select) if value]


def test_an_account_created_in_the_ui_can_sign_in(signed_in, make_client, open_account) -> None:
    admin = signed_in("admin")
    open_account("alice")  # of lyon-est: the agency exists
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
    changed = post(admin, f"/admin/comptes/{account_id}", {"role": "advisor", "new_agency": "paris-nord", "version": version})
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
    assert agency_options(page) == ["lille-metropole", "paris-nord"] == services.accounts.agencies(Caller.cli("test"))
    assert '<label for="f-agency_id">' in page and '<label for="f-new_agency">' in page


def test_an_agency_that_does_not_exist_is_refused_beside_the_field_and_nothing_is_written(
    signed_in, open_account, services
) -> None:
    admin = signed_in("admin")
    open_account("alice")  # lyon-est exists
    before = services.app.recorder.max_notification_id()
    typo = post(admin, NEW, account_form(agency_id="lyon-ets", username="X"), htmx=True)
    assert typo.status_code == 422
    assert "Agence inconnue" in field_error(typo.text, "agency_id")
    assert field_error(typo.text, "username")  # the other fields are checked in the same answer
    both = post(admin, NEW, account_form(new_agency="lyon-ouest"))
    assert both.status_code == 422 and "pas les deux" in field_error(both.text, "new_agency")
    malformed = post(admin, NEW, account_form(agency_id="", new_agency="Lyon Ouest"))
    assert malformed.status_code == 422 and "minuscules" in field_error(malformed.text, "new_agency")
    assert services.app.recorder.max_notification_id() == before
    assert services.accounts.agencies(Caller.cli("test")) == ["lyon-est"]


def test_a_new_agency_is_opened_only_through_its_own_field_and_is_then_offered(signed_in, services) -> None:
    admin = signed_in("admin")
    opened = post(admin, NEW, account_form(agency_id="", new_agency="lyon-ouest"))
    assert opened.status_code == 303
    assert "lyon-ouest" in admin.get(opened.headers["location"]).text
    assert agency_options(admin.get(NEW).text) == ["lyon-ouest"]
    joining = post(admin, NEW, account_form(username="lea", agency_id="lyon-ouest"))
    assert joining.status_code == 303


def test_the_role_form_refuses_an_unknown_agency_too(signed_in, open_account) -> None:
    admin = signed_in("admin")
    account_id = open_account("nadia")
    page = admin.get(f"/admin/comptes/{account_id}").text
    assert agency_options(page) == ["lyon-est"]
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    typo = post(admin, f"/admin/comptes/{account_id}", {"role": "advisor", "agency_id": "paris-nrod", "version": version},
                htmx=True)
    assert typo.status_code == 422 and "Agence inconnue" in field_error(typo.text, "agency_id")
    assert typo.text.lstrip().startswith('<form id="role-form"')
    assert "lyon-est" in admin.get(f"/admin/comptes/{account_id}").text


def test_the_last_active_administrator_cannot_be_demoted_and_nothing_is_written(signed_in, open_account, services) -> None:
    admin = signed_in("admin", username="root-admin")
    account_id = services.accounts.credentials("root-admin").account.id
    page = admin.get(f"/admin/comptes/{account_id}").text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    before = services.app.recorder.max_notification_id()
    refused = post(admin, f"/admin/comptes/{account_id}", {"role": "auditor", "agency_id": "", "version": version},
                   htmx=True)
    assert refused.status_code == 409
    assert "au moins un administrateur actif" in field_error(refused.text, "role")
    assert "Recharger le compte" not in refused.text  # not a stale form
    assert services.app.recorder.max_notification_id() == before
    assert admin.get("/admin/comptes").status_code == 200
    open_account("second-admin", "admin")  # with another administrator, the first may step down
    stepped_down = post(admin, f"/admin/comptes/{account_id}", {"role": "auditor", "agency_id": "", "version": version})
    assert stepped_down.status_code == 303


def test_an_agency_is_refused_beside_the_field_for_any_role_but_advisor_and_nothing_is_written(
    signed_in, open_account, services
) -> None:
    admin = signed_in("admin")
    account_id = open_account("nadia")  # an advisor of lyon-est
    before = services.app.recorder.max_notification_id()
    created = post(admin, NEW, account_form(username="new.aud", role="auditor", agency_id="lyon-est"), htmx=True)
    assert created.status_code == 422
    assert "Seul un conseiller" in field_error(created.text, "agency_id")
    opened = post(admin, NEW, account_form(username="new.aud", role="compliance", agency_id="", new_agency="nice-ouest"))
    assert opened.status_code == 422 and "Seul un conseiller" in field_error(opened.text, "new_agency")
    page = admin.get(f"/admin/comptes/{account_id}").text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    moved = post(admin, f"/admin/comptes/{account_id}", {"role": "auditor", "agency_id": "lyon-est", "version": version})
    assert moved.status_code == 422 and "Seul un conseiller" in field_error(moved.text, "agency_id")
    assert services.app.recorder.max_notification_id() == before
    assert post(admin, NEW, account_form(username="new.aud", role="auditor", agency_id="")).status_code == 303
