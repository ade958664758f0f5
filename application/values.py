"""Value types and closed lists that callers of the use cases need (the web never imports the domain)."""
from __future__ import annotations

from domain.account import AGENCY_SCOPED_ROLES, is_agency_id
from domain.ai_oversight import SWITCH_REASONS as AI_SWITCH_REASONS
from domain.candidate import CONSENT_WITHDRAWAL_REASONS, ERASURE_REASONS
from domain.erasure_request import ERASURE_REQUESTERS, MAX_REFERENCE
from domain.erasure_request import MAX_REASON_TEXT as MAX_ERASURE_REASON_TEXT
from domain.matching import (
    ACCEPTANCE_REASONS,
    DEFAULT_LIMIT,
    MANUAL_ADDITION_REASONS,
    MAX_LIMIT,
    REJECTION_REASONS,
    MatchCriteria,
)
from domain.offer import CLOSING_REASONS, OfferTerms
from domain.personal_data import ERASED_PLACEHOLDER
from domain.provenance import ROLES, Reason
from domain.values import CONTRACT_TYPES

__all__ = [
    "AGENCY_SCOPED_ROLES",
    "is_agency_id",
    "AI_SWITCH_REASONS",
    "ACCEPTANCE_REASONS",
    "DEFAULT_LIMIT",
    "MANUAL_ADDITION_REASONS",
    "MAX_LIMIT",
    "REJECTION_REASONS",
    "MatchCriteria",
    "CLOSING_REASONS",
    "CONSENT_WITHDRAWAL_REASONS",
    "CONTRACT_TYPES",
    "ERASED_PLACEHOLDER",
    "ERASURE_REASONS",
    "ERASURE_REQUESTERS",
    "MAX_ERASURE_REASON_TEXT",
    "MAX_REFERENCE",
    "ROLES",
    "OfferTerms",
    "Reason",
]
