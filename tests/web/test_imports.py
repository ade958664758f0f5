"""The import page: advisors upload a CSV of job seekers or offers into their own agency."""
from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from application.csv_table import MAX_BYTES
from application.imports import imported_id
from tests.web.conftest import AGENCY, OTHER_AGENCY, post

URL = "/conseiller/import"
HEADER = "reference;prenom;nom;telephone;commune;codes_rome;competences;disponible_le;rayon_km;consentement_sms;notes"
OFFER_HEADER = "reference;intitule;code_rome;competences;commune;type_contrat;heures_semaine;salaire_min;salaire_max"
PEOPLE = "\n".join(
    [
        HEADER,
        "DE-1;Zoé;Canari;06 12 34 56 78;Villeurbanne;K2204;nettoyage;2026-12-01;10;oui;",
        "DE-2;Léo;;0611111111;Atlantide;K2204;;2026-12-01;10;oui;",
        "DE-3;Ana;Merle;0622222222;Lyon;K2204;;01/12/2026;;non;",
    ]
).encode("utf-8")


def upload(client: Any, kind: str, content: bytes, name: str = "fichier.csv", **kwargs: Any) -> Any:
    return post(client, f"{URL}/{kind}", files={"fichier": (name, content, "text/csv")}, **kwargs)


def cells(html: str) -> list[list[str]]:
    """The rows of the rejected-lines table, as text."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def text_of(html: str) -> str:
    """What a reader sees: no tags, entities decoded, single spaces."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def log_length(services: Any) -> int:
    return services.app.recorder.max_notification_id() or 0


def test_the_page_has_two_multipart_forms_with_a_csrf_token_and_the_home_page_links_to_it(advisor) -> None:
    assert f'href="{URL}"' in advisor.get("/conseiller").text
    response = advisor.get(URL)
    assert response.status_code == 200
    forms = re.findall(r"<form method=\"post\" action=\"([^\"]+)\" enctype=\"multipart/form-data\">(.*?)</form>",
                       response.text, re.S)
    assert [action for action, _ in forms] == [f"{URL}/demandeurs", f"{URL}/offres"]
    for _, body in forms:
        assert 'name="_csrf_token"' in body and 'type="file"' in body and 'name="fichier"' in body
        assert "<code>reference</code>*" in body
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("role", ["auditor", "compliance", "admin"])
def test_only_advisors_may_open_the_page_or_upload(signed_in, services, role) -> None:
    client = signed_in(role)
    assert client.get(URL).status_code == 403
    before = log_length(services)
    assert upload(client, "demandeurs", PEOPLE).status_code == 403
    assert log_length(services) == before


def test_signed_out_visitors_are_sent_to_sign_in(client) -> None:
    response = client.get(URL, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/connexion")


def test_an_upload_without_the_csrf_token_is_refused_and_imports_nothing(advisor, services) -> None:
    response = advisor.post(f"{URL}/demandeurs", files={"fichier": ("f.csv", PEOPLE, "text/csv")})
    assert response.status_code == 403 and "jeton de sécurité" in response.text
    assert log_length(services) == 1  # the advisor's account only


def test_the_result_lists_imported_and_rejected_lines_and_a_second_upload_imports_nothing(
    advisor, signed_in, services
) -> None:
    response = upload(advisor, "demandeurs", PEOPLE, name="demandeurs-décembre.csv")
    assert response.status_code == 200
    text = text_of(response.text)
    assert "2 lignes importées" in text and "1 ligne refusée" in text and "demandeurs-décembre.csv" in text
    assert cells(response.text) == [["3", "nom", "Valeur obligatoire."], ["3", "commune", "Commune inconnue."]]
    first = imported_id("candidate", AGENCY, "DE-1")
    assert f'href="/conseiller/demandeurs/{first}"' in response.text
    listed = advisor.get("/conseiller/demandeurs").text
    assert "Canari" in listed and "Merle" in listed
    assert "Canari" not in signed_in("advisor", OTHER_AGENCY).get("/conseiller/demandeurs").text

    length = log_length(services)
    again = text_of(upload(advisor, "demandeurs", PEOPLE).text)
    assert "0 ligne importée" in again and "2 lignes déjà importées" in again and "1 ligne refusée" in again
    assert log_length(services) == length


def test_one_line_or_problem_beyond_those_listed_is_counted_in_the_singular(advisor, monkeypatch) -> None:
    monkeypatch.setattr("web.controllers.imports.SHOWN_ROWS", 1)  # two imported lines, two problems: one of each listed
    text = text_of(upload(advisor, "demandeurs", PEOPLE).text)
    assert "… et 1 autre problème non affiché." in text and "… et 1 autre ligne." in text
    assert "autres" not in text


def test_offers_are_imported_from_their_own_form(advisor) -> None:
    content = "\n".join([OFFER_HEADER, "OF-1;Agent de propreté;K2204;nettoyage;Lyon;CDI;35;22000;24000"]).encode()
    response = upload(advisor, "offres", content)
    assert response.status_code == 200 and "1 ligne importée" in text_of(response.text)
    assert "Agent de propreté" in unescape(advisor.get("/conseiller/offres").text)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"reference;prenom;age\nDE-1;Zo\xc3\xa9;30\n", "colonnes inconnues : age"),
        ((HEADER + "\nDE-1;Zoé;Crémieux\n").encode("cp1252"), "n'est pas encodé en UTF-8 (ligne 2)"),
        (b"", "Le fichier est vide."),
    ],
)
def test_an_unreadable_file_is_a_422_shown_on_its_form_and_imports_nothing(advisor, services, content, message) -> None:
    response = upload(advisor, "demandeurs", content)
    assert response.status_code == 422
    text = unescape(response.text)
    assert message in text and "Le fichier n'a pas été importé" in text
    assert 'aria-invalid="true"' in re.search(r'<input type="file" id="f-demandeurs"[^>]*>', response.text).group(0)
    assert log_length(services) == 1


def test_a_form_sent_without_a_file_asks_for_one(advisor) -> None:
    response = post(advisor, f"{URL}/offres", {})
    assert response.status_code == 422 and "Choisissez un fichier CSV" in unescape(response.text)


def test_a_file_over_the_limit_is_a_413_with_a_clear_message(advisor, services) -> None:
    just_over = upload(advisor, "demandeurs", b"x" * (MAX_BYTES + 1))
    assert just_over.status_code == 413 and "dépasse 5 Mo" in unescape(just_over.text)
    far_over = upload(advisor, "demandeurs", b"x" * (MAX_BYTES + 512 * 1024))
    assert far_over.status_code == 413 and "dépasse 5 Mo" in unescape(far_over.text)
    assert log_length(services) == 1


def test_an_unknown_kind_of_import_is_a_404(advisor) -> None:
    assert upload(advisor, "comptes", PEOPLE).status_code == 404
