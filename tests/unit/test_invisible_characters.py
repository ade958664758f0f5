"""People's names, identity texts and every free text a person types refuse control characters, and only those."""
from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from domain.candidate import Candidate, CandidateProfile
from domain.erasure_request import reference
from domain.errors import InvalidValueError
from domain.offer import OfferTerms
from domain.personal_data import PersonalData
from domain.provenance import Provenance, Reason
from domain.values import free_text

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ADVISOR = Provenance("advisor-1", "advisor", "req-1")


def profile(
    first_name: str = "Zoé", last_name: str = "Martin", commune: str = "Lyon", subject: str = "", notes: str = ""
) -> CandidateProfile:
    subject = subject or str(uuid4())
    return CandidateProfile(
        first_name=PersonalData(subject, first_name), last_name=PersonalData(subject, last_name),
        phone=PersonalData(subject, "+33612345678"), commune=commune, rome_codes=("K2204",), skills=(),
        available_from=date(2026, 12, 1), mobility_km=15, notes=PersonalData(subject, notes),
    )


@pytest.mark.parametrize("invisible", ["\x00", "\x01", "\x1b", "\x7f", "\x9b", "\u202e", "\u2066"])
def test_a_control_character_in_a_name_is_refused_beside_that_field_in_french(invisible: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        profile(first_name=f"Zo{invisible}é", last_name=f"{invisible}Martin").validated()
    assert set(caught.value.errors) == {"first_name", "last_name"}
    assert caught.value.errors["first_name"] == (
        "Le prénom contient un caractère invisible (caractère de contrôle) : retirez-le."
    )


@pytest.mark.parametrize("name", ["Zoé", "D'Arc-Lévy", "Jean  Pierre", "N’Diaye", "Ørsted Łukasz", "Françoise\tMarie"])
def test_spaces_apostrophes_hyphens_and_accents_are_still_accepted(name: str) -> None:
    person = uuid4()
    candidate = Candidate.register(
        "lyon-est", profile(first_name=name, last_name=name, subject=str(person)), True, ADVISOR, NOW, id=person
    )
    assert candidate.profile.first_name.value == name


def test_the_commune_and_an_offer_title_refuse_them_too() -> None:
    with pytest.raises(InvalidValueError) as caught:
        profile(commune="Ly\x1bon").validated()
    assert set(caught.value.errors) == {"commune"}
    with pytest.raises(InvalidValueError) as caught:
        OfferTerms(
            title="Agent\x00 d'entretien", rome_code="K2204", contract_type="CDI", commune="Lyon", skills=(),
            salary_min=20000, salary_max=25000, hours_per_week=35,
        ).validated()
    assert "title" in caught.value.errors


def terms(description: str) -> OfferTerms:
    return OfferTerms(
        title="Agent d'entretien", rome_code="K2204", contract_type="CDI", commune="Lyon", skills=(),
        salary_min=20000, salary_max=25000, hours_per_week=35, description=description,
    )


INVISIBLE = ["\x00", "\x07", "\x1b", "\r", "\x7f", "\x85", "\x9b", "\u202e", "\u2067"]


@pytest.mark.parametrize("invisible", INVISIBLE)
def test_notes_and_an_offer_description_refuse_a_control_character_beside_the_field(invisible: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        profile(notes=f"Préfère les matins{invisible}").validated()
    assert caught.value.errors == {"notes": "Le texte des notes contient un caractère invisible (caractère de contrôle) : retirez-le."}
    with pytest.raises(InvalidValueError) as caught:
        terms(f"Horaires{invisible} décalés").validated()
    assert set(caught.value.errors) == {"description"}


def test_multi_line_notes_and_descriptions_keep_their_line_breaks_and_tabs() -> None:
    text = "Préfère les matins.\nPas de voiture :\r\n\tbus le matin."
    assert profile(notes=text).validated().notes.value == text
    assert terms(text).validated().description == text


@pytest.mark.parametrize("invisible", [*INVISIBLE, "\n", "\t"])
def test_a_reason_s_free_text_and_an_erasure_reference_refuse_them_even_a_line_break(invisible: str) -> None:
    # Both are one-line fields: a line break in them can only be pasted or scripted.
    with pytest.raises(InvalidValueError) as caught:
        Reason("autre", f"déménagement{invisible}").require_in(("autre",))
    assert caught.value.errors == {
        "reason_text": "La précision du motif contient un caractère invisible (caractère de contrôle) : retirez-le."
    }
    if invisible not in ("\n", "\t", "\r", "\x85"):  # whitespace: a reference's is folded into spaces
        with pytest.raises(InvalidValueError) as caught:
            reference(f"courrier{invisible}2026", NOW)
        assert set(caught.value.errors) == {"reference"}


def test_accents_quotes_and_emoji_are_free_text_too() -> None:
    Reason("autre", "N’a plus de véhicule — « trop loin » 🚌").require_in(("autre",))
    assert free_text("Zoé\n\tD'Arc", "notes", "Le texte des notes", multiline=True) == "Zoé\n\tD'Arc"
