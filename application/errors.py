"""Errors the use cases raise; the web layer maps each to a status code and a French message."""
from __future__ import annotations

from domain.errors import (  # re-exported: the web layer never imports the domain
    AiAlreadyInStateError,
    AiSwitchedOffError,
    AlreadyErasedError,
    AlreadyShortlistedError,
    ConsentAlreadyInStateError,
    DomainError,
    InvalidReasonError,
    InvalidValueError,
    LastAdministratorError,
    OfferClosedError,
    SuggestionAlreadyDecidedError,
    SuggestionSupersededError,
    UnknownSuggestionError,
)


class NotFoundError(Exception):
    """The requested record does not exist (or is not visible to the caller)."""


class AccessDeniedError(Exception):
    """The caller's role or agency does not allow this."""


class StaleEditError(Exception):
    """Someone else changed the record since the form was opened."""


class DuplicateError(Exception):
    """The record already exists."""

    def __init__(self, field: str, message: str) -> None:
        self.errors = {field: message}
        super().__init__(message)


__all__ = [
    "AiAlreadyInStateError",
    "AiSwitchedOffError",
    "AccessDeniedError",
    "AlreadyErasedError",
    "AlreadyShortlistedError",
    "ConsentAlreadyInStateError",
    "DomainError",
    "DuplicateError",
    "InvalidReasonError",
    "InvalidValueError",
    "LastAdministratorError",
    "NotFoundError",
    "OfferClosedError",
    "StaleEditError",
    "SuggestionAlreadyDecidedError",
    "SuggestionSupersededError",
    "UnknownSuggestionError",
]
