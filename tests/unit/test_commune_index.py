"""Finding the commune an advisor typed, on a handful of communes (tests.unit.fakes.FakeGazetteer)."""
from __future__ import annotations

import pytest

from application.ports import CommuneMatch
from infrastructure.commune_index import CommuneIndex, name_key
from tests.unit.fakes import FakeGazetteer

SAINT_DENIS = ("Saint-Denis (974)", "Saint-Denis (93)")  # most populous first


@pytest.fixture
def index() -> CommuneIndex:
    return FakeGazetteer().index


@pytest.mark.parametrize("typed", ["Vénissieux", "venissieux", "  VENISSIEUX ", "Vénissieux (69)", "69200",
                                   "69200 Vénissieux", "venissieux 69200"])
def test_a_commune_is_found_whatever_the_case_accents_or_spaces_and_by_postcode(index, typed) -> None:
    assert index.find(typed) == CommuneMatch(label="Vénissieux", code="69259")


def test_st_and_ste_read_as_saint_and_sainte_and_hyphens_as_spaces() -> None:
    assert name_key("St-Denis") == name_key("saint denis") == name_key("Saint-Denis")
    assert name_key("Ste Foy l'Argentière") == name_key("Sainte-Foy-l’Argentière")
    assert name_key("Œuilly") == "oeuilly"


def test_a_name_several_communes_bear_gives_them_all_to_choose_from(index) -> None:
    assert index.find("saint denis") == CommuneMatch(choices=SAINT_DENIS)


@pytest.mark.parametrize("typed", ["Saint-Denis (93)", "saint-denis (93)", "St Denis 93200", "93210 Saint-Denis"])
def test_the_department_or_a_postcode_picks_one_of_them(index, typed) -> None:
    assert index.find(typed) == CommuneMatch(label="Saint-Denis (93)", code="93066")


def test_a_department_that_fits_none_of_them_offers_them_again(index) -> None:
    assert index.find("Saint-Denis (13)") == CommuneMatch(choices=SAINT_DENIS)
    assert index.find("Lyon (75)") == CommuneMatch(choices=("Lyon",))
    assert index.find("Ancy 69200") == CommuneMatch(choices=("Ancy",))


def test_a_postcode_alone_gives_its_commune(index) -> None:
    assert index.find("75015") == CommuneMatch(label="Paris", code="75056")
    assert index.find("97400") == CommuneMatch(label="Saint-Denis (974)", code="97411")


@pytest.mark.parametrize("typed", ["Atlantide", "", "   ", "99999", "Atlantide (69)"])
def test_what_designates_no_commune_finds_none(index, typed) -> None:
    assert index.find(typed) == CommuneMatch()


def test_a_stored_label_or_a_name_stored_before_homonyms_were_told_apart_gives_the_commune() -> None:
    index = CommuneIndex(FakeGazetteer.COMMUNES, legacy={"Saint-Denis": "93066", "Lyon 03": "69123"})
    assert index.stored("Saint-Denis (974)").code == "97411"
    assert index.stored("Saint-Denis").code == "93066"
    assert index.stored("Lyon 03").code == "69123"
    assert index.stored("Bron").code == "69029"
    assert index.stored("Atlantide") is None


def test_a_name_stored_before_and_typed_again_offers_the_commune_it_meant_first() -> None:
    index = CommuneIndex(FakeGazetteer.COMMUNES, legacy={"Saint-Denis": "93066", "Lyon 03": "69123"})
    assert index.find("Saint-Denis") == CommuneMatch(choices=("Saint-Denis (93)", "Saint-Denis (974)"))
    assert index.find("Lyon 03") == CommuneMatch(choices=("Lyon",))
    assert index.find("saint denis") == CommuneMatch(choices=SAINT_DENIS)  # typed anew: as for anyone


def test_a_former_commune_no_current_one_is_named_after_designates_the_commune_it_is_part_of() -> None:
    index = CommuneIndex(FakeGazetteer.COMMUNES, former=[("Saint-Rambert-l'Île-Barbe", "69123"), ("Bron", "69123")])
    assert index.find("saint rambert l ile barbe") == CommuneMatch(label="Lyon", code="69123")
    assert index.find("Bron") == CommuneMatch(label="Bron", code="69029")  # a current commune keeps its name


def test_suggestions_begin_as_typed_most_populous_first(index) -> None:
    assert index.suggest("v", 10) == ["Villeurbanne", "Vénissieux", "Vienne"]
    assert index.suggest("VI", 1) == ["Villeurbanne"]
    assert index.suggest("saint denis (9", 5) == list(SAINT_DENIS)
    assert index.suggest("6910", 5) == ["Villeurbanne"]
    assert index.suggest("zz", 5) == [] and index.suggest(" ", 5) == []
