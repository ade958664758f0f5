"""Search keys: the same key as the plain per-character definition, for any text."""
from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from application.projections.text import search_key


def by_definition(*parts: object) -> str:
    text = " ".join(str(p) for p in parts if p)
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


def test_accents_case_and_spaces_are_dropped() -> None:
    assert search_key("  Élodie ", "LEFÈVRE", "Saint-Étienne", "", None, "K2204") == "elodie lefevre saint-etienne k2204"
    assert search_key("ﬁne Straße", "Ǆ") == "fine straße dz"  # compatibility forms decomposed, then unaccented; ß stays


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=4))
def test_any_text_gives_the_key_of_the_definition(parts: list[str]) -> None:
    assert search_key(*parts) == by_definition(*parts)


def test_marks_outside_latin_accents_are_dropped_as_the_definition_drops_them() -> None:
    mixed = ("Ça œuvre", "Nguyễn Thị", "ἀλήθεια", "a\u034fb", "क्षि", "e\u20d7", "x\u0301\u0327")
    assert search_key(*mixed) == by_definition(*mixed)
