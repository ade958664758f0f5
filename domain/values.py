"""Small value rules shared by job seekers and offers."""
from __future__ import annotations

import re
from datetime import date, timedelta

from domain.errors import InvalidValueError

ROME_CODE = re.compile(r"^[A-N][0-9]{4}$")
CONTRACT_TYPES = ("CDI", "CDD", "interim", "alternance", "saisonnier")
MAX_SKILLS = 30


def rome_code(value: str, field: str = "rome_code") -> str:
    code = value.strip().upper()
    if not ROME_CODE.match(code):
        raise InvalidValueError({field: "Code ROME invalide (une lettre A à N puis 4 chiffres, ex. K2204)."})
    return code


def skills(values: tuple[str, ...] | list[str], field: str = "skills") -> tuple[str, ...]:
    """Skills are compared case-insensitively; duplicates are dropped, order kept."""
    seen: dict[str, None] = {}
    for raw in values:
        label = " ".join(raw.split()).lower()
        if label:
            if len(label) > 80:
                raise InvalidValueError({field: "Une compétence fait au plus 80 caractères."})
            seen.setdefault(label, None)
    if len(seen) > MAX_SKILLS:
        raise InvalidValueError({field: f"Au plus {MAX_SKILLS} compétences."})
    return tuple(seen)


def required_text(value: str, field: str, label: str, max_length: int = 120) -> str:
    text = " ".join(value.split())
    if not text:
        raise InvalidValueError({field: f"{label} est obligatoire."})
    if len(text) > max_length:
        raise InvalidValueError({field: f"{label} fait au plus {max_length} caractères."})
    return free_text(text, field, label)


def free_text(value: str, field: str, label: str, *, multiline: bool = False) -> str:
    """Any text a person types (names, notes, reasons, references...), returned unchanged, or
    InvalidValueError beside the field if it holds an invisible character (`printable`): the one
    rule for free text, wherever it enters (forms, htmx fragments, CSV rows, the command line).
    A multi-line field (a textarea) keeps its line feeds, CR LF pairs and tabs; a single-line one
    holds none (fold its whitespace first where that is harmless, as `required_text` does)."""
    checked = value.replace("\r\n", "").replace("\n", "").replace("\t", "") if multiline else value
    if not printable(checked):
        raise InvalidValueError({field: f"{label} contient un caractère invisible (caractère de contrôle) : retirez-le."})
    return value


#: Control characters (C0, DEL, C1: NUL, ESC, \x01...; see `free_text` for line breaks and tabs)
#: and the bidirectional overrides and isolates, which make one name look like another on screen.
#: Accents, apostrophes, hyphens and spaces are not in it.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> bool:
    return _INVISIBLE.search(text) is None


def bounded_int(value: int, field: str, low: int, high: int, message: str) -> int:
    if not low <= value <= high:
        raise InvalidValueError({field: message})
    return value


#: How far from today an availability date may be. Past: an old date only means "available now", yet
#: one from over ten years ago is a typo (1800-01-01) or a record nobody kept up; the advisor corrects it
#: when editing the profile. Future: a job search is planned months ahead, not years (end of a training,
#: of a contract, of a parental leave): two years covers them.
AVAILABILITY_PAST = timedelta(days=3653)
AVAILABILITY_FUTURE = timedelta(days=731)


def plausible_availability(day: date, today: date, field: str = "available_from") -> date:
    earliest, latest = today - AVAILABILITY_PAST, today + AVAILABILITY_FUTURE
    if not earliest <= day <= latest:
        raise InvalidValueError({field: f"La date de disponibilité va du {earliest:%d/%m/%Y} au {latest:%d/%m/%Y}."})
    return day


def contract_types(values: tuple[str, ...] | list[str], field: str = "contract_types") -> tuple[str, ...]:
    """Accepted contract types, in the order of CONTRACT_TYPES, without duplicates."""
    unknown = [value for value in values if value not in CONTRACT_TYPES]
    if unknown:
        raise InvalidValueError({field: "Type de contrat inconnu."})
    return tuple(kind for kind in CONTRACT_TYPES if kind in values)
