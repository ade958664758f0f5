"""How figures and command results read: no "-0,0 pt", no "None..None"."""
from __future__ import annotations

from types import SimpleNamespace

from web.cli_audit import exported_range
from web.figures_view import points


def test_a_gap_that_rounds_to_zero_reads_zero_points_without_a_sign() -> None:
    assert points(-0.04) == points(0.0) == points(0.04) == "0,0 pt"
    assert (points(-1.26), points(2.0), points(None)) == ("-1,3 pt", "+2,0 pt", "—")


def test_an_empty_export_says_it_has_no_events() -> None:
    assert exported_range(SimpleNamespace(count=0, first_sequence=None, last_sequence=None)) == "no events"
    assert exported_range(SimpleNamespace(count=3, first_sequence=4, last_sequence=6)) == "sequences 4..6"
