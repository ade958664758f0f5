"""Who asked for an erasure: a kind from a closed list, and an optional reference (docs/adr/0017).

The reference (a file or letter number) is free text, so it may name someone. It is sealed
under the erasure register's key of its month, not the person's: it must outlive the erasure
it documents. The retention job deletes a month's key once the register's period has passed.
"""
from __future__ import annotations

from datetime import datetime

from domain.errors import InvalidValueError
from domain.personal_data import PersonalData
from domain.provenance import Reason
from domain.values import free_text

#: Requester kinds. "conservation" is the retention job's own; the others are typed by an officer.
ERASURE_REQUESTERS = ("personne", "representant", "agence", "autorite", "conservation")
#: Erasures recorded before the closed list: their requester is the free text they hold (`requested_by`).
LEGACY_REQUESTER = "texte_libre"
MAX_REFERENCE = 60
#: The precision of an erasure's ground ("Précisions", required for "autre"). It stays in clear in the
#: log: it explains an erasure, so it must outlive it (docs/adr/0022). Short, and the form asks for no
#: personal data in it.
MAX_REASON_TEXT = 200
REGISTER_PREFIX = "erasure-requests:"


def register_subject(timestamp: datetime) -> str:
    """The key owner of the erasure register's references of one (UTC) month."""
    return f"{REGISTER_PREFIX}{timestamp.strftime('%Y-%m')}"


def is_register_subject(subject_id: str) -> bool:
    """Whether personal data is sealed under the erasure register's key: a request's reference, which only
    compliance reads (the erasure form promises it), not the auditors' pages."""
    return subject_id.startswith(REGISTER_PREFIX)


def requester(kind: str) -> str:
    if kind not in ERASURE_REQUESTERS:
        raise InvalidValueError({"requester": "Choisissez qui a demandé l'effacement."})
    return kind


def reference(text: str, timestamp: datetime) -> PersonalData | None:
    """The sealed reference, or None when none was given."""
    text = " ".join(text.split())
    if not text:
        return None
    if len(text) > MAX_REFERENCE:
        raise InvalidValueError({"reference": f"La référence fait au plus {MAX_REFERENCE} caractères."})
    free_text(text, "reference", "La référence")
    return PersonalData(register_subject(timestamp), text)


def ground(reason: Reason) -> Reason:
    """The erasure's reason with its precision on one line, or InvalidValueError if it is too long."""
    text = " ".join(reason.text.split())
    if len(text) > MAX_REASON_TEXT:
        raise InvalidValueError({"reason_text": f"Les précisions font au plus {MAX_REASON_TEXT} caractères."})
    return Reason(reason.code, text)
