"""The compliance officer's pages: find anyone, produce a letter (page and PDF), erase on request."""
from __future__ import annotations

import logging
import re
import zlib
from uuid import UUID

import pytest

from application.caller import Caller
from application.values import Reason
from tests.integration.compliance_helpers import suggested_twice
from tests.web.conftest import (
    AGENCY,
    HTMX,
    Captured,
    OTHER_AGENCY,
    candidate_form,
    created_id,
    field_error,
    post,
    recorded_changes,
)

PEOPLE = "/conformite/personnes"


def register(signed_in, agency: str = AGENCY, **changes: str) -> str:
    advisor = signed_in("advisor", agency)
    return created_id(post(advisor, "/conseiller/demandeurs/nouveau", candidate_form(**changes)))


@pytest.fixture
def person(signed_in) -> str:
    """A job seeker of Lyon Est, with a note."""
    return register(signed_in, first_name="Zoé", last_name="Conformité", notes="Préfère les matins")


def erase_form(**changes: str) -> dict[str, str]:
    values = {"reason": "demande_rgpd", "reason_text": "", "requester": "representant", "reference": "courrier 2026-0142",
              "confirm": "on"}
    values.update(changes)
    return values


def pdf_text_points(pdf: bytes) -> str:
    """The ToUnicode maps of the embedded fonts: which characters the PDF can show."""
    maps = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            stream = zlib.decompress(stream)
        except zlib.error:
            pass  # fpdf2 writes the character maps uncompressed
        maps.append(stream.decode("latin-1"))
    return "\n".join(m for m in maps if "beginbfchar" in m or "beginbfrange" in m)


def test_compliance_finds_a_person_of_any_agency_by_name_and_opens_them(signed_in, person) -> None:
    far = register(signed_in, OTHER_AGENCY, first_name="Yves", last_name="Conformité", phone="06 99 88 77 66")
    dpo = signed_in("compliance")
    listing = dpo.get(f"{PEOPLE}?q=conformite")
    assert listing.status_code == 200 and "2 personnes" in listing.text
    assert f"{PEOPLE}/{person}" in listing.text and f"{PEOPLE}/{far}" in listing.text and OTHER_AGENCY in listing.text
    fragment = dpo.get(f"{PEOPLE}?q=zoe", headers=HTMX)
    assert "<html" not in fragment.text and person in fragment.text
    page = dpo.get(f"{PEOPLE}/{person}").text
    assert "Conformité Zoé" in page and "inscription" in page
    assert dpo.get(f"{PEOPLE}/00000000-0000-4000-8000-000000000000").status_code == 404
    assert dpo.get(f"{PEOPLE}/pas-un-id").status_code == 404


def test_a_letter_is_produced_with_a_303_then_shown_to_print_and_as_a_pdf_with_accents(
    signed_in, services, person
) -> None:
    suggested_twice(services, UUID(person))
    dpo = signed_in("compliance")
    before = services.app.recorder.max_notification_id()
    produced = post(dpo, f"{PEOPLE}/{person}/lettres")
    assert produced.status_code == 303
    assert services.app.recorder.max_notification_id() == before + 1  # the letter is recorded, once
    url = produced.headers["location"]
    page = dpo.get(url)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = page.text
    assert "À l&#39;attention de Zoé Conformité" in text
    assert "Offre « Agent d&#39;entretien »" in text and "article 22 du RGPD" in text
    assert re.search(r'<article class="letter" hx-disable>', text)
    assert '<blockquote class="model-output">' in text
    assert "Lettre du" in dpo.get(f"{PEOPLE}/{person}").text

    pdf = dpo.get(f"{url}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and b"DejaVuSans" in pdf.content
    assert dpo.get(f"/conformite/lettres/{person}").status_code == 404  # a person's id is not a letter's
    assert dpo.get("/conformite/lettres/pas-un-id/pdf").status_code == 404
    points = pdf_text_points(pdf.content)
    for char in "éèàÀ«»ç":
        assert f"<{ord(char):04X}>" in points, f"{char} is not in the PDF's fonts"


def test_a_pdf_letter_leaves_the_font_subsetting_steps_out_of_the_server_log(signed_in, services, person) -> None:
    suggested_twice(services, UUID(person))
    dpo = signed_in("compliance")
    url = post(dpo, f"{PEOPLE}/{person}/lettres").headers["location"]
    # As `relais serve` logs: everything at INFO (Litestar replaces the root's handlers, so caplog hears
    # nothing: a handler listens on fontTools' own logger).
    root, fonttools, heard = logging.getLogger(), logging.getLogger("fontTools"), Captured()
    level = root.level
    root.setLevel(logging.INFO)
    fonttools.addHandler(heard)
    try:
        assert dpo.get(f"{url}/pdf").status_code == 200
    finally:
        fonttools.removeHandler(heard)
        root.setLevel(level)
    assert [r.getMessage() for r in heard.records if r.levelno < logging.WARNING] == []


def test_recorded_text_is_escaped_in_the_letter_and_kept_out_of_htmx(signed_in, services, person) -> None:
    suggested_twice(services, UUID(person), reject_text="<script>alert(1)</script>")
    dpo = signed_in("compliance")
    text = dpo.get(post(dpo, f"{PEOPLE}/{person}/lettres").headers["location"]).text
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    article = text.split('<article class="letter" hx-disable>', 1)
    assert len(article) == 2 and "&lt;script&gt;" in article[1].split("</article>")[0]


def test_erasure_needs_a_reason_a_requester_and_a_confirmation_shown_in_place(signed_in, services, person) -> None:
    dpo = signed_in("compliance")
    before = services.app.recorder.max_notification_id()
    response = post(dpo, f"{PEOPLE}/{person}/effacement", erase_form(reason="", requester="", confirm=""),
                    htmx=True)
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<form id="erase-form"')
    assert field_error(response.text, "reason") and field_error(response.text, "requester")
    assert "Cochez la case" in response.text
    other = post(dpo, f"{PEOPLE}/{person}/effacement", erase_form(reason="autre", reason_text=""))
    assert other.status_code == 422 and "précisez le motif" in other.text.lower()
    assert post(dpo, f"{PEOPLE}/{person}/effacement", erase_form(reason="retention")).status_code == 422
    for requester in ("conservation", "la personne, courrier du 12/11"):  # the job's own, and free text
        refused = post(dpo, f"{PEOPLE}/{person}/effacement", erase_form(requester=requester), htmx=True)
        assert refused.status_code == 422 and field_error(refused.text, "requester")
    too_long = post(dpo, f"{PEOPLE}/{person}/effacement", erase_form(reference="x" * 61), htmx=True)
    assert too_long.status_code == 422 and "60 caractères" in field_error(too_long.text, "reference")
    assert services.app.recorder.max_notification_id() == before


def test_the_precision_of_an_erasure_is_bounded_warned_about_and_shown_on_the_erasure_record(
    signed_in, services, person
) -> None:
    dpo = signed_in("compliance")
    form = dpo.get(f"{PEOPLE}/{person}/effacement").text
    assert "200 caractères au plus" in form and "aucune donnée personnelle" in form
    before = services.app.recorder.max_notification_id()
    too_long = post(dpo, f"{PEOPLE}/{person}/effacement", erase_form(reason="autre", reason_text="x" * 201), htmx=True)
    assert too_long.status_code == 422 and "200 caractères" in field_error(too_long.text, "reason_text")
    assert services.app.recorder.max_notification_id() == before
    precision = "Demande transmise par le délégué à la protection des données"
    done = post(dpo, f"{PEOPLE}/{person}/effacement", erase_form(reason="autre", reason_text=precision))
    assert done.status_code == 303
    report = dpo.get(done.headers["location"]).text
    assert "Précisions" in report and precision in report


def test_erasure_shows_what_was_erased_where_and_the_person_reads_erased_everywhere(
    signed_in, services, person
) -> None:
    assert signed_in("auditor").get("/audit/historique?person=conformit%C3%A9").status_code == 200
    dpo = signed_in("compliance")
    assert "Je confirme" in dpo.get(f"{PEOPLE}/{person}/effacement").text
    done = post(dpo, f"{PEOPLE}/{person}/effacement", erase_form())
    assert done.status_code == 303 and done.headers["location"] == f"{PEOPLE}/{person}/effacement"
    report = dpo.get(done.headers["location"]).text
    assert "détruite" in report and "Son représentant légal ou mandataire" in report and "courrier 2026-0142" in report
    # The reference is sealed for compliance (the form says so): an auditor replaying the person reads that it is.
    timeline = signed_in("auditor").get(f"/audit/historique/{person}").text
    assert "courrier 2026-0142" not in timeline and "[chiffrée : réservée à la conformité]" in timeline
    searches = report.split("Recherches d'auditeurs")[1].split("</tr>")[0]
    assert "1 clé détruite" in searches  # the auditor's search by name went with the person
    for table in ("rm_candidates", "rm_suggestions", "rm_manual_additions"):
        assert f"<code>{table}</code>" in report
    assert "encore en clair" not in report and "secure_delete actif" in report
    assert "0 ligne concernant la personne" in report and "0 lignes" not in report  # nothing added by hand
    assert "Demande de la personne (RGPD, art. 17)" in report

    person_page = dpo.get(f"{PEOPLE}/{person}").text
    assert "[effacé] [effacé]" in person_page and "Conformité" not in person_page.split("<main")[1].split("<h1>")[1]
    assert "Produire une lettre" not in person_page
    assert person not in dpo.get(f"{PEOPLE}?q=conformite").text
    assert person in dpo.get(f"{PEOPLE}?q={person}").text  # still found by id
    advisor = signed_in("advisor", AGENCY)
    assert "[effacé]" in advisor.get(f"/conseiller/demandeurs/{person}").text

    head = services.app.recorder.max_notification_id()
    again = post(dpo, f"{PEOPLE}/{person}/effacement", erase_form())  # e.g. a second click
    assert again.status_code == 409 and "ont été effacées" in again.text
    assert post(dpo, f"{PEOPLE}/{person}/lettres").status_code == 409
    assert services.app.recorder.max_notification_id() == head


def test_the_retention_page_shows_the_period_who_is_due_and_the_runs(signed_in, services, person, clock) -> None:
    from application.caller import Caller
    from application.retention import RetentionJob

    dpo = signed_in("compliance")
    page = dpo.get("/conformite/conservation").text
    assert "24 mois" in page and "0 à effacer" in page and "Aucun passage" in page
    clock.advance(days=800)
    dpo = signed_in("compliance")  # the earlier session has long expired
    assert person in dpo.get("/conformite/conservation").text
    RetentionJob(services.app, services.database, 24)()
    page = dpo.get("/conformite/conservation").text
    assert "1 effacement sur 1 personne examinée" in page and "job:retention" in page and "effacées" in page
    assert "0 personne avec des données" in page  # 0 and 1 take the singular in French
    assert "lancé par le planificateur" in page
    with services.database.transaction() as tx:  # a run recorded before the field, as an upgrade finds it
        tx.execute("UPDATE rm_retention_runs SET started_by = ''")
    assert "pas encore enregistré" in signed_in("compliance").get("/conformite/conservation").text
    clock.advance(days=2)
    RetentionJob(services.app, services.database, 24)(started_by=Caller.cli("c-1", actor="m.durand"))
    page = signed_in("compliance").get("/conformite/conservation").text
    assert "lancé à la main par <code>cli:m.durand</code>" in page


@pytest.mark.parametrize("role", ["advisor", "auditor", "admin"])
def test_other_roles_get_a_403_on_every_compliance_page_and_command(signed_in, services, person, role) -> None:
    client = signed_in(role)
    before = recorded_changes(services)  # an auditor's page views are recorded, and are not changes
    for url in (PEOPLE, f"{PEOPLE}/{person}", f"{PEOPLE}/{person}/effacement", "/conformite/conservation"):
        assert client.get(url).status_code == 403, url
    assert post(client, f"{PEOPLE}/{person}/effacement", erase_form()).status_code == 403
    assert post(client, f"{PEOPLE}/{person}/lettres").status_code == 403
    assert recorded_changes(services) == before


def test_an_erasure_without_the_csrf_token_is_refused(signed_in, services, person) -> None:
    dpo = signed_in("compliance")
    response = dpo.post(f"{PEOPLE}/{person}/effacement", data=erase_form(), follow_redirects=False)
    assert response.status_code == 403
    assert services.candidates.get(Caller("dpo", "compliance", "", "r"), UUID(person)).erased is False


def test_without_the_pdf_font_the_pdf_answers_503_in_french_and_the_letter_still_prints(
    signed_in, services, person, monkeypatch, tmp_path
) -> None:
    import functools

    import web.controllers.letters as letters_page
    from infrastructure.letter_pdf import letter_pdf

    monkeypatch.setattr(letters_page, "letter_pdf", functools.partial(letter_pdf, font_dir=tmp_path))  # no font there
    dpo = signed_in("compliance")
    url = post(dpo, f"{PEOPLE}/{person}/lettres").headers["location"]
    pdf = dpo.get(f"{url}/pdf")
    assert pdf.status_code == 503 and "la police qu&#39;il embarque n&#39;est pas installée" in pdf.text
    assert dpo.get(url).status_code == 200


def test_a_search_for_a_commune_s_current_name_finds_people_recorded_under_a_commune_merged_into_it(
    signed_in, services
) -> None:
    from tests.integration.test_commune_history import registered_in_2015

    merged = registered_in_2015(services, 1, AGENCY)  # Tourlaville (50602), part of Cherbourg-en-Cotentin since 2016
    current = register(signed_in, first_name="Yves", last_name="Actuel", phone="06 99 88 77 66",
                       commune="Cherbourg-en-Cotentin")
    elsewhere = register(signed_in, first_name="Léa", last_name="Ailleurs", phone="06 99 88 77 55")
    services.projections.catch_up()
    dpo = signed_in("compliance")

    def found(q: str) -> set[str]:
        return set(re.findall(rf"{PEOPLE}/([0-9a-f-]{{36}})", dpo.get(PEOPLE, params={"q": q}).text))

    assert found("cherbourg") == found("Cherbourg-en-Cotentin") == {str(merged), current}
    assert found("tourlaville") == {str(merged)}  # the label as recorded still finds them
    assert elsewhere not in found("cherbourg")
    services.app.erase_candidate(merged, Reason("demande_rgpd"), "personne", Caller("dpo-1", "compliance", "", "r"))
    services.projections.catch_up()
    assert found("cherbourg") == {current}  # an erased person is found by id only


def test_a_record_altered_in_the_database_is_named_unreadable_and_nothing_is_recorded(
    signed_in, services, person
) -> None:
    """Someone edits a job seeker's registration with SQL: the pages that replay the person say so plainly
    (409, not an internal error), and an erasure records nothing (the person's key stays, for the
    administrator to restore the record from a backup and erase again)."""
    with services.database.transaction() as tx:
        tx.execute("UPDATE stored_events SET state = CAST('x' AS BLOB) WHERE originator_id = ? AND originator_version = 1",
                   (UUID(person).hex,))  # the library keeps SQLite's ids as hex
    head = services.app.recorder.max_notification_id()
    timeline = signed_in("auditor").get(f"/audit/historique/{person}")
    assert timeline.status_code == 409 and "Un enregistrement du journal concernant cette fiche est illisible" in timeline.text
    dpo = signed_in("compliance")
    erased = post(dpo, f"{PEOPLE}/{person}/effacement", erase_form())
    assert erased.status_code == 409 and "restaurer depuis une sauvegarde" in erased.text
    letter = post(dpo, f"{PEOPLE}/{person}/lettres")
    assert letter.status_code == 409 and "Intégrité du journal" in letter.text
    with services.database.read() as tx:
        since = [row["topic"] for row in tx.fetchall("SELECT topic FROM stored_events WHERE rowid > ?", (head,))]
        assert tx.fetchone("SELECT wrapped_key FROM personal_keys WHERE subject_id = ?", (person,))["wrapped_key"] not in ("", b"")  # not erased
    # Only the sign-ins the test made and the auditor's page view: no erasure, no letter.
    assert sorted(topic.rsplit(":", 1)[1] for topic in since) == ["Account.Opened", "Account.Opened", "AuditAccess.PageOpened"]
