"""Personal data: a value that belongs to one person and is encrypted with their key."""
from __future__ import annotations

from dataclasses import dataclass

ERASED_PLACEHOLDER = "[effacé]"


@dataclass(frozen=True)
class PersonalData:
    """A piece of personal data about `subject_id` (names, phone, free text).

    Events hold this type, never a bare ``str``, so that the persistence layer
    encrypts it with the subject's own key; once that key is deleted the value
    reads back as ``[effacé]``.
    """

    subject_id: str
    value: str
    erased: bool = False

    @classmethod
    def erased_for(cls, subject_id: str) -> PersonalData:
        return cls(subject_id=subject_id, value=ERASED_PLACEHOLDER, erased=True)

    def __str__(self) -> str:
        return self.value
