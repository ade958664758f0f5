"""Finding a French commune as an advisor types it: name, "Name (department)", postcode.

A former commune, now delegated or associated, is read as the commune it is part of; so is an
INSEE code that a merger retired (a code recorded in an event before a later COG merged its
commune: the event keeps that code, the index answers with today's commune).

Names are compared without case, accents, hyphens or apostrophes ("saint etienne" is
Saint-Étienne; "St" and "Ste" are read as Saint and Sainte). Many communes share a name (twelve
are called Sainte-Colombe): such a name alone designates them all, and the advisor adds the
department or the postcode. See docs/adr/0005-communes.md.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Container, Iterable
from heapq import nsmallest
from typing import NamedTuple

from application.ports import CommuneMatch

_SEPARATORS = str.maketrans({"-": " ", "'": " ", "’": " ", ".": " ", ",": " ", "œ": "oe", "æ": "ae"})
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}
_QUALIFIED = re.compile(r"(?P<name>.+?)\s*\(\s*(?P<qualifier>[^()]*?)\s*\)")
_POSTCODE_FIRST = re.compile(r"(?P<postcode>\d{5})\s*(?P<name>.*)")
_POSTCODE_LAST = re.compile(r"(?P<name>.+?)\s+(?P<postcode>\d{5})")


def name_key(text: str) -> str:
    # NFKD splits "é" into "e" and an accent, which the ASCII encoding drops (œ and æ are spelt out first).
    plain = unicodedata.normalize("NFKD", text.lower().translate(_SEPARATORS)).encode("ascii", "ignore").decode()
    words = plain.split()
    if "st" in words or "ste" in words:
        words = [_ABBREVIATIONS.get(word, word) for word in words]
    return " ".join(words)


def department_code(text: str) -> str:
    """The department code as INSEE writes it: 2a is 2A, 1 is 01."""
    code = text.strip().upper()
    return code.zfill(2) if code.isdigit() and len(code) == 1 else code


class Commune(NamedTuple):  # a tuple: 35,000 of them are built at first use
    code: str  # INSEE
    name: str
    department: str
    postcodes: tuple[str, ...]
    population: int
    latitude: float
    longitude: float


def successors(retired: dict[str, str], current: Container[str]) -> dict[str, str]:
    """Each retired code's commune today, following mergers one after another (A into B, then B into C:
    A is C). A chain that ends on no current code (or loops, which the COG never does) is left out."""
    today: dict[str, str] = {}
    for old in retired:
        code, seen = old, {old}
        while code not in current and code in retired:
            code = retired[code]
            if code in seen:
                break
            seen.add(code)
        if code in current:
            today[old] = code
    return today


class CommuneIndex:
    """Every commune by label, name, postcode; built once from the records."""

    def __init__(self, communes: Iterable[Commune], legacy: dict[str, str] | None = None,
                 former: Iterable[tuple[str, str]] = (), retired: Iterable[tuple[str, str]] = ()) -> None:
        self._by_name: dict[str, list[Commune]] = defaultdict(list)
        self._by_postcode: dict[str, list[Commune]] = defaultdict(list)
        everyone = list(communes)
        for commune in everyone:
            self._by_name[name_key(commune.name)].append(commune)
            for postcode in commune.postcodes:
                self._by_postcode[postcode].append(commune)
        for sharing in self._by_postcode.values():
            sharing.sort(key=lambda c: -c.population)  # the choices offered, largest first
        self._label: dict[str, str] = {}
        for homonyms in self._by_name.values():
            if len(homonyms) == 1:
                self._label[homonyms[0].code] = homonyms[0].name
                continue
            homonyms.sort(key=lambda c: (-c.population, c.department))  # the choices offered, largest first
            for commune in homonyms:
                self._label[commune.code] = f"{commune.name} ({commune.department})"
        self._by_label = {self._label[c.code]: c for c in everyone}
        self._by_code = by_code = {c.code: c for c in everyone}
        # Names stored before homonyms were told apart, with the commune they meant (see build script).
        self._legacy = {name: by_code[code] for name, code in (legacy or {}).items() if code in by_code}
        # Delegated and associated communes no current commune is named after: (name, code of the commune they are part of).
        self._former: dict[str, list[Commune]] = defaultdict(list)
        for name, code in former:
            if code in by_code and by_code[code] not in self._former[name_key(name)]:
                self._former[name_key(name)].append(by_code[code])
        # Codes retired by mergers: (old code, code it was merged into), followed to today's commune.
        self._retired = {old: by_code[code] for old, code in successors(dict(retired), by_code).items()}
        self._retired_by_name: list[tuple[str, str]] | None = None  # (today's name key, retired code), at first use
        self._keys = sorted(self._by_name)
        self._postcodes = sorted(self._by_postcode)

    def __len__(self) -> int:
        return len(self._by_label)

    def label(self, commune: Commune) -> str:
        return self._label[commune.code]

    def communes(self) -> Iterable[Commune]:
        return self._by_label.values()

    def stored(self, commune: str) -> Commune | None:
        """The commune a stored value names today: an INSEE code (a retired one: the commune it was merged
        into), a label, or a name stored before (legacy).

        A code is tried first: it is never a label, while read as typed it would be a postcode."""
        found = (self._by_code.get(commune) or self._retired.get(commune) or self._by_label.get(commune)
                 or self._legacy.get(commune))
        if found is None:
            match = self.find(commune)
            found = self._by_label.get(match.label) if match.label else None
        return found

    def merged_into(self, text: str) -> tuple[str, ...]:
        """The retired codes whose commune today has a name holding `text` (compared as `name_key`)."""
        wanted = name_key(text)
        if not wanted:
            return ()
        if self._retired_by_name is None:
            self._retired_by_name = sorted((name_key(commune.name), old) for old, commune in self._retired.items())
        return tuple(old for name, old in self._retired_by_name if wanted in name)

    def find(self, typed: str) -> CommuneMatch:
        text = " ".join(typed.split())
        # A few official names hold brackets themselves: "Bors (Canton de Charente-Sud)".
        name, qualifier = (text, "") if name_key(text) in self._by_name else self._parse(text)
        if not name and not qualifier:
            return CommuneMatch()
        found = self._by_name.get(name_key(name), []) if name else self._by_postcode.get(qualifier, [])
        if name and not found:
            found = self._former.get(name_key(name), [])  # Tourlaville: Cherbourg-en-Cotentin
        if qualifier and name:
            wanted = department_code(qualifier)
            # A department or postcode that fits none of them: they are offered to choose from.
            found = [c for c in found if qualifier in c.postcodes or c.department == wanted] or found
            if len(found) == 1 and qualifier not in found[0].postcodes and found[0].department != wanted:
                return CommuneMatch(choices=(self._label[found[0].code],))
        if len(found) == 1:
            return CommuneMatch(label=self._label[found[0].code], code=found[0].code)
        choices = tuple(self._label[c.code] for c in found)
        if text in self._legacy:
            # A record stored before, edited again ("Saint-Ouen", "Lyon 03"): the commune it meant comes first.
            meant = self._label[self._legacy[text].code]
            choices = (meant, *(c for c in choices if c != meant))
        return CommuneMatch(choices=choices)

    @staticmethod
    def _parse(text: str) -> tuple[str, str]:
        """(name, qualifier): the qualifier is a department code or a postcode."""
        for pattern in (_QUALIFIED, _POSTCODE_FIRST, _POSTCODE_LAST):
            if match := pattern.fullmatch(text):
                parts = match.groupdict()
                return parts["name"], parts.get("qualifier") or parts.get("postcode") or ""
        return text, ""

    def suggest(self, typed: str, limit: int) -> list[str]:
        """Labels of the communes whose name (or postcode) begins as typed, most populous first."""
        text = " ".join(typed.split())
        if text.isdigit():
            keys, index = self._postcodes, self._by_postcode
            prefix = text
        else:
            keys, index = self._keys, self._by_name
            prefix = name_key(text.split("(")[0]) if name_key(text) not in self._by_name else name_key(text)
        if not prefix:
            return []
        found: dict[str, Commune] = {}
        for key in keys[bisect_left(keys, prefix):]:
            if not key.startswith(prefix):
                break
            found.update((c.code, c) for c in index[key])
        best = nsmallest(limit, found.values(), key=lambda c: (-c.population, c.name))
        return [self._label[c.code] for c in best]
