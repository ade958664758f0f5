"""The packaged commune data: every current French commune, with a plausible position."""
from __future__ import annotations

import csv
import gzip
from collections import Counter

import pytest

from application.geo import distance_km
from infrastructure.gazetteer import DATA, InseeGazetteer, read_communes

# Latitude and longitude ranges of metropolitan France and of each overseas territory kept.
AREAS = {
    "metro": ((41.3, 51.1), (-5.2, 9.6)), "971": ((15.8, 16.6), (-61.9, -61.0)), "972": ((14.3, 14.9), (-61.3, -60.8)),
    "973": ((2.1, 5.8), (-54.7, -51.6)), "974": ((-21.4, -20.8), (55.2, 55.9)), "975": ((46.7, 47.2), (-56.5, -56.1)),
    "976": ((-13.1, -12.6), (45.0, 45.4)), "977": ((17.8, 18.0), (-63.0, -62.7)), "978": ((18.0, 18.2), (-63.2, -62.9)),
}


@pytest.fixture(scope="module")
def gazetteer() -> InseeGazetteer:
    return InseeGazetteer()


def test_every_current_commune_is_there_once_with_a_position_in_its_territory() -> None:
    communes = read_communes()
    assert 34_800 < len(communes) < 35_000
    assert len({c.code for c in communes}) == len(communes)
    for c in communes:
        (south, north), (west, east) = AREAS.get(c.department, AREAS["metro"])
        assert south <= c.latitude <= north and west <= c.longitude <= east, c
        assert c.postcodes, c
    assert Counter(c.department for c in communes)["974"] == 24


def test_every_label_designates_its_commune(gazetteer) -> None:
    index = gazetteer.index
    for commune in index.communes():
        assert index.find(index.label(commune)).label == index.label(commune)


def test_a_village_under_1000_inhabitants_is_known(gazetteer) -> None:
    commune = gazetteer.commune(gazetteer.find_commune("Poleymieux-au-Mont-d'Or").label)
    assert commune.population < 1_500 and commune.code == "69153"
    ancy = gazetteer.commune("Ancy")
    assert ancy.population < 1_000


def test_a_former_commune_now_part_of_a_commune_nouvelle_designates_it(gazetteer) -> None:
    assert gazetteer.find_commune("Tourlaville").label == "Cherbourg-en-Cotentin"
    assert gazetteer.find_commune("tourlaville (50)").label == "Cherbourg-en-Cotentin"


def test_distances_between_neighbouring_communes_are_sane(gazetteer) -> None:
    lyon = gazetteer.coordinates("Lyon")
    assert distance_km(lyon, gazetteer.coordinates("Villeurbanne")) < 10
    assert 380 < distance_km(lyon, gazetteer.coordinates("Paris")) < 410
    assert 250 < distance_km(lyon, gazetteer.coordinates("Marseille")) < 290
    assert distance_km(gazetteer.coordinates("Saint-Denis (93)"), gazetteer.coordinates("Paris")) < 12


def test_names_stored_before_every_commune_was_known_keep_their_place(gazetteer) -> None:
    # GeoNames' "Saint-Ouen" is Saint-Ouen-sur-Seine (93); two smaller communes are called Saint-Ouen.
    assert gazetteer.find_commune("Saint-Ouen").choices == ("Saint-Ouen-sur-Seine", "Saint-Ouen (41)", "Saint-Ouen (80)")
    assert gazetteer.coordinates("Saint-Ouen") == gazetteer.coordinates("Saint-Ouen-sur-Seine")
    assert gazetteer.coordinates("Saint-Denis") == gazetteer.coordinates("Saint-Denis (93)")
    assert gazetteer.coordinates("Lyon 03") == gazetteer.coordinates("Lyon")
    assert gazetteer.coordinates("Atlantide") is None


def test_almost_every_position_is_the_town_hall_or_the_centre_of_the_commune() -> None:
    # docs/adr/0005, session 4: estimates from the neighbours (postcode, intercommunalité) are the exception.
    with gzip.open(DATA / "communes.csv.gz", "rt", encoding="utf-8", newline="") as lines:
        sources = Counter(row["source"] for row in csv.DictReader(lines, delimiter=";"))
    assert sum(sources.values()) == len(read_communes())
    assert sources["mairie"] / sum(sources.values()) > 0.95
    assert sources["code_postal"] + sources["epci"] + sources["departement"] < 50


def test_positions_are_where_the_town_halls_are(gazetteer) -> None:
    # Town halls of the annuaire (WGS 84), to a few hundred metres.
    assert distance_km(gazetteer.coordinates("Poleymieux-au-Mont-d'Or"), (45.8567, 4.8013)) < 1.5
    assert distance_km(gazetteer.coordinates("Villeurbanne"), (45.7667, 4.8803)) < 1.5
