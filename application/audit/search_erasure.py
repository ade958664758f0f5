"""Erasing a person erases the auditors' searches that named them (docs/adr/0015).

A search is sealed under its auditor's key of the day. Before the person's key goes (their
name and phone are read with it), each recorded search whose day key still exists is opened
and matched; the day keys of those that name the person are then deleted with the person's.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl
from uuid import UUID

from application.projections.text import search_key
from domain.audit_access import AuditAccess
from domain.candidate import Candidate

if TYPE_CHECKING:
    from application.app import Relais

#: Phone numbers are compared on their last nine digits: 06 12 34 56 78 and +33 6 12 34 56 78 alike.
PHONE_DIGITS = 9


def names_person(query: str, candidate: Candidate) -> bool:
    """A search names the person by their id, their phone, or their last name as whole words.

    A first name alone identifies no one and is not matched; a last name shared with others is:
    the search could have found this person.
    """
    values = [value for _, value in parse_qsl(query, keep_blank_values=False)] or [query]
    person_id = str(candidate.id).lower()
    profile = candidate.profile
    surname = search_key(profile.last_name.value).replace("-", " ").split()
    phone = re.sub(r"\D", "", profile.phone.value)[-PHONE_DIGITS:]
    for value in values:
        if person_id in value.lower():
            return True
        if len(phone) == PHONE_DIGITS and phone in re.sub(r"\D", "", value):
            return True
        words = set(search_key(value).replace("-", " ").split())
        if surname and set(surname) <= words:
            return True
    return False


class AuditSearchErasure:
    def _searches_naming(self: Relais, candidate: Candidate) -> tuple[str, ...]:
        """The day keys of recorded searches that name the person; call it while their key exists."""
        if self.audit_searches is None:
            return ()
        if self.catch_up_read_models is not None:
            self.catch_up_read_models()  # searches recorded by other processes a moment ago
        named: set[str] = set()
        for access_id, subject in self.audit_searches.live_searches():
            if subject in named:
                continue  # the day's key goes anyway: its other searches need not be read
            access: AuditAccess = self.repository.get(UUID(access_id))
            if access.query is not None and not access.query.erased and names_person(access.query.value, candidate):
                named.add(subject)
        return tuple(sorted(named))
