"""French names of the fields an auditor reads on a record's state, its changes and its events.

Field paths stay as they are stored ("terms.title", "shortlist.suggestions.<id>.decision"): the export
and the log use them, and an auditor may need to quote them. The page shows them under a French name
built word by word ("Conditions de l'offre › Intitulé"), so that every aggregate, today's and those
later features add, is named without a view of its own; `tests/unit/test_field_labels.py` fails when
a domain field has no French word.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache, partial

from web import figures_view, labels, outreach_labels

SEPARATOR = " › "
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

#: One French word or phrase per field name, whichever record or event carries it.
FIELD_WORDS = {
    # Who and where
    "agency_id": "Agence",
    "actor_id": "Auteur",
    "actor_role": "Rôle de l'auteur",
    "correlation_id": "Requête",
    "candidate_id": "Demandeur d'emploi",
    "offer_id": "Offre",
    "request_id": "Demande de présélection",
    "suggestion_id": "Suggestion",
    "message_id": "Message",
    "export_id": "Export",
    "aggregate_id": "Fiche consultée",
    "subject_id": "Personne concernée",
    "advisor_id": "Conseiller",
    "approved_by": "Approuvée par",
    "started_by": "Lancé par",
    "requester": "Demandeur de l'effacement",
    "username": "Identifiant",
    "role": "Rôle",
    "password_hash": "Empreinte du mot de passe",
    "active": "Actif",
    "enabled": "Activée",
    # A job seeker
    "profile": "Profil",
    "first_name": "Prénom",
    "last_name": "Nom",
    "phone": "Téléphone",
    "commune": "Commune",
    "commune_code": "Code INSEE de la commune",
    "rome_codes": "Codes ROME recherchés",
    "skills": "Compétences",
    "available_from": "Disponible à partir du",
    "mobility_km": "Rayon de mobilité (km)",
    "notes": "Notes",
    "contract_types": "Contrats acceptés",
    "max_hours_per_week": "Heures par semaine au plus",
    "salary_min_expected": "Salaire annuel attendu",
    "birth_date": "Date de naissance",
    "sex": "Sexe",
    "priority_area": "Quartier prioritaire",
    "sms_consent": "Consentement aux SMS",
    "erased": "Effacé",
    "opted_out": "Désinscrit des SMS",
    "channel": "Canal",
    "audit_search_keys": "Clés de recherche d'audit",
    "reference": "Référence de la demande",
    # An offer and its shortlist
    "terms": "Conditions de l'offre",
    "title": "Intitulé",
    "rome_code": "Code ROME",
    "contract_type": "Type de contrat",
    "hours_per_week": "Heures par semaine",
    "salary_min": "Salaire minimum",
    "salary_max": "Salaire maximum",
    "description": "Description",
    "closed": "Clôturée",
    "shortlist": "Liste restreinte",
    "suggestions": "Suggestions",
    "added_manually": "Ajoutés à la main",
    "superseded": "Suggestions remplacées",
    "decision": "Décision",
    "criteria": "Critères",
    "required_skills": "Compétences requises",
    "optional_skills": "Compétences souhaitées",
    "available_by": "Disponible au plus tard le",
    "max_distance_km": "Distance maximale (km)",
    "exclusions": "Personnes écartées, par motif",
    "pool_size": "Personnes examinées",
    "eligible_count": "Personnes éligibles",
    "eligible_composition": "Composition des personnes éligibles",
    "rank": "Rang",
    "score": "Score",
    "rationale": "Justification",
    "rationale_ai": "Justification rédigée par l'IA",
    "criteria_met": "Critères remplis",
    "criteria_missed": "Critères manqués",
    "key": "Critère",
    "value": "Valeur",
    "limit": "Limite",
    # The AI's part
    "ai": "Sortie de l'IA",
    "kind": "Nature",
    "model": "Modèle",
    "prompt_id": "Invite",
    "prompt_version": "Version de l'invite",
    "input_sha256": "Empreinte SHA-256 de l'entrée",
    "output": "Sortie",
    "latency_ms": "Durée (ms)",
    "tokens_in": "Jetons en entrée",
    "tokens_out": "Jetons en sortie",
    "fallback_reason": "Raison du repli",
    # An outreach
    "approved": "Approuvée",
    "text": "Texte",
    "offer_title": "Intitulé de l'offre",
    "requirement": "Exigence",
    "recipients": "Destinataires",
    "conversations": "Conversations",
    "messages": "Messages",
    "status": "État",
    "step": "Étape",
    "body": "Texte du SMS",
    "attempted_at": "Tenté le",
    "attempts": "Tentatives",
    "provider_message_id": "Identifiant chez l'opérateur SMS",
    "pending_step": "Étape en attente",
    "pending_due": "Échéance de l'étape en attente",
    "answers": "Réponses",
    "replies": "Réponses reçues (identifiants chez l'opérateur SMS)",
    "readings": "Lectures",
    "outcome": "Issue",
    "due_at": "Échéance",
    "error_code": "Code d'erreur",
    "retryable": "Peut être retenté",
    "reconciled": "Rapproché d'un envoi antérieur",
    "intent": "Intention",
    "needs": "Besoins",
    "confidence": "Confiance",
    "low_confidence": "Confiance faible",
    "answer": "Réponse",
    "note": "Note",
    "next_step": "Étape suivante",
    "handoff": "Remise au conseiller",
    "records_answer": "Enregistre la réponse",
    "delay_hours": "Délai (heures)",
    "max_reminders": "Relances au plus",
    "questionnaire_reminders": "Relances du questionnaire",
    # Why
    "reason": "Motif",
    "reason_text": "Précision du motif",
    "code": "Code",
    # The log, its exports and the retention job
    "count": "Nombre",
    "head": "Dernière empreinte",
    "key_id": "Clé de signature",
    "first_sequence": "Premier numéro",
    "last_sequence": "Dernier numéro",
    "since": "Depuis",
    "until": "Jusqu'à",
    "log_integrity": "Intégrité du journal",
    "months": "Durée de conservation (mois)",
    "cutoff": "Date limite",
    "examined": "Fiches examinées",
    "entries": "Fiches concernées",
    "detail": "Détail",
    "last_activity_at": "Dernière activité le",
    "last_activity_kind": "Nature de la dernière activité",
    "deleted_keys": "Clés supprimées",
    "method": "Méthode",
    "path": "Page",
    "query": "Paramètres",
    "as_of": "Données au",
    "suggestion_count": "Suggestions expliquées",
    # Training (Calendrier IA)
    "starts_at": "Début",
    "duration_minutes": "Durée (minutes)",
}


#: The French words of a field's codes, whatever carries the field.
VALUE_WORDS: dict[str, dict[str, str]] = {
    "role": labels.ROLE_LABELS,
    "actor_role": labels.ROLE_LABELS,
    "decision": labels.DECISION_LABELS,
    "contract_type": labels.CONTRACT_LABELS,
    "contract_types": labels.CONTRACT_LABELS,
    "intent": outreach_labels.INTENT_LABELS,
    "needs": outreach_labels.NEED_LABELS,
    "handoff": outreach_labels.HANDOFF_LABELS,
    "fallback_reason": labels.FALLBACK_REASON_LABELS,
    "last_activity_kind": labels.ACTIVITY_KIND_LABELS,
    "requester": labels.ERASURE_REQUESTER_LABELS,
}
#: Fields whose codes depend on what carries them: the collection named in the path, or the event.
VALUE_WORDS_IN: dict[tuple[str, str], dict[str, str]] = {
    ("conversations", "status"): outreach_labels.STATUS_LABELS,
    ("Outreach.ConversationMoved", "status"): outreach_labels.STATUS_LABELS,
    ("messages", "status"): outreach_labels.MESSAGE_STATUS_LABELS,
    ("Outreach.DeliveryStatusChanged", "status"): outreach_labels.MESSAGE_STATUS_LABELS,
    ("Outreach.MessageAnswered", "status"): outreach_labels.MESSAGE_STATUS_LABELS,
    ("conversations", "outcome"): outreach_labels.OUTCOME_LABELS,
    ("Outreach.Concluded", "outcome"): outreach_labels.OUTCOME_LABELS,
}
_STEPS = ("step", "pending_step")


def field_value(path: str, text: str, event_type: str = "") -> str:
    """A field's value with the French words of its codes and the codes themselves, which the export
    holds ("Acceptée (accepted)", "CDI, Intérim (CDI, interim)"); any other value as it is."""
    segments = [s for s in path.split(".") if not s.isdigit() and not _UUID.fullmatch(s)]
    if not segments:
        return text
    leaf = segments[-1]
    if leaf in _STEPS:
        words = outreach_labels.step_label(text) if text else text
    else:
        context = [event_type, *segments[:-1]]
        vocabulary = next((VALUE_WORDS_IN[c, leaf] for c in context if (c, leaf) in VALUE_WORDS_IN),
                          VALUE_WORDS.get(leaf))
        if vocabulary is None:
            return text
        words = ", ".join(labels.label(vocabulary, code) for code in text.split(", "))
    if words == text or not text:  # no words of its own; or none given ("" is "À décider")
        return words
    return f"{words} ({text})"


#: Fields that map keys to values: the segment after one is a key, not a field name.
#: What each key reads as (None: an id, cut short).
_KEYS: dict[str, Callable[[str], str] | None] = {
    "conversations": None,
    "messages": None,
    "suggestions": None,
    "answers": outreach_labels.step_label,
    "exclusions": partial(labels.label, labels.EXCLUSION_LABELS),
    "eligible_composition": partial(labels.label, figures_view.DIMENSION_LABELS),
}


@lru_cache(maxsize=4096)
def field_label(path: str) -> str | None:
    """'profile.first_name' -> 'Profil › Prénom'; an id or a position in the path is kept ('Suggestions ›
    2b4f1c3e… › Décision', 'Fiches concernées › n° 2'), a key in French where it has a name ('Personnes
    écartées, par motif › trop loin…'); None when a word is unknown (the code alone is shown)."""
    words: list[str] = []
    segments = path.split(".")
    for n, segment in enumerate(segments):
        parent = segments[n - 1] if n else ""
        grandparent = segments[n - 2] if n > 1 else ""
        if parent in _KEYS:
            key_word = _KEYS[parent]
            words.append(key_word(segment) if key_word else _short(segment))
        elif grandparent == "eligible_composition":  # a dimension's category: "sex" -> "F"
            words.append(figures_view.category_label(parent, segment))
        elif segment.isdigit():
            words.append(f"n° {segment}")
        elif _UUID.fullmatch(segment):
            words.append(_short(segment))
        elif segment in FIELD_WORDS:
            words.append(FIELD_WORDS[segment])
        else:
            return None
    return SEPARATOR.join(words)


def _short(key: str) -> str:
    """An id as the page names it: its first 8 characters (the whole path is shown below)."""
    return f"{key[:8]}…" if len(key) > 12 else key
