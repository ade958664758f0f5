"""INSEE codes retired by mergers ("communes nouvelles"): an event keeps the code it was recorded with,
and every reader places it as today's commune (docs/adr/0005, amendment of session 5)."""
from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from application.pool_composition import by_commune_today, commune_counts_by_code
from domain import commune_code
from domain.commune_code import UNKNOWN, code_of_stored_label, code_today, resolve_labels_with
from domain.matching import MatchCriteria
from domain.offer import Offer
from infrastructure.commune_index import CommuneIndex, successors
from infrastructure.gazetteer import InseeGazetteer, read_retired_codes
from tests.unit.fakes import FakeGazetteer

LYON = FakeGazetteer.COMMUNES[0]
# Two mergers in a row: a village merged into Bron, which a later COG merges into Lyon (made up).
CHAIN = (("69999", "69029"), ("69029", "69123"))
# Made up too: a village merged into Villeurbanne.
MERGED = (("69998", "69266"),)


@pytest.fixture
def resolver() -> Iterator[None]:
    installed = list(commune_code._resolver)
    yield
    commune_code._resolver[:] = installed


def gazetteer(retired: tuple[tuple[str, str], ...]) -> InseeGazetteer:
    """The test communes of a later COG: Bron is gone when the chain is retired (a delegated commune of Lyon,
    which the build lists among former communes)."""
    gone = {old for old, _ in retired}
    return InseeGazetteer(CommuneIndex((c for c in FakeGazetteer.COMMUNES if c.code not in gone),
                                       former=[("Bron", "69123")] if "69029" in gone else (), retired=retired))


def test_a_retired_code_designates_the_commune_it_was_merged_into() -> None:
    today = gazetteer(MERGED)
    assert today.today("69998").label == "Villeurbanne" and today.today("69998").code == "69266"
    assert today.coordinates("69998") == today.coordinates("69266")
    assert today.commune_code("69998") == "69266"
    assert today.today("69266").code == "69266"  # a current code is itself


def test_a_chain_of_two_mergers_leads_to_todays_commune() -> None:
    today = gazetteer(CHAIN)
    assert today.today("69999").label == "Lyon" and today.today("69029").label == "Lyon"
    assert today.coordinates("69999") == (LYON.latitude, LYON.longitude)
    assert successors(dict(CHAIN), {"69123"}) == {"69999": "69123", "69029": "69123"}


def test_an_unknown_code_or_a_chain_that_ends_nowhere_stays_unknown_without_failing() -> None:
    today = gazetteer(MERGED)
    assert today.today("99999").label == "" and today.coordinates("99999") is None and today.commune_code("99999") is None
    assert today.today(UNKNOWN).code == "" and today.coordinates("") is None
    assert successors({"11111": "22222", "22222": "11111", "33333": "44444"}, {"69123"}) == {}  # loop, dead end


def test_readers_group_a_recorded_code_with_todays_commune(resolver) -> None:
    resolve_labels_with(gazetteer(CHAIN).commune_code)
    assert code_today("69999") == "69123" and code_today("69266") == "69266"
    assert code_today(UNKNOWN) == UNKNOWN and code_today("99999") == "99999" and code_today("") == ""
    assert by_commune_today({"69999": 2, "69029": 1, "69123": 4, "": 3}) == {"69123": 7, "": 3}
    commune_code._resolver.clear()
    assert code_today("69999") == "69999"  # no resolver installed: as recorded


def test_older_requests_counted_labels_read_into_codes(resolver) -> None:
    resolve_labels_with(FakeGazetteer().commune_code)
    counts = {"Lyon": 3, "Villeurbanne": 1, "69029": 2, "Saint-Denis": 1, "": 4}
    # "Saint-Denis" alone is two communes: not recorded, as an unknown commune always was.
    assert commune_counts_by_code(counts) == {"": 5, "69029": 2, "69123": 3, "69266": 1}


def test_an_upcast_of_a_match_request_recorded_with_a_label_gives_its_criteria_the_code(resolver) -> None:
    resolve_labels_with(gazetteer(CHAIN).commune_code)
    criteria = MatchCriteria("K2204", "Bron", date(2026, 12, 15))  # recorded before session 5: no code
    state = {"criteria": criteria}
    Offer.MatchRequested.upcast_v1_v2(state)
    assert (state["criteria"].commune, state["criteria"].commune_code) == ("Bron", "69123")  # Bron is Lyon's now
    assert Offer.MatchRequested.class_version == 2


def test_the_packaged_history_leads_retired_codes_to_current_communes() -> None:
    retired = read_retired_codes()
    index = InseeGazetteer().index
    assert len(retired) > 4000
    assert InseeGazetteer().today("50602").label == "Cherbourg-en-Cotentin"  # Tourlaville, merged in 2016
    assert all(index.stored(old) is not None for old, _ in retired)
    assert not any(index.stored(old).code == old for old, _ in retired)  # never a current code


def build_script() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "scripts" / "build_communes.py"
    spec = importlib.util.spec_from_file_location("build_communes", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_build_keeps_the_edges_of_earlier_runs_and_drops_restored_communes() -> None:
    script = build_script()
    rows = [("69123",), ("69266",), ("01015",)]  # the current communes of a later COG
    data = [
        {"type": "commune-actuelle", "code": "69123", "anciensCodes": ["69029"]},  # Bron merged into Lyon
        {"type": "commune-actuelle", "code": "69266"},
        {"type": "commune-actuelle", "code": "01015", "anciensCodes": ["01340"]},
    ]
    previous = {"69999": "69029", "01015": "01340", "01340": "01015"}  # 01015 was retired, then restored
    assert script.code_history(rows, data, previous) == [("01340", "01015"), ("69029", "69123"), ("69999", "69029")]


def test_the_codes_merged_into_a_commune_are_found_by_part_of_its_current_name_and_only_those() -> None:
    assert gazetteer(MERGED).merged_into("Villeur") == ("69998",)
    assert gazetteer(MERGED).merged_into("VILLEURBANNE") == ("69998",)
    assert sorted(gazetteer(CHAIN).merged_into("lyon")) == ["69029", "69999"]  # both mergers of the chain
    assert gazetteer(MERGED).merged_into("Lyon") == gazetteer(MERGED).merged_into("  ") == ()
