"""French labels of the codes the application uses (roles, contracts, reasons)."""
from __future__ import annotations

from datetime import date

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


def label(labels: dict[str, str], code: str) -> str:
    """The French label of a code, or the code itself if it has none (never a 500)."""
    return labels.get(code, code)


def french_date(iso: str) -> str:
    """2026-12-01 -> 01/12/2026; anything else is shown as it is."""
    try:
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
