"""Age band, sex and priority area: recorded only if given, the birth date encrypted like a name."""
from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.candidate import Candidate
from domain.demographics import age_band, age_on, birth_date, plausible_birth_date
from domain.errors import InvalidValueError
from domain.personal_data import PersonalData
from tests.unit.test_candidate import ADVISOR, NOW, profile

DAY = date(2026, 11, 30)


@pytest.mark.parametrize(("born", "band"), [
    ("2000-12-01", "<26"),  # 25 the day before their 26th birthday
    ("2000-11-30", "26-44"),  # 26 on their birthday
    ("1981-12-01", "26-44"),  # 44
    ("1981-11-30", "45-54"),  # 45
    ("1971-12-01", "45-54"),  # 54
    ("1971-11-30", "55+"),
    ("", ""),
    ("[effacé]", ""),
])
def test_the_age_band_of_a_birth_date_on_a_given_day(born: str, band: str) -> None:
    assert age_band(born, DAY) == band


def test_a_birth_year_alone_counts_as_born_on_the_first_of_july() -> None:
    assert age_on("2000", date(2026, 6, 30)) == 25
    assert age_on("2000", date(2026, 7, 1)) == 26


@pytest.mark.parametrize(("typed", "stored"), [
    ("1990-03-04", "1990-03-04"), ("4/3/1990", "1990-03-04"), (" 1990 ", "1990"), ("", ""),
])
def test_a_birth_date_is_typed_in_french_iso_or_as_a_year(typed: str, stored: str) -> None:
    assert birth_date(typed) == stored


@pytest.mark.parametrize("typed", ["31/02/1990", "1990-13-01", "90", "1850", "hier"])
def test_an_impossible_birth_date_is_refused_in_french(typed: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        birth_date(typed)
    assert "Date de naissance invalide" in caught.value.errors["birth_date"]


def test_an_implausible_age_is_refused() -> None:
    with pytest.raises(InvalidValueError):
        plausible_birth_date("2020", DAY)
    plausible_birth_date("1990", DAY)


def test_the_profile_records_them_only_if_given_and_validates_each() -> None:
    subject = uuid4()
    plain = Candidate.register("lyon-est", profile(subject), True, ADVISOR, NOW, id=subject)
    assert (plain.profile.birth_date, plain.profile.sex, plain.profile.priority_area) == (None, "", "")
    bad = profile(subject, birth_date=PersonalData(str(subject), "32/01/1990"), sex="X", priority_area="peut-être")
    with pytest.raises(InvalidValueError) as caught:
        Candidate.register("lyon-est", bad, True, ADVISOR, NOW, id=subject)
    assert set(caught.value.errors) == {"birth_date", "sex", "priority_area"}


def test_the_birth_date_is_personal_data_of_the_registered_person() -> None:
    subject = uuid4()
    with pytest.raises(TypeError):
        profile(subject, birth_date="1990-03-04")  # a bare str would be stored in clear
    with pytest.raises(ValueError, match="belong"):
        Candidate.register("lyon-est", profile(subject, birth_date=PersonalData(str(uuid4()), "1990")), True,
                           ADVISOR, NOW, id=subject)
    candidate = Candidate.register("lyon-est", profile(subject, birth_date=PersonalData(str(subject), "04/03/1990"),
                                                       sex="F", priority_area="yes"), True, ADVISOR, NOW, id=subject)
    assert candidate.profile.birth_date == PersonalData(str(subject), "1990-03-04")
