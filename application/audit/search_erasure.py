"""Erasing a person erases the auditors' searches that named them (docs/adr/0015).

A search is sealed under its auditor's key of the day. Before the person's key goes (their
name and phone are read with it), each recorded search whose day key still exists is opened
and matched; the day keys of those that name the person are then deleted with the person's.
The retention job erases many people at once: it opens every search once for all of them
(`SearchScan`), and each erasure then reads only the searches recorded since that scan.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID
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
        return self.names(SearchText(query))

    def names(self, search: SearchText) -> bool:
        for lowered, digits, words in search.values:
            if self.person_id in lowered:
                return True
            if len(self.phone) == PHONE_DIGITS and self.phone in digits:
                return True
            if self.surname and self.surname <= words:
                return True
        return False


class SearchText:
    """A search's values as the matcher compares them, worked out once for any number of people."""

    def __init__(self, query: str) -> None:
        values = [value for _, value in parse_qsl(query, keep_blank_values=False)] or [query]
        self.values = [(value.lower(), re.sub(r"\D", "", value), set(_words(value))) for value in values]


@dataclass(frozen=True)
class SearchScan:
    """Every live search opened once for several people: the day keys naming each, and the searches read."""

    named: dict[UUID, tuple[str, ...]]
    read: frozenset[str]  # page view ids: an erasure after the scan reads only the searches recorded since


def _words(text: str) -> list[str]:
    return search_key(text).replace("-", " ").split()


def names_person(query: str, candidate: Candidate) -> bool:
    """True when the search names the person (see PersonMatcher)."""
    return PersonMatcher(candidate).named_in(query)


class AuditSearchErasure:
    def _searches_naming(self: Relais, candidate: Candidate, scan: SearchScan | None = None) -> tuple[str, ...]:
        """The day keys of recorded searches that name the person; call it while their key exists.

        With a `scan` made earlier for them, only the searches recorded since are read."""
        if scan is None:
            return self._scan_searches([candidate]).named[candidate.id]
        since = self._scan_searches([candidate], skip=scan.read).named[candidate.id]
        return tuple(sorted(set(scan.named.get(candidate.id, ())) | set(since)))

    def _scan_searches(self: Relais, candidates: Sequence[Candidate], skip: frozenset[str] = frozenset()) -> SearchScan:
        """Each live search (but those in `skip`) opened once, and matched against every person."""
        named: dict[UUID, set[str]] = {candidate.id: set() for candidate in candidates}
        if self.audit_searches is None:
            return SearchScan({person: () for person in named}, frozenset())
        if self.catch_up_read_models is not None:
            self.catch_up_read_models()  # searches recorded by other processes a moment ago
        people = [(candidate.id, PersonMatcher(candidate)) for candidate in candidates]
        # By day key: once a key names everyone, the rest of its day need not be opened.
        live = [(access, subject) for access, subject in self.audit_searches.live_searches() if access not in skip]
        for start in range(0, len(live), BATCH):
            batch = {a: key for a, key in live[start : start + BATCH] if any(key not in named[p] for p, _ in people)}
            for stored in self.audit_searches.recorded(list(batch)):
                subject = batch[str(stored.originator_id)]
                waiting = [(person, matcher) for person, matcher in people if subject not in named[person]]
                if not waiting:
                    continue
                opened = self.mapper.to_domain_event(stored)  # decrypted with the day key
                query = getattr(opened, "query", None)
                if query is None or query.erased:
                    continue
                search = SearchText(query.value)
                for person, matcher in waiting:
                    if matcher.names(search):
                        named[person].add(subject)
        return SearchScan({person: tuple(sorted(keys)) for person, keys in named.items()},
                          frozenset(access for access, _ in live) | skip)
