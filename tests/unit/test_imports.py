"""Import use cases on in-memory persistence: each row once, bad rows reported, the others imported."""
from __future__ import annotations

from uuid import UUID

import pytest

from application.caller import Caller
from application.errors import AccessDeniedError, InvalidValueError
from application.imports import ERASED, imported_id
from application.values import Reason
from domain.candidate import Candidate
from domain.offer import Offer
from tests.unit.fakes import FakePhoneClaims, InMemoryKeyVault, in_memory_relais

ADVISOR = Caller("advisor-1", "advisor", "lyon-est", "import-1")
OPERATOR = Caller("cli:cli", "admin", "", "import-2")
DPO = Caller("dpo-1", "compliance", "", "req-3")
HEADER = "reference;prenom;nom;telephone;commune;codes_rome;competences;disponible_le;rayon_km;consentement_sms;notes"
OFFER_HEADER = "reference;intitule;code_rome;competences;commune;type_contrat;heures_semaine;salaire_min;salaire_max"


def csv(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join((header, *lines)) + "\n").encode("utf-8")


def person(ref: str, phone: str, **cells: str) -> str:
    values = {"prenom": "Zoé", "nom": "Canari", "commune": "lyon", "codes_rome": "K2204", "competences": "nettoyage",
              "disponible_le": "2026-12-01", "rayon_km": "10", "consentement_sms": "oui", "notes": "", **cells}
    return ";".join([ref, values["prenom"], values["nom"], phone, *(values[k] for k in (
        "commune", "codes_rome", "competences", "disponible_le", "rayon_km", "consentement_sms", "notes"))])


@pytest.fixture
def vault() -> InMemoryKeyVault:
    return InMemoryKeyVault()


@pytest.fixture
def phone_claims() -> FakePhoneClaims:
    return FakePhoneClaims()


@pytest.fixture
def app(clock, vault, phone_claims):
    return in_memory_relais(clock, vault, phone_claims=phone_claims)


def log_length(app) -> int:
    return app.recorder.max_notification_id() or 0


def test_rows_become_job_seekers_of_the_agency_with_ids_derived_from_the_reference(app, clock) -> None:
    report = app.import_candidates(csv(person("D1", "0612345678"), person("D2", "0611111111", consentement_sms="non")),
                                   ADVISOR)
    assert [(r.line, r.reference) for r in report.imported] == [(2, "D1"), (3, "D2")]
    assert (report.skipped, report.problems, report.agency_id) == ([], [], "lyon-est")
    first = app.repository.get(report.imported[0].id)
    assert first.id == imported_id("candidate", "lyon-est", "D1")
    assert (first.agency_id, first.sms_consent, first.profile.commune) == ("lyon-est", True, "Lyon")
    assert first.profile.phone.value == "+33612345678" and first.profile.phone.subject_id == str(first.id)
    assert app.repository.get(report.imported[1].id).sms_consent is False
    (event,) = app.repository.event_store.get(first.id)
    assert isinstance(event, Candidate.Registered)
    assert (event.provenance.actor_id, event.provenance.correlation_id, event.timestamp) == (
        "advisor-1", "import-1", clock.now())
    (stored,) = app.recorder.select_events(first.id)
    assert b"Canari" not in stored.state and b"33612345678" not in stored.state


def test_importing_the_same_file_again_imports_nothing_twice(app) -> None:
    data = csv(person("D1", "0612345678"), person("D2", "0611111111"))
    app.import_candidates(data, ADVISOR)
    length = log_length(app)
    again = app.import_candidates(data, ADVISOR)
    assert (again.imported, again.problems) == ([], [])
    assert [(r.line, r.reference) for r in again.skipped] == [(2, "D1"), (3, "D2")]
    assert log_length(app) == length


def test_a_concurrent_import_of_the_same_rows_collides_in_the_store_and_counts_as_already_imported(app) -> None:
    data = csv(*(person(f"D{n}", f"061{n:07d}") for n in range(5)))
    app.import_candidates(data, ADVISOR)
    length = log_length(app)
    app._stored_topics = lambda _id: set()  # as if the other import had not committed when this one looked
    again = app.import_candidates(data, ADVISOR)
    assert (len(again.imported), len(again.skipped), again.problems) == (0, 5, [])
    assert log_length(app) == length


def test_bad_rows_are_reported_by_line_and_column_and_the_good_rows_are_imported(app, phone_claims) -> None:
    phone_claims.holders[("lyon-est", "+33699999999")] = UUID(int=1)  # registered earlier through the form
    report = app.import_candidates(
        csv(
            person("D1", "0612345678"),
            person("D2", "12", commune="Atlantide"),
            person("D3", "0612345678"),
            person("D1", "0611111111"),
            person("", "0622222222"),
            person("D6", "0699999999"),
            person("D7", "0633333333"),
        ),
        ADVISOR,
    )
    assert [r.reference for r in report.imported] == ["D1", "D7"]
    assert [(p.line, p.column, p.reason) for p in report.problems] == [
        (3, "commune", "Commune inconnue."),
        (3, "telephone", "Numéro de téléphone invalide (ex. 06 12 34 56 78 ou +33 6 12 34 56 78)."),
        (4, "telephone", "Même numéro que la ligne 2."),
        (5, "reference", "Référence déjà présente ligne 2."),
        (6, "reference", "Valeur obligatoire."),
        (7, "telephone", "Une personne inscrite dans l'agence a déjà ce numéro."),
    ]
    assert report.rejected == 5


def test_a_commune_several_communes_bear_is_a_bad_row_naming_them_and_a_department_or_postcode_settles_it(app) -> None:
    report = app.import_candidates(
        csv(person("D1", "0612345678", commune="Saint-Denis"), person("D2", "0611111111", commune="Saint-Denis (93)"),
            person("D3", "0622222222", commune="97400"), person("D4", "0633333333", commune="Ancy")),
        ADVISOR,
    )
    ((line, column, reason),) = [(p.line, p.column, p.reason) for p in report.problems]
    assert (line, column) == (2, "commune") and reason.startswith("Plusieurs communes correspondent à « Saint-Denis » : ")
    assert [app.repository.get(r.id).profile.commune for r in report.imported] == [
        "Saint-Denis (93)", "Saint-Denis (974)", "Ancy"]


def test_an_erased_person_is_not_imported_again_and_gets_no_new_key(app, vault) -> None:
    data = csv(person("D1", "0612345678"))
    (row,) = app.import_candidates(data, ADVISOR).imported
    app.erase_candidate(row.id, Reason("demande_rgpd"), "personne", DPO)
    length = log_length(app)
    report = app.import_candidates(data, ADVISOR)
    assert report.imported == [] and [(p.line, p.column, p.reason) for p in report.problems] == [(2, "reference", ERASED)]
    assert str(row.id) not in vault.keys  # a new key would make the old events undecryptable
    assert log_length(app) == length
    assert app.repository.get(row.id).profile.last_name.erased


def test_advisors_import_into_their_own_agency_operators_name_one_and_others_may_not(app) -> None:
    data = csv(person("D1", "0612345678"))
    with pytest.raises(AccessDeniedError):
        app.import_candidates(data, ADVISOR, agency_id="paris-nord")
    with pytest.raises(InvalidValueError):
        app.import_candidates(data, OPERATOR)
    with pytest.raises(AccessDeniedError):
        app.import_candidates(data, DPO, agency_id="lyon-est")
    (row,) = app.import_candidates(data, OPERATOR, agency_id="paris-nord").imported
    assert app.repository.get(row.id).agency_id == "paris-nord"
    # The same reference in another agency is another person.
    (mine,) = app.import_candidates(data, ADVISOR).imported
    assert mine.id != row.id and log_length(app) == 2


def test_matching_profile_columns_are_read_when_given() -> None:
    header = HEADER + ";types_contrat;heures_max_semaine;salaire_min_souhaite"
    from application.csv_table import read_table
    from application.import_rows import CANDIDATE_COLUMNS, candidate_row

    table = read_table(csv(person("D1", "0612345678") + ";CDI|Intérim;30;21 000",
                           person("D2", "0611111111") + ";;;", header=header), CANDIDATE_COLUMNS)
    (given, ok), (empty, also_ok) = (candidate_row(r) for r in table.records)
    assert ok == also_ok == []
    details = given.details
    assert (details.contract_types, details.max_hours_per_week, details.salary_min_expected) == (
        ("CDI", "interim"), 30, 21000)
    assert (empty.details.contract_types, empty.details.max_hours_per_week) == ((), 0)


def test_offers_are_published_once_with_their_terms(app) -> None:
    data = csv("O1;Agent de propreté;K2204;nettoyage|tri;lyon;CDI;35;22 000;24000",
               "O2;Cariste;N1101;;Atlantide;CDD;60;30000;20000", header=OFFER_HEADER)
    report = app.import_offers(data, ADVISOR)
    (row,) = report.imported
    offer = app.repository.get(row.id)
    assert isinstance(offer, Offer) and row.id == imported_id("offer", "lyon-est", "O1")
    assert (offer.agency_id, offer.terms.commune, offer.terms.skills, offer.terms.salary_min) == (
        "lyon-est", "Lyon", ("nettoyage", "tri"), 22000)
    assert (offer.terms.description, offer.closed) == ("", False)
    assert {(p.line, p.column) for p in report.problems} == {(3, "heures_semaine"), (3, "salaire_max")}
    length = log_length(app)
    again = app.import_offers(data, ADVISOR)
    assert [r.reference for r in again.skipped] == ["O1"] and again.imported == [] and log_length(app) == length
    assert imported_id("offer", "lyon-est", "O1") != imported_id("candidate", "lyon-est", "O1")


def test_the_figures_columns_are_read_when_given_and_checked() -> None:
    header = HEADER + ";date_naissance;sexe;qpv"
    from application.csv_table import read_table
    from application.import_rows import CANDIDATE_COLUMNS, candidate_row

    table = read_table(csv(person("D1", "0612345678") + ";04/03/1990;Femme;oui",
                           person("D2", "0611111111") + ";;;",
                           person("D3", "0622222222") + ";1990;X;peut-être", header=header), CANDIDATE_COLUMNS)
    (given, ok), (empty, also_ok), (_, problems) = (candidate_row(r) for r in table.records)
    assert ok == also_ok == []
    assert (given.details.birth_date, given.details.sex, given.details.priority_area) == ("04/03/1990", "F", "yes")
    assert (empty.details.birth_date, empty.details.sex, empty.details.priority_area) == ("", "", "")
    assert {p.column for p in problems} == {"sexe", "qpv"}


def test_an_impossible_birth_date_is_reported_on_its_column(app) -> None:
    report = app.import_candidates(
        csv(person("D1", "0612345678") + ";31/02/1990;;", header=HEADER + ";date_naissance;sexe;qpv"), ADVISOR)
    assert [(p.line, p.column) for p in report.problems] == [(2, "date_naissance")]


def test_a_control_character_in_a_row_s_notes_is_reported_on_its_column_and_the_row_is_not_imported(app) -> None:
    report = app.import_candidates(
        csv(person("D1", "0612345678", notes="appeler\x1b[2J le matin"), person("D2", "0622222222", notes="ok\tmatin")),
        ADVISOR,
    )
    assert [r.reference for r in report.imported] == ["D2"]
    assert [(p.line, p.column, p.reason) for p in report.problems] == [
        (2, "notes", "Le texte des notes contient un caractère invisible (caractère de contrôle) : retirez-le."),
    ]
