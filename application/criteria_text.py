"""Criterion checks in French: one phrase per check, and the offline model's one-sentence rationale.

Shared by the offline ranker (its rationale) and the shortlist read model (the "why" shown),
so that the advisor and the auditor read the same words.
"""
from __future__ import annotations

from datetime import date

from domain.matching import CriterionCheck


def _day(iso: str) -> str:
    try:
        return date.fromisoformat(iso).strftime("%d/%m/%Y")
    except ValueError:
        return iso


def _km(text: str) -> str:
    return text.removesuffix(".0").replace(".", ",")


def _euros(text: str) -> str:
    return f"{int(text):,}".replace(",", "\u202f") + "\u00a0€" if text.isdigit() else text


def describe(check: CriterionCheck, met: bool) -> str:
    """The check as one short French phrase, e.g. "Compétence manquante : soudage tig"."""
    key, value, limit = check.key, check.value, check.limit
    if key == "rome_code":
        return f"Métier recherché : {value}" if met else f"Métier {value} absent des métiers recherchés"
    if key == "skill":
        return f"Compétence : {value}" if met else f"Compétence manquante : {value}"
    if key == "optional_skill":
        return f"Atout : {value}" if met else f"Atout absent : {value}"
    if key == "distance":
        where = "Dans la commune de l'offre" if _km(value) == "0" else f"À {_km(value)} km"
        return f"{where} (rayon retenu {limit} km)"
    if key == "availability":
        return f"Disponible dès le {_day(value)} (demandé : le {_day(limit)})"
    if key == "contract_type":
        return f"Accepte le contrat {value}" if limit else f"Accepte tout contrat, dont {value}"
    if key == "hours":
        return f"{value} h par semaine (au plus {limit} h)" if limit else f"{value} h par semaine (sans limite)"
    if key == "salary":
        if met:
            return f"Salaire jusqu'à {_euros(value)} (attendu : {_euros(limit)})"
        return f"Salaire attendu {_euros(limit)}, au-dessus de l'offre ({_euros(value)})"
    return f"{key} : {value}"


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
        parts.append("dans la commune de l'offre" if _km(where.value) == "0" else f"à {_km(where.value)} km")
    when = next((c for c in met if c.key == "availability"), None)
    if when is not None:
        parts.append(f"disponible dès le {_day(when.value)}")
    sentence = " ; ".join(parts)
    return sentence[:1].upper() + sentence[1:] + "."
