"""Criterion checks in French: one phrase per check, and the offline model's one-sentence rationale.

Shared by the offline ranker (its rationale), the shortlist read model (the "why" shown) and the
auditor's offer page, so that the advisor and the auditor read the same words. Numbers and days
are written as the explanation letter writes them (application/letter.py).
"""
from __future__ import annotations

from typing import Any

from application.letter import iso_day, number
from application.letter_wording import contract
from domain.matching import CriterionCheck, MatchCriteria


def _euros(text: str) -> str:
    return f"{number(text)}\u00a0€"


def describe(check: CriterionCheck, met: bool, criteria: MatchCriteria | None = None) -> str:
    """The check as one short French phrase for an advisor, e.g. "Compétence manquante : soudage tig".

    As application/assessment.py records them: for "distance" and "availability" the value is the
    person's and the limit the one applied; for "contract_type", "hours" and "salary" the value is
    what the advisor asked and the limit the person's own wish. `criteria`, the request's, tells
    whether the distance limit is the advisor's maximum or the person's shorter mobility radius."""
    key, value, limit = check.key, check.value, check.limit
    if key == "rome_code":
        return f"Métier recherché : {value}" if met else f"Métier {value} absent des métiers recherchés"
    if key == "skill":
        return f"Compétence : {value}" if met else f"Compétence manquante : {value}"
    if key == "optional_skill":
        return f"Atout : {value}" if met else f"Atout absent : {value}"
    if key == "distance":
        return _distance(value, limit, criteria)
    if key == "availability":
        asked = f" (disponibilité demandée au plus tard le {iso_day(limit)})" if limit else ""
        return f"Disponible dès le {iso_day(value)}{asked}"
    if key == "contract_type":
        accepted = ", ".join(contract(kind) for kind in limit.split())
        return (f"Contrat demandé : {contract(value)} "
                + (f"(la personne accepte : {accepted})" if accepted else "(la personne accepte tout contrat)"))
    if key == "hours":
        return (f"Durée demandée : {number(value)} h par semaine "
                + (f"(maximum de la personne : {number(limit)} h)" if limit else "(la personne n'a pas de maximum)"))
    if key == "salary":
        if met:
            return f"Salaire prévu jusqu'à {_euros(value)} par an (la personne souhaite au moins {_euros(limit)})"
        return (f"Salaire souhaité par la personne : au moins {_euros(limit)} par an, "
                f"au-dessus du salaire prévu (jusqu'à {_euros(value)})")
    return f"{key} : {value}"


def distance_limit(limit: str, criteria: Any) -> tuple[str, str | None]:
    """Whose the recorded distance limit is (application/assessment.py records the smaller of the person's
    mobility radius and the advisor's maximum): ("radius", the advisor's maximum) when the person's radius
    is shorter, ("asked", the same) when the advisor's maximum is the limit, ("either", None) when the
    request's criteria are not known. Numbers as the letter writes them."""
    if criteria is None:
        return "either", None
    asked = number(criteria.max_distance_km)
    return ("radius" if number(limit) != asked else "asked"), asked


def _distance(value: str, limit: str, criteria: MatchCriteria | None) -> str:
    """The person's distance, within the limit recorded, worded for the advisor."""
    if number(value) == "0":
        where = "Dans la commune de la recherche" + (f" ({criteria.commune})" if criteria is not None else "")
    else:
        where = f"À {number(value)} km" + (f" de {criteria.commune}" if criteria is not None else "")
    if not limit:
        return where
    whose, asked = distance_limit(limit, criteria)
    if whose == "either":
        return (f"{where} (limite retenue : {number(limit)} km, le plus court du rayon de mobilité de la personne "
                "et de la distance maximale demandée)")
    if whose == "radius":
        return f"{where}, dans le rayon de mobilité de la personne ({number(limit)} km, moins que les {asked} km demandés)"
    return f"{where}, dans les {asked} km demandés (et dans le rayon de mobilité de la personne)"


def rationale(met: tuple[CriterionCheck, ...], missed: tuple[CriterionCheck, ...]) -> str:
    """A deterministic sentence: skills held and missing, then distance and availability."""
    held = [c.value for c in met if c.key in ("skill", "optional_skill")]
    lacking = [c.value for c in missed if c.key == "skill"]
    parts = []
    trade = next((c for c in (*met, *missed) if c.key == "rome_code"), None)
    if trade is not None:
        parts.append(("Recherche ce métier" if trade in met else "Ne recherche pas ce métier") + f" ({trade.value})")
    if any(c.key == "skill" for c in (*met, *missed)) or held:
        parts.append("compétences présentes : " + ", ".join(held) if held else "aucune compétence demandée")
    if lacking:
        parts.append("à acquérir : " + ", ".join(lacking))
    where = next((c for c in met if c.key == "distance"), None)
    if where is not None:
        parts.append("dans la commune de l'offre" if number(where.value) == "0" else f"à {number(where.value)} km")
    when = next((c for c in met if c.key == "availability"), None)
    if when is not None:
        parts.append(f"disponible dès le {iso_day(when.value)}")
    sentence = " ; ".join(parts)
    return sentence[:1].upper() + sentence[1:] + "."
