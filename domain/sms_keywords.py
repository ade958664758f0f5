"""Words in a reply that code recognises before any AI reads it: opt-out and asking for a person.

Replies are untrusted: these rules are deliberately plain (no model), so that STOP always works.
"""
from __future__ import annotations

import re
import unicodedata

#: STOP, ARRET, ARRÊT, STOP SMS, DESABONNER: any case, accents or not, surrounding text tolerated.
_OPT_OUT = re.compile(r"\b(stop|arret|desabonner|desabonnement|desinscrire)\b")
_ADVISOR = re.compile(
    r"\bconseill(?:er|ere)\b"
    r"|\b(?:parler|discuter|echanger)\s+(?:a|avec)\s+(?:un|une|quelqu'?\s?un|une personne|un humain|une vraie personne)"
    r"|\b(?:appelez|rappelez|telephonez)[- ]moi\b"
    r"|\bun humain\b|\bune vraie personne\b"
)


def plain(text: str) -> str:
    """Lower case, no accents, single spaces: how the rules compare text."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().replace("’", "'").split())


def is_opt_out(text: str) -> bool:
    return bool(_OPT_OUT.search(plain(text)))


def asks_for_advisor(text: str) -> bool:
    """"CONSEILLER", or plainly asking to speak with a person."""
    return bool(_ADVISOR.search(plain(text)))
