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
from application.letter import Block, day
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
        blocks.append(Block("li", f"rang dans la liste : {e.rank} ; score : {e.score:.3f}"))
        blocks.append(Block("li", "critères remplis : " + ("; ".join(map(_check, e.criteria_met)) or "aucun")))
        blocks.append(Block("li", "critères non remplis : " + ("; ".join(map(_check, e.criteria_missed)) or "aucun")))
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
    parts.append(f"distance maximale : {c.max_distance_km} km")
    if c.contract_type:
        parts.append(f"contrat : {c.contract_type}")
    if c.hours_per_week:
        parts.append(f"{c.hours_per_week} heures par semaine")
    if c.salary_min or c.salary_max:
        parts.append(f"salaire de {c.salary_min} à {c.salary_max} € par an")
    return ", ".join(parts)


def _check(check: Any) -> str:
    text = f"{w.label(w.CRITERION_LABELS, check.key)} : {check.value}"
    return f"{text} (demandé : {check.limit})" if check.limit else text


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
