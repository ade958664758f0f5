"""A count and its noun agree as in French: 0 and 1 take the singular, 2 and more the plural."""
from __future__ import annotations

from web.labels import count


def test_zero_and_one_take_the_singular_and_two_the_plural() -> None:
    assert count(0, "décision") == "0 décision"
    assert count(1, "lecture corrigée", "lectures corrigées") == "1 lecture corrigée"
    assert count(2, "lecture corrigée", "lectures corrigées") == "2 lectures corrigées"
    assert count(1.5, "point") == "1.5 point" and count(20, "personne") == "20 personnes"
