"""The conditions a job seeker accepts (contracts, hours, salary): validated, and absent from old events."""
from __future__ import annotations

from datetime import date

import pytest

from application.transcodings import CandidateProfileAsDict
from domain.candidate import CandidateProfile
from domain.errors import InvalidValueError
from domain.personal_data import PersonalData


def profile(**changes: object) -> CandidateProfile:
    values: dict[str, object] = dict(
        first_name=PersonalData("s", "Zoé"), last_name=PersonalData("s", "Canari"), phone=PersonalData("s", "+33612345678"),
        commune="Lyon", rome_codes=("K2204",), skills=("nettoyage",), available_from=date(2026, 12, 1), mobility_km=10,
        notes=PersonalData("s", ""),
    )
    values.update(changes)
    return CandidateProfile(**values)  # type: ignore[arg-type]


def test_an_event_recorded_before_the_conditions_existed_decodes_as_no_constraint() -> None:
    stored = CandidateProfileAsDict().encode(profile())
    for added in ("contract_types", "max_hours_per_week", "salary_min_expected"):
        del stored[added]
    old = CandidateProfileAsDict().decode(stored)
    assert (old.contract_types, old.max_hours_per_week, old.salary_min_expected) == ((), 0, 0)


def test_conditions_are_normalised_and_impossible_ones_named() -> None:
    clean = profile(contract_types=("interim", "CDI", "CDI"), max_hours_per_week=24, salary_min_expected=21_000)
    assert clean.validated().contract_types == ("CDI", "interim")
    with pytest.raises(InvalidValueError) as caught:
        profile(contract_types=("stage",), max_hours_per_week=49, salary_min_expected=-1).validated()
    assert set(caught.value.errors) == {"contract_types", "max_hours_per_week", "salary_min_expected"}
