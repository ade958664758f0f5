"""The embedded reply reader: French keyword rules, deterministic, no network (model `offline-rules/1`).

It only classifies (application/reply_reading.py). Its confidence is plain: high when one clear
signal is found, low when signals conflict or none is found, so that the advisor checks those.
"""
from __future__ import annotations

import re
import time

from application.ranking import ModelCall, sha256_of
from application.reply_reading import ReplyReading, ReplyToRead
from domain.sms_keywords import plain

MODEL = "offline-rules/1"
PROMPT_ID = "reply-rules"
PROMPT_VERSION = "1"

_NEGATIVE = re.compile(
    r"\b(non|pas interesse|pas interessee|plus interesse|ne suis pas|ne suis plus|pas pour moi|pas dispo"
    r"|plus disponible|deja trouve|deja un (?:travail|emploi|poste)|non merci|laissez tomber|ca ne m'interesse pas)\b"
)
_DECLINE = re.compile(
    r"\b(pas interesse|pas interessee|plus interesse|plus interessee|ne suis plus interesse|pas pour moi"
    r"|deja trouve|laissez tomber|ca ne m'interesse (?:pas|plus)|je renonce)\b"
)
_POSITIVE = re.compile(
    r"\b(oui|ok|okay|d'accord|daccord|interesse|interessee|ca m'interesse|partant|partante|volontiers"
    r"|bien sur|avec plaisir|je veux bien|pourquoi pas|go)\b"
)
_QUESTION_WORDS = re.compile(r"^(comment|pourquoi|quand|combien|quel|quelle|quels|quelles|ou |est-ce|c'est quoi)")
NEEDS_WORDS = {
    "transport": re.compile(r"\b(transport|permis|voiture|vehicule|bus|tram|metro|pas de moyen|a pied|velo)\b"),
    "childcare": re.compile(r"\b(garde|enfants?|creche|nounou|ecole|periscolaire)\b"),
    "training": re.compile(r"\b(formation|former|diplome|certificat|caces|apprendre)\b"),
    "schedule": re.compile(r"\b(horaires?|matin|soir|nuit|week-end|weekend|temps partiel|mi-temps|dimanche)\b"),
}


class OfflineReplyReader:
    model = MODEL

    def read(self, reply: ReplyToRead) -> ReplyReading:
        started = time.perf_counter()
        text = plain(reply.text)
        needs = tuple(need for need, pattern in NEEDS_WORDS.items() if pattern.search(text))
        intent, confidence = self._intent(text, reply.question_key)
        call = ModelCall(
            model=MODEL, prompt_id=PROMPT_ID, prompt_version=PROMPT_VERSION,
            input_sha256=sha256_of({"text": reply.text, "question_key": reply.question_key,
                                    "question_text": reply.question_text, "offer_title": reply.offer_title}),
            latency_ms=int((time.perf_counter() - started) * 1000),
        )
        answer = " ".join(reply.text.split()) if intent not in ("question",) else ""
        return ReplyReading(intent, needs, confidence, answer, call)

    @staticmethod
    def _intent(text: str, question_key: str) -> tuple[str, float]:
        if not text:
            return "unclear", 0.1
        asks = "?" in text or bool(_QUESTION_WORDS.match(text))
        if question_key != "first_contact":
            # An answer to a scripted question: "non" may answer it ("des contraintes ? non"), so only
            # a plain withdrawal counts as declining.
            if _DECLINE.search(text):
                return "not_interested", 0.85
            if asks:
                return "question", 0.8
            return ("interested", 0.8) if len(text) >= 2 else ("unclear", 0.3)
        negative = bool(_NEGATIVE.search(text))
        positive = bool(_POSITIVE.search(text)) and not _DECLINE.search(text)
        if asks and not positive and not negative:
            return "question", 0.8
        if negative and not positive:
            return "not_interested", 0.9
        if positive and not negative:
            return ("question", 0.65) if asks else ("interested", 0.9)
        if positive and negative:
            return "unclear", 0.35
        return "unclear", 0.2
