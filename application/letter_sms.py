"""The explanation letter's account of SMS replies read by the AI (AI Act Art. 86, GDPR Art. 15/22).

For each outreach that contacted the person, replayed from its events up to the letter's date:
each reply, how the AI read it (as recorded: reading, needs, confidence, model), and any
correction by the advisor. No model is asked again.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from application.letter import Block, day
from domain.outreach import Outreach

INTENTS = {"interested": "intéressé·e", "not_interested": "pas intéressé·e", "question": "une question",
           "unclear": "réponse pas claire"}
NEEDS = {"transport": "transport", "childcare": "garde d'enfants", "training": "formation", "schedule": "horaires"}
INTRO = ("Relais vous a contacté·e par SMS au sujet d'une offre. Vos réponses ont été lues par une IA, qui ne fait "
         "que les classer (intérêt, besoins signalés) ; votre conseiller voit chaque lecture et peut la corriger. "
         "Une question ou une demande de parler à un conseiller lui est transmise, jamais traitée par l'IA.")


def _reading(intent: str, needs: Sequence[str]) -> str:
    told = INTENTS.get(intent, intent)
    return told + (f" ; besoins signalés : {', '.join(NEEDS.get(n, n) for n in needs)}" if needs else "")


def sms_blocks(candidate_id: UUID, outreaches: Sequence[tuple[str, str, list[Any]]]) -> tuple[Block, ...]:
    """`outreaches`: (offer title, outreach id, its events up to the letter's date) that contacted the person."""
    blocks: list[Block] = []
    for title, _, events in outreaches:
        mine = [e for e in events if getattr(e, "candidate_id", None) == candidate_id]
        replies = [e for e in mine if isinstance(e, Outreach.ReplyReceived)]
        if not replies:
            continue
        blocks.append(Block("h3", f"Offre « {title} »"))
        readings = {e.provider_message_id: e for e in mine if isinstance(e, Outreach.ReplyInterpreted)}
        corrections: dict[str, list[Any]] = {}
        for e in mine:
            if isinstance(e, Outreach.ReadingCorrected):
                corrections.setdefault(str(e.suggestion_id), []).append(e)
        for reply in replies:
            blocks.append(Block("p", f"Votre réponse du {day(reply.timestamp)} :"))
            blocks.append(Block("model", reply.text.value))
            reading = readings.get(reply.provider_message_id)
            if reading is None:
                blocks.append(Block("li", "Elle n'a pas été lue par l'IA : votre conseiller l'a reçue directement."))
                continue
            ai = reading.ai
            blocks.append(Block("li", f"Lecture de l'IA : {_reading(reading.intent, reading.needs)} "
                                      f"(confiance {round(reading.confidence * 100)} %, modèle {ai.model}, "
                                      f"version de consigne {ai.prompt_id}/{ai.prompt_version})."))
            for correction in corrections.get(str(reading.suggestion_id), []):
                blocks.append(Block("li", f"Corrigée par votre conseiller le {day(correction.timestamp)} : "
                                          f"{_reading(correction.intent, correction.needs)}."))
    return (Block("p", INTRO), *blocks) if blocks else ()


def outreach_ids_of(rows: Sequence[dict[str, Any]]) -> list[UUID]:
    return sorted({UUID(r["outreach_id"]) for r in rows}, key=str)


def events_until(store: Any, outreach_id: UUID, as_of: datetime) -> list[Any]:
    return [e for e in store.get(outreach_id) if e.timestamp <= as_of]
