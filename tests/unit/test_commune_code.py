"""The commune code of profiles and offer terms, and the upcast of events recorded before it."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from uuid import uuid4

import pytest

from domain import commune_code
from domain.commune_code import UNKNOWN, code_of_stored_label, resolve_labels_with, with_code
from domain.errors import InvalidValueError
from tests.unit.fakes import FakeGazetteer
from tests.unit.test_candidate import profile


@pytest.fixture
def resolver() -> Iterator[None]:
    installed = list(commune_code._resolver)
    yield
    commune_code._resolver[:] = installed


def test_a_label_is_read_into_the_code_of_the_one_commune_it_designates(resolver) -> None:
    resolve_labels_with(FakeGazetteer().commune_code)
    assert code_of_stored_label("Villeurbanne") == "69266"
    assert code_of_stored_label("Saint-Denis (974)") == "97411"
    assert code_of_stored_label("Saint-Denis") == UNKNOWN  # two communes: not guessed
    assert code_of_stored_label("Atlantide") == UNKNOWN


def test_without_a_resolver_or_with_a_wrong_answer_the_code_is_unknown(resolver) -> None:
    commune_code._resolver.clear()
    assert code_of_stored_label("Villeurbanne") == UNKNOWN
    resolve_labels_with(lambda label: "Lyon")
    assert code_of_stored_label("Lyon") == UNKNOWN


def test_the_upcast_gives_the_profile_its_code_and_keeps_the_label(resolver) -> None:
    resolve_labels_with(FakeGazetteer().commune_code)
    recorded = profile(uuid4(), commune="Vienne")
    state = {"profile": recorded}
    with_code(state, "profile")
    assert (state["profile"].commune, state["profile"].commune_code) == ("Vienne", "38544")
    assert state["profile"] == replace(recorded, commune_code="38544") and recorded.commune_code == ""


@pytest.mark.parametrize("code", ["69123", "2A004", "97411", UNKNOWN, ""])
def test_a_profile_accepts_an_insee_code_or_unknown(code: str) -> None:
    assert replace(profile(uuid4()), commune_code=code).validated().commune_code == code


@pytest.mark.parametrize("code", ["6912", "Lyon", "69 123", "2C004"])
def test_a_profile_refuses_anything_else_as_a_code(code: str) -> None:
    with pytest.raises(InvalidValueError) as error:
        replace(profile(uuid4()), commune_code=code).validated()
    assert error.value.errors == {"commune": "Code INSEE de commune invalide."}
