"""What the offers' events say about one person, worded for an explanation letter.

Each suggestion is quoted as recorded (model, prompt, rank, score, criteria, rationale)
beside the advisor's decision; a suggestion that a newer request replaced before any
decision says so. Manual additions are listed apart: no model was involved.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application import letter_wording as w
from application.criteria_text import distance_limit
from application.letter import Block, day, iso_day, number
from domain.offer import Offer

#: (offer id, the offer's events up to the letter's date), as ExplanationLetters reads them.
OfferHistory = tuple[str, list[Any]]


@dataclass
class SuggestionTrail:
    offer_title: str
    event: Any  # Offer.MatchSuggested
    criteria: Any = None  # the advisor's MatchCriteria for the request that made the suggestion
    superseded: bool = False
    decision: Any = None  # Offer.SuggestionAccepted or Offer.SuggestionRejected


def suggestions_about(candidate_id: UUID, offers: list[OfferHistory]) -> list[SuggestionTrail]:
    found: list[SuggestionTrail] = []
    for _, events in offers:
        title, mine, criteria = "", {}, None
        for event in events:
            if isinstance(event, Offer.Published | Offer.Changed):
                title = event.terms.title
            elif isinstance(event, Offer.MatchRequested):
                criteria = event.criteria
                for pending in mine.values():
                    pending.superseded = pending.superseded or pending.decision is None
            elif isinstance(event, Offer.MatchSuggested) and event.candidate_id == candidate_id:
                mine[event.suggestion_id] = SuggestionTrail(title, event, criteria)
            elif isinstance(event, Offer.SuggestionAccepted | Offer.SuggestionRejected) and (
                event.suggestion_id in mine
            ):
                mine[event.suggestion_id].decision = event
        found.extend(mine.values())
    return sorted(found, key=lambda s: s.event.timestamp)


def suggestion_blocks(suggestions: list[SuggestionTrail]) -> tuple[Block, ...]:
    if not suggestions:
        return (Block("p", w.NO_SUGGESTION),)
    blocks: list[Block] = []
    for s in suggestions:
        e, ai = s.event, s.event.ai
        blocks.append(Block("h3", f"Offre « {s.offer_title} » — suggestion du {day(e.timestamp)}"))
        blocks.append(Block("li", f"modèle : {ai.model} (consigne {ai.prompt_id}, version {ai.prompt_version})"))
        if e.rationale_ai is not None:
            blocks.append(Block("li", f"explication rédigée par le modèle : {e.rationale_ai.model}"))
        if ai.fallback_reason:
            blocks.append(Block("li", "le modèle prévu n'a pas pu répondre (" + w.fallback(ai.fallback_reason)
                                + ") : le classement hors ligne l'a remplacé"))
        if s.criteria is not None:
            blocks.append(Block("li", "critères demandés par le conseiller : " + _criteria(s.criteria)))
        blocks.append(Block("li", f"rang dans la liste : {e.rank} ; score : {number(e.score, 3)}"))
        met = " ; ".join(_check(c, s.criteria) for c in e.criteria_met)
        missed = " ; ".join(_check(c, s.criteria) for c in e.criteria_missed)
        blocks.append(Block("li", "critères remplis : " + (met or "aucun")))
        blocks.append(Block("li", "critères non remplis : " + (missed or "aucun")))
        if e.rationale:
            blocks.append(Block("p", "Explication enregistrée au moment de la suggestion :"))
            blocks.append(Block("model", e.rationale))
        blocks.append(Block("p", _decision_text(s)))
    return tuple(blocks)


def manual_addition_blocks(candidate_id: UUID, offers: list[OfferHistory]) -> tuple[Block, ...]:
    blocks: list[Block] = []
    for _, events in offers:
        title = ""
        for event in events:
            if isinstance(event, Offer.Published | Offer.Changed):
                title = event.terms.title
            elif isinstance(event, Offer.CandidateAddedManually) and event.candidate_id == candidate_id:
                text = (f"Offre « {title} », le {day(event.timestamp)} : un conseiller vous a retenu(e) sans "
                        f"suggestion de l'IA ; motif : {w.label(w.DECISION_REASON_LABELS, event.reason.code)}")
                if event.reason_text is not None:
                    text += f" (« {event.reason_text.value} »)"
                blocks.append(Block("li", text + "."))
    return tuple(blocks)


def _criteria(c: Any) -> str:
    """The request's criteria that were set (0 and empty mean "not specified")."""
    parts = [f"métier {c.rome_code}", f"autour de {c.commune}", f"disponible au plus tard le {day(c.available_by)}"]
    if c.required_skills:
        parts.append("compétences requises : " + ", ".join(c.required_skills))
    if c.optional_skills:
        parts.append("compétences souhaitées : " + ", ".join(c.optional_skills))
    parts.append(f"distance maximale : {number(c.max_distance_km)} km")
    if c.contract_type:
        parts.append(f"contrat : {w.contract(c.contract_type)}")
    if c.hours_per_week:
        parts.append(f"{number(c.hours_per_week)} heures par semaine")
    if c.salary_min or c.salary_max:
        parts.append(f"salaire de {number(c.salary_min)} à {number(c.salary_max)} € par an")
    return ", ".join(parts)


def _check(check: Any, criteria: Any) -> str:
    """One recorded criterion check, saying whose each value is.

    As application/assessment.py records them: for "distance" and "availability" the value is the
    person's and the limit the one applied; for "contract_type", "hours" and "salary" the value is
    the advisor's request and the limit the person's own wish."""
    key, value, limit = check.key, check.value, check.limit
    if key == "distance":
        return _distance(value, limit, criteria)
    if key == "availability" and limit:
        return (f"date de disponibilité : vous êtes disponible à partir du {iso_day(value)}, le conseiller "
                f"demandait au plus tard le {iso_day(limit)}")
    if key == "contract_type":
        accepted = ", ".join(w.contract(kind) for kind in limit.split())
        return (f"type de contrat demandé par le conseiller : {w.contract(value)} "
                + (f"(vous acceptez : {accepted})" if accepted else "(vous acceptez tous les types de contrat)"))
    if key == "hours":
        return (f"durée hebdomadaire demandée par le conseiller : {number(value)} heures "
                + (f"(votre maximum : {number(limit)} heures)" if limit else "(vous n'avez pas indiqué de maximum)"))
    if key == "salary" and limit:
        return (f"salaire prévu par le conseiller : jusqu'à {number(value)} € par an "
                f"(vous souhaitez au moins {number(limit)} € par an)")
    if key in ("rome_code", "skill", "optional_skill"):  # quoted as the advisor wrote them
        return f"{w.label(w.CRITERION_LABELS, key)} : {value}"
    text = f"{w.label(w.CRITERION_LABELS, key)} : {_shown(value)}"
    return f"{text} (demandé : {_shown(limit)})" if limit else text


def _shown(text: str) -> str:
    """A recorded value as the letter writes it: a day as 11/01/2027, a number with a decimal comma."""
    return number(iso_day(text))


def _distance(value: str, limit: str, criteria: Any) -> str:
    """The person's distance from where the advisor searched, within the limit recorded, worded for them."""
    where = criteria.commune if criteria is not None else "la commune de la recherche"
    text = f"distance entre votre commune et {where} : {number(value)} km"
    if not limit:
        return text
    whose, asked = distance_limit(limit, criteria)
    if whose == "either":
        return (f"{text}, dans la limite de {number(limit)} km retenue (le plus court de votre rayon de mobilité "
                "et de la distance maximale demandée par le conseiller)")
    if whose == "radius":
        return (f"{text}, dans votre rayon de mobilité de {number(limit)} km, plus court que les {asked} km "
                "demandés par le conseiller")
    return f"{text}, dans les {asked} km demandés par le conseiller et dans votre rayon de mobilité"


def _decision_text(s: SuggestionTrail) -> str:
    d = s.decision
    if d is None:
        return w.SUPERSEDED if s.superseded else w.NO_DECISION
    verdict = "vous a retenu(e) pour cette offre" if isinstance(d, Offer.SuggestionAccepted) else (
        "ne vous a pas retenu(e) pour cette offre")
    text = f"Décision du conseiller, le {day(d.timestamp)} : il {verdict}"
    if d.reason is not None:
        text += f" ; motif : {w.label(w.DECISION_REASON_LABELS, d.reason.code)}"
    if d.reason_text is not None:
        text += f" (« {d.reason_text.value} »)"
    return text + "."
