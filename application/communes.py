"""A commune typed by an advisor (form, CSV file, shortlist criteria), read into the one it designates."""
from __future__ import annotations

from application.ports import CommuneMatch, Gazetteer
from domain.errors import InvalidValueError

UNKNOWN = "Commune inconnue."
CHOICES_SHOWN = 6


def commune_problem(match: CommuneMatch, typed: str) -> str | None:
    """The French message when `typed` designates no commune, or more than one."""
    if match.label:
        return None
    if not match.choices:
        return UNKNOWN
    if len(match.choices) == 1:
        return f"{UNKNOWN} Vouliez-vous dire « {match.choices[0]} » ?"
    shown = ", ".join(match.choices[:CHOICES_SHOWN])
    more = len(match.choices) - CHOICES_SHOWN
    listed = f"{shown} et {more} autre{'s' if more > 1 else ''}" if more > 0 else shown
    if typed.strip().isdigit():  # a postcode several communes share
        return (f"Plusieurs communes ont le code postal {typed.strip()} : {listed}. "
                f"Précisez le nom, par exemple « {match.choices[0]} ».")
    return (f"Plusieurs communes correspondent à « {typed.strip()} » : {listed}. "
            f"Précisez le département entre parenthèses ou le code postal, par exemple « {match.choices[0]} ».")


def resolve_commune(gazetteer: Gazetteer, typed: str) -> CommuneMatch:
    """The one commune `typed` designates (its label and INSEE code), or InvalidValueError on the commune field."""
    match = gazetteer.find_commune(typed)
    problem = commune_problem(match, typed)
    if problem:
        raise InvalidValueError({"commune": problem})
    return match
