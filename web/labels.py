"""French labels of the codes the application uses (roles, contracts, reasons)."""
from __future__ import annotations

import functools
from datetime import date, datetime
from zoneinfo import ZoneInfo

ROLE_LABELS = {
    "advisor": "conseiller",
    "auditor": "auditeur",
    "compliance": "conformité",
    "admin": "administrateur",
}

#: Where each role lands after signing in.
ROLE_HOMES = {
    "advisor": "/conseiller",
    "auditor": "/audit",
    "compliance": "/conformite",
    "admin": "/admin/comptes",
}

CONTRACT_LABELS = {
    "CDI": "CDI",
    "CDD": "CDD",
    "interim": "Intérim",
    "alternance": "Alternance",
    "saisonnier": "Saisonnier",
}

CLOSING_REASON_LABELS = {
    "pourvue": "Offre pourvue",
    "annulee_employeur": "Annulée par l'employeur",
    "expiree": "Offre expirée",
    "autre": "Autre motif (à préciser)",
}

CONSENT_WITHDRAWAL_LABELS = {
    "demande_personne": "À la demande de la personne",
    "stop_sms": "Réponse STOP par SMS",
    "autre": "Autre motif (à préciser)",
}


REASON_PLACEHOLDER = "— Choisir un motif —"

AI_SWITCH_REASON_LABELS = {
    "incident": "Incident (résultats anormaux, panne)",
    "audit": "Audit ou contrôle en cours",
    "maintenance": "Maintenance",
    "decision_direction": "Décision de la direction",
    "autre": "Autre (préciser)",
}


def options(codes: tuple[str, ...], labels: dict[str, str], placeholder: str | None = None) -> list[tuple[str, str]]:
    """(value, French label) pairs for a <select>, with an empty first choice if a placeholder is given."""
    first = [("", placeholder)] if placeholder is not None else []
    return first + [(code, labels.get(code, code)) for code in codes]


def label(labels: dict[str, str], code: str) -> str:
    """The French label of a code, or the code itself if it has none (never a 500)."""
    return labels.get(code, code)


def count(n: int | float, singular: str, plural: str | None = None) -> str:
    """A number and its noun agreed as French agrees them: 0 and 1 (and anything under 2) take the
    singular. "0 décision", "1 lecture corrigée", "2 lectures corrigées" (`plural` defaults to +s)."""
    return f"{n} {singular if abs(n) < 2 else plural or singular + 's'}"


@functools.lru_cache(maxsize=4096)  # lists show the same few dates on every row and every view
def french_date(iso: str) -> str:
    """2026-12-01 -> 01/12/2026; anything else is shown as it is."""
    try:
        if len(iso) > 10:  # an instant (stored in UTC): the day it was in France
            moment = datetime.fromisoformat(iso)
            if moment.tzinfo is not None:
                return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y")
        return date.fromisoformat(iso[:10]).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return iso


def euros(amount: int) -> str:
    """32000 -> '32 000 €' (narrow no-break space as thousands separator)."""
    return f"{amount:,}".replace(",", "\u202f") + "\u00a0€"


#: The URL prefix of each role's pages (a page asked for before sign-in must be in it).
ROLE_AREAS = {
    "advisor": "/conseiller",
    "auditor": "/audit",
    "compliance": "/conformite",
    "admin": "/admin",
}

#: Matching (issue 3): the closed lists of reasons of a decision on a suggestion.
REJECTION_REASON_LABELS = {
    "competence_manquante": "Compétence manquante",
    "mobilite": "Mobilité",
    "disponibilite": "Disponibilité",
    "deja_en_formation": "Déjà en formation",
    "autre": "Autre motif (à préciser)",
}

ACCEPTANCE_REASON_LABELS = {
    "profil_adapte": "Profil adapté",
    "demande_personne": "À la demande de la personne",
    "autre": "Autre motif (à préciser)",
}

MANUAL_ADDITION_REASON_LABELS = {
    "connu_du_conseiller": "Personne connue du conseiller",
    "demande_personne": "À la demande de la personne",
    "profil_proche": "Profil proche de l'offre",
    "autre": "Autre motif (à préciser)",
}

DECISION_LABELS = {
    "": "À décider",
    "accepted": "Acceptée",
    "rejected": "Rejetée",
}

#: Hard filters of a shortlist request: why people of the agency were not considered.
EXCLUSION_LABELS = {
    "agency": "suivis par une autre agence",
    "erased": "données effacées",
    "consent": "sans accord pour être contactés",
    "availability": "pas disponibles à temps",
    "location_unknown": "commune inconnue",
    "distance": "trop loin (distance ou rayon de mobilité)",
    "contract_type": "type de contrat non souhaité",
    "hours": "durée hebdomadaire trop élevée",
}

#: Why the offline ranking replaced the configured model (`fallback_reason`; "error:…" for an exception).
FALLBACK_REASON_LABELS = {
    "timeout": "délai de réponse dépassé",
    "invalid_output": "réponse non conforme au format attendu",
    "unavailable": "service indisponible",
    "http_error": "erreur du service",
}


def fallback_reason(code: str) -> str:
    if code.startswith("error:"):
        return "erreur inattendue (" + code.removeprefix("error:") + ")"
    return label(FALLBACK_REASON_LABELS, code)


def french_datetime(iso: str) -> str:
    """2026-12-01T09:30:00+00:00 -> 01/12/2026 à 09:30; anything else is shown as it is."""
    try:
        moment = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso
    if moment.tzinfo is not None:  # stored in UTC: shown as the clocks in France read it
        moment = moment.astimezone(ZoneInfo("Europe/Paris"))
    return moment.strftime("%d/%m/%Y à %H:%M")

#: Compliance (issue 5): why a person's data was erased, and what their last activity was.
ERASURE_REASON_LABELS = {
    "demande_rgpd": "Demande de la personne (RGPD, art. 17)",
    "retention": "Durée de conservation dépassée",
    "autre": "Autre motif (à préciser)",
}

ERASURE_REQUESTER_LABELS = {
    "personne": "La personne concernée",
    "representant": "Son représentant légal ou mandataire",
    "agence": "L'agence ou le délégué à la protection des données",
    "autorite": "Une autorité (CNIL, juridiction)",
    "conservation": "La politique de conservation (tâche automatique)",
    "texte_libre": "Texte libre (effacement enregistré avant la liste fermée)",
}

ACTIVITY_KIND_LABELS = {
    "registration": "inscription",
    "profile_change": "modification du dossier",
    "consent": "consentement SMS",
    "suggestion": "suggestion de l'IA",
    "decision": "décision d'un conseiller",
    "manual_addition": "ajout par un conseiller",
    "explanation_letter": "lettre d'explication",
    "opt_out": "STOP par SMS",
    "sms_reply": "réponse par SMS",
    "outreach_outcome": "suite donnée à un contact SMS",
}
