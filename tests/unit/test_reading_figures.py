"""Corrections of the AI's readings of SMS replies: the rate overall, per model and by confidence,
summed from the groups the SQL returns (model × low confidence)."""
from __future__ import annotations

import pytest

from application.queries.reading_figures import ReadingFigures, ReadingGroup, ReadingTally

FIGURES = ReadingFigures([
    ReadingGroup("mistral-small-latest", False, ReadingTally(read=40, corrected=2, confirmed=5)),
    ReadingGroup("mistral-small-latest", True, ReadingTally(read=10, corrected=6, confirmed=1)),
    ReadingGroup("offline-rules/1", False, ReadingTally(read=8, corrected=0, confirmed=0)),
    ReadingGroup("offline-rules/1", True, ReadingTally(read=2, corrected=2, confirmed=0)),
])


def test_the_correction_rate_is_the_share_of_readings_the_advisors_changed() -> None:
    total = FIGURES.total
    assert (total.read, total.corrected, total.confirmed) == (60, 10, 6)
    assert total.correction_rate == pytest.approx(10 / 60)


def test_each_model_has_its_own_rate() -> None:
    assert [(model, t.read, t.corrected) for model, t in FIGURES.by_model] == [
        ("mistral-small-latest", 50, 8), ("offline-rules/1", 10, 2)]
    assert dict(FIGURES.by_model)["offline-rules/1"].correction_rate == pytest.approx(0.2)


def test_low_confidence_readings_are_compared_with_the_others() -> None:
    assert (FIGURES.low_confidence.read, FIGURES.low_confidence.corrected) == (12, 8)
    assert (FIGURES.other_confidence.read, FIGURES.other_confidence.corrected) == (48, 2)
    assert FIGURES.low_confidence.correction_rate == pytest.approx(8 / 12)


def test_with_no_reading_the_rate_is_unknown_not_zero() -> None:
    empty = ReadingFigures([])
    assert empty.total.read == 0 and empty.total.correction_rate is None
    assert empty.by_model == [] and empty.low_confidence.correction_rate is None
