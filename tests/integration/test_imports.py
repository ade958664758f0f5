"""CSV imports on SQLite and PostgreSQL: each row once (even when two imports race), bad rows
reported with their line, the good ones imported and shown in the read models."""
from __future__ import annotations

import threading
from collections.abc import Callable

from application.imports import ERASED, ImportReport, imported_id
from application.values import Reason
from infrastructure.bootstrap import Services
from tests.integration.helpers import (
    AGENCY,
    OTHER_AGENCY,
    advisor,
    compliance,
    count,
    details,
    max_id,
    mobile,
    notifications,
)

HEADER = "reference;prenom;nom;telephone;commune;codes_rome;competences;disponible_le;rayon_km;consentement_sms;notes"
OFFER_HEADER = (
    "reference;intitule;code_rome;competences;commune;type_contrat;heures_semaine;salaire_min;salaire_max;description"
)


def people(count_: int, start: int = 0) -> list[str]:
    return [
        f"DE-{n:05d};Prénom{n};Nom{n};{mobile(n)};Villeurbanne;K2204|G1602;nettoyage, tri;01/12/2026;15;oui;Note {n}"
        for n in range(start, start + count_)
    ]


def csv(*lines: str, header: str = HEADER) -> bytes:
    return ("\ufeff" + "\r\n".join((header, *lines)) + "\r\n").encode("utf-8")


def summary(report: ImportReport) -> tuple[int, int, int]:
    return len(report.imported), len(report.skipped), report.rejected


def test_a_file_imported_twice_is_imported_once_and_shows_in_the_agency_list(services: Services) -> None:
    data = csv(*people(450))  # more than two save batches
    first = services.app.import_candidates(data, advisor())
    assert summary(first) == (450, 0, 0)
    length = max_id(services)
    assert length == 450
    again = services.app.import_candidates(data, advisor())
    assert summary(again) == (0, 450, 0)
    assert max_id(services) == length
    assert count(services, "SELECT COUNT(*) AS n FROM rm_candidates WHERE agency_id = ?", (AGENCY,)) == 450
    view = services.candidates.get(advisor(), imported_id("candidate", AGENCY, "DE-00017"))
    assert (view.last_name, view.phone, view.available_from, view.sms_consent) == (
        "Nom17", "+33610000017", "2026-12-01", True)
    assert (view.rome_codes, view.skills, view.notes) == (["K2204", "G1602"], ["nettoyage", "tri"], "Note 17")
    assert services.candidates.search(advisor(OTHER_AGENCY), "").total == 0


def test_two_imports_of_one_file_racing_from_two_processes_write_each_row_once(
    make_services: Callable[..., Services]
) -> None:
    one, two = make_services(), make_services()
    data = csv(*people(300))
    reports: list[ImportReport] = []
    barrier = threading.Barrier(2)

    def run(services: Services) -> None:
        barrier.wait()
        reports.append(services.app.import_candidates(data, advisor()))

    threads = [threading.Thread(target=run, args=(s,)) for s in (one, two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(reports) == 2
    assert sum(len(r.imported) for r in reports) == 300
    assert sum(len(r.skipped) for r in reports) == 300
    assert all(r.problems == [] for r in reports)
    assert len(notifications(one)) == 300  # (PostgreSQL burns ids on the rolled-back batches: count records)
    assert count(one, "SELECT COUNT(*) AS n FROM rm_candidates") == 300


def test_a_row_checked_before_another_import_committed_it_collides_on_save_and_is_skipped(
    make_services: Callable[..., Services]
) -> None:
    one, late = make_services(), make_services()
    data = csv(*people(30))
    assert summary(one.app.import_candidates(data, advisor())) == (30, 0, 0)
    late.app._stored_topics = lambda _id: set()  # its look-up happened before the other commit
    assert summary(late.app.import_candidates(data, advisor())) == (0, 30, 0)
    assert len(notifications(late)) == 30


def test_bad_rows_are_reported_with_their_line_and_the_others_imported(services: Services) -> None:
    registered = services.app.register_candidate(details(phone=mobile(3)), sms_consent=False, caller=advisor())
    good = people(3)
    lines = [
        good[0],
        "DE-X;Léa;Sans-Commune;0650000000;Atlantide;K2204;;2026-12-01;10;oui;",
        good[1].replace(mobile(1), "12"),
        '"DE-Y";Luc;"Deux',
        'lignes";0651111111;Lyon;K2204;;31/11/2026;10;peut-être;',
        good[2],
        people(1, start=3)[0],  # the phone of the person registered with the form
    ]
    report = services.app.import_candidates(csv(*lines), advisor())
    assert [(r.line, r.reference) for r in report.imported] == [(2, "DE-00000"), (7, "DE-00002")]
    assert [(p.line, p.column) for p in report.problems] == [
        (3, "commune"),
        (4, "telephone"),
        (5, "disponible_le"),
        (5, "consentement_sms"),
        (8, "telephone"),
    ]
    assert report.problems[-1].reason == "Une personne inscrite dans l'agence a déjà ce numéro."
    assert count(services, "SELECT COUNT(*) AS n FROM rm_candidates") == 3
    assert services.candidates.get(advisor(), registered).last_name == "Martin"


def test_an_erased_person_is_reported_not_reimported_and_their_key_stays_deleted(services: Services) -> None:
    data = csv(*people(2))
    first = services.app.import_candidates(data, advisor())
    erased = first.imported[0].id
    services.app.erase_candidate(erased, Reason("demande_rgpd"), "personne", compliance())
    length = max_id(services)
    again = services.app.import_candidates(data, advisor())
    assert summary(again) == (0, 1, 1)
    assert [(p.line, p.column, p.reason) for p in again.problems] == [(2, "reference", ERASED)]
    assert max_id(services) == length
    assert count(services, "SELECT COUNT(*) AS n FROM personal_keys WHERE subject_id = ? AND wrapped_key <> ''",
                 (str(erased),)) == 0
    view = services.candidates.get(advisor(), erased)
    assert view.erased and view.phone == "[effacé]"
    services.projections.rebuild()  # the old events still decode (as erased) after the attempt
    assert services.candidates.get(advisor(), erased).erased


def test_offers_are_imported_once_and_bad_rows_reported(services: Services) -> None:
    data = csv(
        "OF-1;Agent de propreté;K2204;nettoyage|tri;Lyon;CDI;35;22 000;24 000;Poste du matin",
        "OF-2;Cariste;N1101;caces 3;Villeurbanne;Intérim;35;20000;21000;",
        "OF-3;Cariste;N1101;;Lyon;CDI;35;30000;20000;",
        "OF-4;Magasinier;N1103;;Lyon;stage;35;20000;21000;",
        header=OFFER_HEADER,
    )
    report = services.app.import_offers(data, advisor())
    assert summary(report) == (2, 0, 2)
    assert [(p.line, p.column) for p in report.problems] == [(4, "salaire_max"), (5, "type_contrat")]
    offers = {o.title: o for o in services.offers.search(advisor(), "").items}
    assert set(offers) == {"Agent de propreté", "Cariste"}
    assert (offers["Cariste"].contract_type, offers["Agent de propreté"].salary_min) == ("interim", 22000)
    assert offers["Cariste"].id == str(imported_id("offer", AGENCY, "OF-2"))
    length = max_id(services)
    assert summary(services.app.import_offers(data, advisor())) == (0, 2, 2)
    assert max_id(services) == length
