"""Explanation letters on a real store: composed from the recorded events, never by asking a model
again; the same letter reads the same later; producing one is itself recorded."""
from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from application.errors import AccessDeniedError, AlreadyErasedError
from application.explanations import ExplanationLetters
from application.values import MatchCriteria, Reason
from domain.explanation_letter import ExplanationLetter
from infrastructure.bootstrap import Services
from tests.integration.compliance_helpers import CRITERIA, suggested_twice
from tests.integration.helpers import advisor, compliance, details, domain_events, terms


def letter_text(letter) -> str:
    return "\n".join([*letter.header, *(s.heading for s in letter.sections),
                      *(b.text for s in letter.sections for b in s.blocks)])


def numbered_headings(letter) -> list[str]:
    return [s.heading for s in letter.sections if s.heading[:1].isdigit()]


def pdf_headings(letter, monkeypatch) -> list[str]:
    """The section headings the PDF lays out, in their order (they are set in bold 12 pt)."""
    import infrastructure.letter_pdf as letter_pdf

    laid_out: list[str] = []

    class Recording(letter_pdf.FPDF):
        def multi_cell(self, w, h=None, text="", *args, **kwargs):
            if self.font_style == "B" and self.font_size_pt == 12:
                laid_out.append(text)
            return super().multi_cell(w, h, text, *args, **kwargs)

    monkeypatch.setattr(letter_pdf, "FPDF", Recording)
    letter_pdf.letter_pdf(letter)
    return laid_out


def register(services: Services) -> UUID:
    return services.app.register_candidate(
        details(first_name="Zoé", last_name="Lettre", phone="06 11 22 33 44"), True, advisor()
    )


def test_a_letter_says_which_suggestions_concerned_the_person_and_what_the_advisor_decided(
    services: Services, clock
) -> None:
    story = suggested_twice(services, register(services))
    letters = ExplanationLetters(services.app, services.database)
    dpo = compliance()
    clock.advance(days=3)
    letter_id = letters.produce(dpo, story.person)
    letter = letters.compose(compliance(), letter_id)

    text = letter_text(letter)
    assert letter.recipient == "Zoé Lettre" and letter.suggestion_count == 2
    assert "Offre « Agent d'entretien »" in text and "Offre « Agent de propreté »" in text
    assert "ne vous a pas retenu(e) pour cette offre ; motif : mobilité (« ne conduit pas le matin »)" in text
    assert "vous a retenu(e) pour cette offre ; motif : profil adapté à l'offre" in text
    assert "modèle : offline-bm25" in text
    assert "compétence requise : nettoyage de locaux" in text
    assert ("critères demandés par le conseiller : métier K2204, autour de Lyon, disponible au plus tard le "
            "15/12/2026, compétences requises : nettoyage de locaux, distance maximale : 30 km") in text
    assert "article 22 du RGPD" in text and "article 86" in text and "R311-3-1-2" in text
    models = [b for s in letter.sections for b in s.blocks if b.kind == "model"]
    recorded = [e.rationale for e in domain_events(services) if type(e).__name__ == "MatchSuggested"
                and e.candidate_id == story.person]
    assert [m.text for m in models] == [r for r in recorded if r]

    produced = [e for e in domain_events(services) if isinstance(e, ExplanationLetter.Produced)]
    assert len(produced) == 1
    assert (produced[0].candidate_id, produced[0].provenance.actor_id, produced[0].provenance.actor_role) == (
        story.person, dpo.actor_id, "compliance")


def test_a_letter_replays_the_log_as_it_was_when_produced(services: Services, clock) -> None:
    person = register(services)
    letters = ExplanationLetters(services.app, services.database)
    early = letters.produce(compliance(), person)
    clock.advance(hours=1)
    suggested_twice(services, person)
    before = letters.compose(compliance(), early)
    assert before.suggestion_count == 0
    assert "l'IA ne vous a proposé pour aucune offre" in letter_text(before)
    later = letters.compose(compliance(), letters.produce(compliance(), person))
    assert later.suggestion_count == 2
    # Composing again gives the very same letter: nothing is asked anew.
    assert letters.compose(compliance(), early) == before


def test_only_compliance_produces_letters_and_never_for_an_erased_person(services: Services) -> None:
    person = register(services)
    letters = ExplanationLetters(services.app, services.database)
    with pytest.raises(AccessDeniedError):
        letters.produce(advisor(), person)
    letter_id = letters.produce(compliance(), person)
    with pytest.raises(AccessDeniedError):
        letters.compose(advisor(), letter_id)
    services.app.erase_candidate(person, Reason("demande_rgpd"), "personne", compliance())
    with pytest.raises(AlreadyErasedError):
        letters.produce(compliance(), person)
    # An earlier letter still opens, with the person's data shown as erased.
    assert letters.compose(compliance(), letter_id).recipient == "[effacé] [effacé]"


def test_a_superseded_suggestion_and_a_manual_addition_are_told_apart(services: Services) -> None:
    person = register(services)
    offer = services.app.publish_offer(terms(title="Agent de tri"), advisor())
    services.app.request_shortlist(offer, CRITERIA, advisor())
    services.app.request_shortlist(offer, CRITERIA, advisor())  # a new list before any decision
    elsewhere = services.app.publish_offer(terms(title="Agent de quai", rome_code="N1103", skills=("quai",)), advisor())
    services.app.add_candidate_manually(elsewhere, person, Reason("connu_du_conseiller", "vu en atelier"), advisor())
    letters = ExplanationLetters(services.app, services.database)
    letter = letters.compose(compliance(), letters.produce(compliance(), person))
    text = letter_text(letter)
    assert letter.suggestion_count == 2
    assert "remplacée par une nouvelle liste avant qu'une décision soit prise" in text
    assert "Aucune décision n'a encore été prise sur cette suggestion." in text
    assert ("Offre « Agent de quai », le 30/11/2026 : un conseiller vous a retenu(e) sans suggestion de l'IA ; "
            "motif : personne connue du conseiller (« vu en atelier »).") in text


def test_a_letter_tells_each_sms_reply_the_ais_reading_as_recorded_and_the_advisors_correction(
    services: Services, clock
) -> None:
    from tests.integration.test_outreach import answer, start

    outreach_id, (person,), (phone,) = start(services)
    services.app.run_outreach_tick()
    clock.advance(minutes=3)
    answer(services, phone, "bof, pas de voiture")
    (reading,) = [e for e in domain_events(services) if type(e).__qualname__ == "Outreach.ReplyInterpreted"]
    services.app.correct_reading(outreach_id, person, reading.suggestion_id, "interested", ("transport",),
                                 "Rappelée : intéressée", advisor())
    clock.advance(days=1)
    letters = ExplanationLetters(services.app, services.database)
    letter = letters.compose(compliance(), letters.produce(compliance(), person))

    (section,) = [s for s in letter.sections if s.heading.endswith("Vos réponses par SMS et leur lecture par l'IA")]
    text = "\n".join(b.text for b in section.blocks)
    assert [b.text for b in section.blocks if b.kind == "model"] == ["bof, pas de voiture"]  # shown as a quote
    assert f"modèle {reading.ai.model}" in text and f"confiance {round(reading.confidence * 100)} %" in text
    assert "Corrigée par votre conseiller le " in text and "intéressé·e ; besoins signalés : transport" in text


def test_the_sections_present_are_numbered_one_after_another_in_the_page_and_the_pdf(
    services: Services, clock, monkeypatch
) -> None:
    from tests.integration.test_outreach import answer, start

    _, (person,), (phone,) = start(services)
    services.app.run_outreach_tick()
    clock.advance(minutes=3)
    answer(services, phone, "oui ça m'intéresse")
    letters = ExplanationLetters(services.app, services.database)
    without_addition = letters.compose(compliance(), letters.produce(compliance(), person))

    # No manual addition: the SMS section comes fifth, not sixth.
    assert numbered_headings(without_addition) == [
        "1. Le rôle de l'IA dans les décisions",
        "2. Les données utilisées et leur source",
        "3. Les opérations effectuées et leurs paramètres",
        "4. Les suggestions de l'IA qui vous concernent",
        "5. Vos réponses par SMS et leur lecture par l'IA",
    ]
    assert [h for h in pdf_headings(without_addition, monkeypatch) if h[:1].isdigit()] == (
        numbered_headings(without_addition))

    elsewhere = services.app.publish_offer(terms(title="Agent de quai", rome_code="N1103", skills=("quai",)), advisor())
    services.app.add_candidate_manually(elsewhere, person, Reason("connu_du_conseiller"), advisor())
    with_addition = letters.compose(compliance(), letters.produce(compliance(), person))
    assert numbered_headings(with_addition)[4:] == [
        "5. Les ajouts faits par un conseiller sans suggestion de l'IA",
        "6. Vos réponses par SMS et leur lecture par l'IA",
    ]


def test_each_criterion_says_whose_value_it_is_with_french_dates_and_decimal_commas(services: Services) -> None:
    # The acceptance tester's case: the advisor asks for 100 km, the person only travels 10 km.
    person = services.app.register_candidate(details(
        first_name="Zoé", last_name="Lettre", phone="06 11 22 33 44", available_from=date(2027, 1, 11),
        contract_types=("CDI", "interim"), max_hours_per_week=39, salary_min_expected=25_000,
    ), True, advisor())
    offer = services.app.publish_offer(terms(title="Agent de tri"), advisor())
    services.app.request_shortlist(offer, MatchCriteria(
        "K2204", "Lyon", date(2027, 12, 31), ("nettoyage de locaux",), max_distance_km=100, contract_type="CDI",
        hours_per_week=35, salary_min=20_000, salary_max=24_000,
    ), advisor())
    letters = ExplanationLetters(services.app, services.database)
    text = letter_text(letters.compose(compliance(), letters.produce(compliance(), person)))

    (suggested,) = [e for e in domain_events(services) if type(e).__name__ == "MatchSuggested"]
    (distance,) = [c.value for c in suggested.criteria_met if c.key == "distance"]
    assert "." in distance and "." in repr(suggested.score)  # recorded with a dot, written with a comma
    assert (f"distance entre votre commune et Lyon : {distance.replace('.', ',')} km, dans votre rayon de "
            "mobilité de 10 km, plus court que les 100 km demandés par le conseiller") in text
    assert ("date de disponibilité : vous êtes disponible à partir du 11/01/2027, le conseiller demandait au plus "
            "tard le 31/12/2027") in text
    assert "type de contrat demandé par le conseiller : CDI (vous acceptez : CDI, intérim)" in text
    assert "durée hebdomadaire demandée par le conseiller : 35 heures (votre maximum : 39 heures)" in text
    assert ("critères non remplis : salaire prévu par le conseiller : jusqu'à 24\u202f000 € par an "
            "(vous souhaitez au moins 25\u202f000 € par an)") in text
    assert f"score : {suggested.score:.3f}".replace(".", ",") in text
    assert "salaire de 20\u202f000 à 24\u202f000 € par an" in text  # the advisor's request
    assert "salaire annuel minimum souhaité : 25\u202f000 €" in text  # the data used
    assert "types de contrat acceptés : CDI, intérim" in text
    assert "2027-" not in text and "demandé : 10" not in text
