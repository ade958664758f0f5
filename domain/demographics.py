"""What the oversight figures know about a job seeker: age band, sex and priority area.

Each is recorded only if the person gives it (empty: not recorded). Bands follow the French
employment service's reading of the labour market (docs/adr/0016): under 26 (youth
schemes), 26-44, 45-54, 55 and over (senior schemes).
"""
from __future__ import annotations

import re
from datetime import date

from domain.errors import InvalidValueError

NOT_RECORDED = ""
SEXES = ("F", "M")
#: Whether the person lives in a priority neighbourhood (quartier prioritaire de la ville, QPV).
PRIORITY_AREA_ANSWERS = ("yes", "no")
#: (band, lowest age, highest age); the last band has no upper limit.
AGE_BANDS = (("<26", 0, 25), ("26-44", 26, 44), ("45-54", 45, 54), ("55+", 55, 200))
YOUNGEST, OLDEST = 15, 100  # a plausible job seeker's age on the day it is recorded

_FULL = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_FRENCH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")


def birth_date(text: str, field: str = "birth_date") -> str:
    """"AAAA-MM-JJ", "JJ/MM/AAAA" or a year "AAAA", normalised to "AAAA-MM-JJ" or "AAAA"; "" stays ""."""
    text = text.strip()
    if not text:
        return NOT_RECORDED
    try:
        if match := _FULL.match(text):
            return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
        if match := _FRENCH.match(text):
            return date(int(match[3]), int(match[2]), int(match[1])).isoformat()
        if (match := _YEAR.match(text)) and 1900 <= int(match[1]) <= 2100:
            return match[1]
    except ValueError:
        pass
    raise InvalidValueError({field: "Date de naissance invalide (JJ/MM/AAAA, ou l'année seule AAAA)."})


def age_on(born: str, day: date) -> int | None:
    """Age in whole years on `day`; a year alone counts as born on 1 July (mid-year); None if unknown."""
    if not born or not (_FULL.match(born) or _YEAR.match(born)):
        return None  # not recorded, or erased
    birth = date.fromisoformat(born) if len(born) == 10 else date(int(born), 7, 1)
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_band(born: str, day: date) -> str:
    age = age_on(born, day)
    if age is None:
        return NOT_RECORDED
    return next(band for band, low, high in AGE_BANDS if low <= age <= high or band == AGE_BANDS[-1][0])


def plausible_birth_date(born: str, today: date, field: str = "birth_date") -> None:
    age = age_on(born, today)
    if age is not None and not YOUNGEST <= age <= OLDEST:
        raise InvalidValueError({field: f"L'âge doit être compris entre {YOUNGEST} et {OLDEST} ans."})


def sex(value: str, field: str = "sex") -> str:
    if value not in (*SEXES, NOT_RECORDED):
        raise InvalidValueError({field: "Sexe : F, M ou non renseigné."})
    return value


def priority_area(value: str, field: str = "priority_area") -> str:
    if value not in (*PRIORITY_AREA_ANSWERS, NOT_RECORDED):
        raise InvalidValueError({field: "Quartier prioritaire : oui, non ou non renseigné."})
    return value
