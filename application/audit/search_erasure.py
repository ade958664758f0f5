"""Erasing a person erases the auditors' searches that named them (docs/adr/0015).

A search is sealed under its auditor's key of the day. Before the person's key goes (their
name and phone are read with it), each recorded search whose day key still exists is opened
and matched; the day keys of those that name the person are then deleted with the person's.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from application.projections.text import search_key
from domain.candidate import Candidate

if TYPE_CHECKING:
    from application.app import Relais

#: Recorded searches read per query.
BATCH = 500
#: Phone numbers are compared on their last nine digits: 06 12 34 56 78 and +33 6 12 34 56 78 alike.
PHONE_DIGITS = 9


class PersonMatcher:
    """What a search must hold to name the person: read once, before the person's key goes.

    Their id, the last nine digits of their phone, or every word of their last name as whole
    words. A first name alone identifies no one and is not matched; a last name shared with
    others is: the search could have found this person.
    """

    def __init__(self, candidate: Candidate) -> None:
        self.person_id = str(candidate.id).lower()
        self.surname = set(_words(candidate.profile.last_name.value))
        self.phone = re.sub(r"\D", "", candidate.profile.phone.value)[-PHONE_DIGITS:]

    def named_in(self, query: str) -> bool:
        values = [value for _, value in parse_qsl(query, keep_blank_values=False)] or [query]
        for value in values:
            if self.person_id in value.lower():
                return True
            if len(self.phone) == PHONE_DIGITS and self.phone in re.sub(r"\D", "", value):
                return True
            if self.surname and self.surname <= set(_words(value)):
                return True
        return False


def _words(text: str) -> list[str]:
    return search_key(text).replace("-", " ").split()


def names_person(query: str, candidate: Candidate) -> bool:
    """True when the search names the person (see PersonMatcher)."""
    return PersonMatcher(candidate).named_in(query)


class AuditSearchErasure:
    def _searches_naming(self: Relais, candidate: Candidate) -> tuple[str, ...]:
        """The day keys of recorded searches that name the person; call it while their key exists."""
        if self.audit_searches is None:
            return ()
        if self.catch_up_read_models is not None:
            self.catch_up_read_models()  # searches recorded by other processes a moment ago
        person = PersonMatcher(candidate)
        live = self.audit_searches.live_searches()  # by day key: a matched key skips the rest of its day
        named: set[str] = set()
        for start in range(0, len(live), BATCH):
            batch = dict((a, s) for a, s in live[start : start + BATCH] if s not in named)
            for stored in self.audit_searches.recorded(list(batch)):
                subject = batch[str(stored.originator_id)]
                if subject in named:
                    continue
                opened = self.mapper.to_domain_event(stored)  # decrypted with the day key
                query = getattr(opened, "query", None)
                if query is not None and not query.erased and person.named_in(query.value):
                    named.add(subject)
        return tuple(sorted(named))
