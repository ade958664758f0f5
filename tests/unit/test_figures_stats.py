"""The arithmetic of the oversight figures: override rate, decision-time percentiles, gap flags."""
from __future__ import annotations

import pytest

from application.figures_stats import gaps, nearest_rank_offset, override_rate, share
from application.pool_composition import composition


def test_the_override_rate_counts_rejections_and_manual_additions_against_all_shortlisting_decisions() -> None:
    assert override_rate(accepted=6, rejected=3, added_manually=1) == pytest.approx(0.4)
    assert override_rate(accepted=10, rejected=0, added_manually=0) == 0
    assert override_rate(accepted=0, rejected=0, added_manually=0) is None  # no decision: no rate, not 0 %


def test_a_share_of_nothing_is_unknown_rather_than_zero() -> None:
    assert share(0, 0) is None
    assert share(1, 4) == 0.25


@pytest.mark.parametrize(("count", "fraction", "offset"), [
    (10, 0.5, 4), (10, 0.1, 0), (11, 0.5, 5), (1, 0.1, 0), (100_000, 0.1, 9_999), (0, 0.5, None),
])
def test_percentiles_use_the_nearest_rank(count: int, fraction: float, offset: int | None) -> None:
    assert nearest_rank_offset(count, fraction) == offset
    if offset is not None:  # the smallest value with at least `fraction` of the values at or below it
        assert (offset + 1) / count >= fraction and offset / count < fraction


def test_a_gap_is_flagged_when_it_passes_the_threshold_among_recorded_categories() -> None:
    pool = {"F": 50, "M": 50, "": 40}
    shortlisted = {"F": 7, "M": 13, "": 30}  # 35 % of women among those recorded vs 50 % in the pool
    rows = {row.category: row for row in gaps(pool, shortlisted, threshold_points=10, min_selected=20)}
    assert rows["F"].pool_share == 0.5 and rows["F"].selected_share == pytest.approx(0.35)
    assert rows["F"].gap_points == pytest.approx(-15)
    assert rows["F"].flagged and rows["M"].flagged
    assert not rows[""].flagged and rows[""].selected_share is None  # "not recorded" is shown, never judged
    assert [row.category for row in gaps(pool, shortlisted, 10, 20)][-1] == ""


def test_no_gap_is_flagged_under_the_threshold_or_on_too_few_selected_people() -> None:
    pool, shortlisted = {"F": 50, "M": 50}, {"F": 8, "M": 12}  # 10 points exactly
    assert all(row.flagged for row in gaps(pool, shortlisted, threshold_points=10, min_selected=20))
    assert not any(row.flagged for row in gaps(pool, shortlisted, threshold_points=10.5, min_selected=20))
    assert not any(row.flagged for row in gaps(pool, shortlisted, threshold_points=10, min_selected=21))


def test_a_category_absent_from_the_shortlist_shows_a_full_gap() -> None:
    rows = {row.category: row for row in gaps({"yes": 20, "no": 80}, {"no": 30}, 10, 20)}
    assert rows["yes"].selected == 0 and rows["yes"].gap_points == pytest.approx(-20) and rows["yes"].flagged


def test_a_pool_composition_counts_each_dimension_apart() -> None:
    people = [
        {"age_band": "<26", "sex": "F", "priority_area": "yes", "commune": "Lyon"},
        {"age_band": "<26", "sex": "", "priority_area": "no", "commune": "Bron"},
    ]
    assert composition(people) == {
        "age_band": {"<26": 2}, "sex": {"": 1, "F": 1}, "priority_area": {"no": 1, "yes": 1},
        "commune": {"Bron": 1, "Lyon": 1},
    }


def test_the_eligible_composition_counts_only_eligible_people_placed_on_the_request_day() -> None:
    from datetime import date

    from application.pool_composition import eligible_composition
    from application.screening import PoolCandidate

    codes = {"Lyon": "69123", "Bron": "69029"}

    def person(n: int, born: str, sex: str, area: str, commune: str) -> PoolCandidate:
        return PoolCandidate(str(n), "lyon-est", 1, commune, ("K2204",), (), date(2026, 1, 1), 10, (), 0, 0, True,
                             False, birth_date=born, sex=sex, priority_area=area, commune_code=codes[commune])

    people = [person(1, "2000-12-01", "F", "yes", "Lyon"), person(2, "2000-12-01", "F", "", "Lyon"),
              person(3, "1960", "M", "no", "Bron"), person(4, "1990", "M", "no", "Bron")]
    assert eligible_composition(people, ["1", "2", "3"], date(2026, 11, 30)) == {
        "age_band": {"<26": 2, "55+": 1}, "sex": {"F": 2, "M": 1}, "priority_area": {"": 1, "no": 1, "yes": 1},
        "commune": {"69029": 1, "69123": 2},  # by INSEE code (docs/adr/0005, session 5)
    }
    assert eligible_composition(people, ["1"], date(2026, 12, 1))["age_band"] == {"26-44": 1}  # their birthday
