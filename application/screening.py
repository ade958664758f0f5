"""Hard filters of matching, in plain code: who may be suggested at all, and how each fits.

Hard filters exclude (consent, erasure, agency, availability, distance, contract, hours);
the other criteria (ROME code, skills, salary) are reported as met or missed and left to
the ranker's score. Each excluded person is counted once, under the first filter failed.
"""
from __future__ import annotations

import hashlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from operator import attrgetter

from application.geo import distance_km
from application.assessment import Assessor, folded
from application.ranking import CandidatePool, LazyAssessments, RankerProfile
from domain.commune_code import known
from domain.matching import MatchCriteria

#: Hard filters, in the order they are tried.
EXCLUSION_KEYS = ("agency", "erased", "consent", "availability", "location_unknown", "distance", "contract_type", "hours")


@dataclass(frozen=True, slots=True)
class PoolCandidate:
    """What matching reads about a job seeker: no name, phone number or note."""

    candidate_id: str
    agency_id: str
    version: int
    commune: str
    rome_codes: tuple[str, ...]
    skills: tuple[str, ...]
    available_from: date
    mobility_km: int
    contract_types: tuple[str, ...]
    max_hours_per_week: int
    salary_min_expected: int
    sms_consent: bool
    erased: bool
    #: What rankers see of this person, if already built (a pool source that keeps people between
    #: requests builds it once per profile version rather than once per request).
    profile: RankerProfile | None = field(default=None, compare=False, repr=False)
    #: For the oversight figures only (never shown to rankers): "" when not recorded.
    birth_date: str = ""
    sex: str = ""
    priority_area: str = ""
    #: The commune's INSEE code, what its position is read by; "" when not known (a label stored
    #: before codes were recorded that designates no single commune): then the label is.
    commune_code: str = ""


class PoolPeople:
    """An agency's job seekers at one moment, sorted by id, with what every request derives from them alone.

    Who may be contacted at all, their ranker profiles and the pool's version digest do not
    depend on the criteria: a pool source that keeps people between requests returns the same
    `PoolPeople` while nothing changed, so these are worked out once, not per request.
    """

    def __init__(self, agency_id: str, people: Iterable[PoolCandidate], *, presorted: bool = False) -> None:
        self.agency_id = agency_id
        self.people: tuple[PoolCandidate, ...] = (
            tuple(people) if presorted else tuple(sorted(people, key=attrgetter("candidate_id")))
        )

    def __iter__(self) -> Iterator[PoolCandidate]:
        return iter(self.people)

    def __len__(self) -> int:
        return len(self.people)

    @cached_property
    def _contact(self) -> tuple[tuple[PoolCandidate, ...], dict[str, int]]:
        contactable: list[PoolCandidate] = []
        exclusions: dict[str, int] = {}
        for person in self.people:
            reason = _contact_filter(person, self.agency_id)
            if reason is None:
                contactable.append(person)
            else:
                exclusions[reason] = exclusions.get(reason, 0) + 1
        return tuple(contactable), exclusions

    @property
    def contactable(self) -> tuple[PoolCandidate, ...]:
        return self._contact[0]

    @property
    def contact_exclusions(self) -> dict[str, int]:
        """How many people the criteria-independent filters (agency, erasure, consent) leave out, by filter."""
        return self._contact[1]

    @cached_property
    def profiles(self) -> tuple[RankerProfile, ...]:
        return tuple(map(ranker_profile, self.contactable))

    @cached_property
    def version(self) -> str:
        return pool_version(self.contactable)


@dataclass(frozen=True)
class Screening:
    pool: CandidatePool
    pool_size: int  # everyone considered
    exclusions: dict[str, int]  # filter -> how many people it excluded


def screen(
    criteria: MatchCriteria,
    agency_id: str,
    people: Iterable[PoolCandidate],
    coordinates: Callable[[str], tuple[float, float] | None],
) -> Screening:
    snapshot = people if isinstance(people, PoolPeople) and people.agency_id == agency_id else PoolPeople(
        agency_id, people
    )
    # By its code when the request recorded one: a commune merged since is placed as the one it is part of.
    work = coordinates(criteria.commune_code if known(criteria.commune_code) else criteria.commune)
    distances: dict[str, float | None] = {}  # per commune: people share few of them

    def distance_from(home: str, label: str) -> float | None:
        if home not in distances:
            here = coordinates(home)
            same = folded(label) == folded(criteria.commune)
            distances[home] = 0.0 if same else None if here is None or work is None else distance_km(here, work)
        return distances[home]

    exclusions = dict.fromkeys(EXCLUSION_KEYS, 0)
    exclusions.update(snapshot.contact_exclusions)
    contactable = snapshot.contactable
    positions = array("q")  # machine integers: a ranker reads them as an array without a copy
    kept_distances: list[float] = []
    for position, person in enumerate(contactable):
        home = person.commune_code or person.commune  # by its code: the label of a renamed commune is stale
        distance = distances[home] if home in distances else distance_from(home, person.commune)
        reason = _criteria_filter(person, criteria, distance)
        if reason is None and distance is not None:
            positions.append(position)
            kept_distances.append(distance)
        else:
            exclusions[reason or "location_unknown"] += 1
    assessor = Assessor(criteria)
    eligible = LazyAssessments(
        [contactable[p].candidate_id for p in positions],
        lambda k: assessor.assess(contactable[positions[k]], kept_distances[k]),
    )
    pool = CandidatePool(snapshot.version, snapshot.profiles, eligible, positions)
    return Screening(pool, len(snapshot), {k: n for k, n in exclusions.items() if n})


def _contact_filter(person: PoolCandidate, agency_id: str) -> str | None:
    """Filters that do not depend on the criteria (who may be contacted at all)."""
    if person.agency_id != agency_id:
        return "agency"
    if person.erased:
        return "erased"
    if not person.sms_consent:
        return "consent"
    return None


def _criteria_filter(person: PoolCandidate, criteria: MatchCriteria, distance: float | None) -> str | None:
    if person.available_from > criteria.available_by:
        return "availability"
    if distance is None:
        return "location_unknown"
    if distance > min(person.mobility_km, criteria.max_distance_km):
        return "distance"
    if criteria.contract_type and person.contract_types and criteria.contract_type not in person.contract_types:
        return "contract_type"
    if criteria.hours_per_week and person.max_hours_per_week and criteria.hours_per_week > person.max_hours_per_week:
        return "hours"
    return None


def ranker_profile(person: PoolCandidate) -> RankerProfile:
    if person.profile is not None:
        return person.profile
    return RankerProfile(
        person.candidate_id, person.version, person.rome_codes, person.skills, person.commune, person.available_from
    )


def pool_version(people: list[PoolCandidate]) -> str:
    """Digest of who is in the pool and at which version: equal digests, equal profiles."""
    digest = hashlib.sha256()
    digest.update("\n".join(f"{p.candidate_id}:{p.version}" for p in people).encode("ascii"))
    return digest.hexdigest()
