"""Domain errors: each names the rule that was broken, in French for the advisor."""
from __future__ import annotations


class DomainError(Exception):
    """A command broke a rule of the domain."""


class InvalidValueError(DomainError):
    """One or more values of a command are not acceptable."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))


class InvalidReasonError(DomainError):
    """A decision was recorded without a reason from its closed list."""


class LastAdministratorError(DomainError):
    """The change would leave Relais without an active administrator."""

    #: The form field the refusal is shown beside.
    field = "role"


class OfferClosedError(DomainError):
    """The offer is closed and can no longer change."""


class ConsentAlreadyInStateError(DomainError):
    """The consent is already in the requested state."""


class AlreadyErasedError(DomainError):
    """The person's personal data has already been erased."""


class UnknownSuggestionError(DomainError):
    """No suggestion of this offer has this id."""


class SuggestionSupersededError(DomainError):
    """The suggestion belongs to a shortlist that a newer request replaced."""


class SuggestionAlreadyDecidedError(DomainError):
    """The suggestion was already accepted or rejected."""


class AlreadyShortlistedError(DomainError):
    """The person is already suggested or on the offer's shortlist."""


class AiSwitchedOffError(DomainError):
    """An administrator has switched the AI off: no model may make suggestions."""


class AiAlreadyInStateError(DomainError):
    """The AI is already switched on (or off)."""


class OutreachRuleError(DomainError):
    """An SMS outreach rule was broken (nothing sent before approval, no contact after an opt-out...)."""


class NotContactableError(DomainError):
    """The person did not consent to SMS, opted out, or was erased: they cannot be contacted."""
