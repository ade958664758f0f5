"""French labels of outreach codes: conversation statuses, readings, needs, outcomes."""
from __future__ import annotations

from typing import Any

from application.quiet_hours import place_of
from web.labels import label

STATUS_LABELS = {
    "scheduled": "Envoi prévu",
    "awaiting_reply": "En attente de réponse",
    "questionnaire": "Intéressé·e : questions en cours",
    "completed": "Intéressé·e : questions terminées",
    "declined": "Pas intéressé·e",
    "no_answer": "Sans réponse",
    "unfinished": "Questionnaire inachevé",
    "handed_off": "À traiter par le conseiller",
    "opted_out": "STOP : ne plus contacter",
}
MESSAGE_STATUS_LABELS = {
    "attempted": "envoi en cours",
    "retry": "nouvel essai prévu",
    "queued": "en file",
    "sent": "envoyé",
    "delivered": "remis",
    "undelivered": "non remis",
    "failed": "échec",
    "received": "reçu",
}
INTENT_LABELS = {
    "interested": "Intéressé·e",
    "not_interested": "Pas intéressé·e",
    "question": "Question",
    "unclear": "Pas clair",
    "": "—",
}
NEED_LABELS = {"transport": "Transport", "childcare": "Garde d'enfants", "training": "Formation",
               "schedule": "Horaires"}
STEP_LABELS = {
    "first_contact": "Premier message",
    "availability": "Disponibilité",
    "mobility": "Mobilité",
    "hours": "Horaires",
    "salary": "Salaire",
    "requirement": "Exigence de l'employeur",
    "stop_confirmation": "Confirmation du STOP",
}
HANDOFF_LABELS = {
    "asked_advisor": "la personne demande un conseiller",
    "question": "la personne pose une question",
    "unclear": "réponse à lire",
    "ai_off": "IA désactivée : réponse non lue",
    "send_failed": "le SMS n'a pas pu être envoyé (refus définitif de l'opérateur)",
}
OUTCOME_LABELS = {"introduced": "Mis·e en relation", "discarded": "Écarté·e"}
DISCARD_REASON_LABELS = {
    "pas_interesse": "Pas intéressé·e",
    "profil_inadapte": "Profil inadapté",
    "injoignable": "Injoignable",
    "contrainte": "Contrainte incompatible",
    "autre": "Autre motif (à préciser)",
}
GROUP_LABELS = {
    "interested": "Intéressé·es",
    "declined": "Pas intéressé·es",
    "waiting": "En attente",
    "no_answer": "Sans réponse",
    "advisor": "À traiter par le conseiller",
    "opted_out": "STOP",
    "introduced": "Mis·es en relation",
    "discarded": "Écarté·es",
}


#: Where an overseas number is from, as a sentence says it ("un numéro de Martinique").
OVERSEAS_REGION_NAMES = {
    "GP": "de Guadeloupe", "MQ": "de Martinique", "GF": "de Guyane", "RE": "de La Réunion", "YT": "de Mayotte",
    "BL": "de Saint-Barthélemy", "MF": "de Saint-Martin", "PM": "de Saint-Pierre-et-Miquelon",
}


def overseas_number(phone: str) -> str:
    """'de Martinique' for a number whose SMS wait for the day to start there too (docs/adr/0023), else ''."""
    place = place_of(phone)
    return OVERSEAS_REGION_NAMES.get(place.region, "") if place.zones else ""


def step_label(step: str) -> str:
    base, _, rest = step.partition(".")
    text = label(STEP_LABELS, base)
    if rest.startswith("rappel"):
        return f"{text} (rappel)"
    return text


def confidence(value: float) -> str:
    """A reading's confidence (0 to 1, as recorded) as every page and the letter show it: "90 %"."""
    return f"{round(value * 100)} %"


def register(environment: Any) -> None:
    """Add the outreach filters to the Jinja environment."""
    environment.filters.update(
        sms_status=lambda code: label(STATUS_LABELS, code),
        message_status=lambda code: label(MESSAGE_STATUS_LABELS, code),
        intent=lambda code: label(INTENT_LABELS, code),
        need=lambda code: label(NEED_LABELS, code),
        sms_step=step_label,
        handoff=lambda code: label(HANDOFF_LABELS, code),
        outcome=lambda code: label(OUTCOME_LABELS, code),
        discard_reason=lambda code: label(DISCARD_REASON_LABELS, code),
        summary_group=lambda code: label(GROUP_LABELS, code),
        confidence=confidence,
        overseas_number=overseas_number,
    )
