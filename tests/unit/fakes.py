"""Fakes that implement the application's ports, for tests on in-memory persistence."""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from application.app import Relais
from application.ports import CommuneMatch
from application.ranking import CandidatePool, RankingFailedError, RankingQuery, RankingResult
from application.screening import PoolCandidate
from domain.candidate import Candidate
from infrastructure.commune_index import Commune, CommuneIndex
from infrastructure.gazetteer import InseeGazetteer
from infrastructure.offline_ranker import Bm25CandidateRanker
from infrastructure.personal_data import EncryptedPersonalData


class InMemoryKeyVault:
    """Per-person keys in a dict: same contract as the database vault."""

    def __init__(self) -> None:
        self.keys: dict[str, bytes] = {}
        self.erased: set[str] = set()  # as the database vault's tombstones: never a new key for them

    def key_for(self, subject_id: str, *, create: bool) -> bytes | None:
        if subject_id not in self.keys and create and subject_id not in self.erased:
            self.keys[subject_id] = os.urandom(32)
        return self.keys.get(subject_id)

    def keys_for(self, subject_ids: list[str]) -> dict[str, bytes | None]:
        return {subject_id: self.keys.get(subject_id) for subject_id in subject_ids}

    def destroy(self, subject_id: str) -> bool:
        self.erased.add(subject_id)
        return self.keys.pop(subject_id, None) is not None

    def purge_residues(self) -> None:
        pass


class FakeAuditSearches:
    """The auditors' recorded searches (page view id, day key owner), as the read model lists them."""

    def __init__(self, vault: InMemoryKeyVault) -> None:
        self.vault = vault
        self.searches: list[tuple[str, str]] = []
        self.app: Relais | None = None  # whose store holds the records

    def live_searches(self) -> list[tuple[str, str]]:
        return sorted(((a, s) for a, s in self.searches if s in self.vault.keys), key=lambda row: (row[1], row[0]))

    def recorded(self, access_ids: Sequence[str]) -> list[StoredEvent]:
        assert self.app is not None
        return [stored for a in access_ids for stored in self.app.recorder.select_events(UUID(a))]


class FakeGazetteer(InseeGazetteer):
    """A handful of communes, positions as in the data file. From Lyon: Villeurbanne 3 km, Bron 5 km,
    Vénissieux 6 km, Vienne 25 km; Ancy is a village (671 inhabitants); two communes are called Saint-Denis."""

    COMMUNES = (
        Commune("69123", "Lyon", "69", tuple(f"6900{n}" for n in range(1, 10)), 519127, 45.74906, 4.84789),
        Commune("69266", "Villeurbanne", "69", ("69100",), 163684, 45.76601, 4.8795),
        Commune("69029", "Bron", "69", ("69500",), 42982, 45.73865, 4.91303),
        Commune("69259", "Vénissieux", "69", ("69200",), 65502, 45.69706, 4.88593),
        Commune("38544", "Vienne", "38", ("38200",), 31778, 45.52569, 4.87484),
        Commune("69008", "Ancy", "69", ("69490",), 671, 45.83735, 4.50766),
        Commune("75056", "Paris", "75", ("75001", "75015"), 2103778, 48.85341, 2.3488),
        Commune("59350", "Lille", "59", ("59000",), 238246, 50.63391, 3.05512),
        Commune("93066", "Saint-Denis", "93", ("93200", "93210"), 149077, 48.93564, 2.35387),
        Commune("97411", "Saint-Denis", "974", ("97400",), 155634, -20.88231, 55.4504),
    )

    def __init__(self, extra: tuple[Commune, ...] = ()) -> None:
        super().__init__(CommuneIndex(self.COMMUNES + extra))


class FormerGazetteer:
    """As the gazetteer of towns above 15,000 inhabitants did: a GeoNames name, stored as typed (to write
    the records already in a store, such as "Saint-Ouen")."""

    def find_commune(self, typed: str) -> CommuneMatch:
        return CommuneMatch(label=typed)


class FakeDirectory:
    """Tests say which user names are taken and which accounts are active administrators."""

    def __init__(self) -> None:
        self.usernames: set[str] = set()
        self.administrators: set[str] = set()
        self.agencies: set[str] = set()

    def account_exists(self, username: str) -> bool:
        return username in self.usernames

    def active_administrators(self) -> frozenset[str]:
        return frozenset(self.administrators)

    def has_agency(self, agency_id: str) -> bool:
        return agency_id in self.agencies


class FakePhoneClaims:
    """Who holds each (agency, number), in a dict: the table's contract without its transaction."""

    def __init__(self) -> None:
        self.holders: dict[tuple[str, str], UUID] = {}

    def claim(self, agency_id: str, phones: Mapping[UUID, str], *, replacing: bool = False) -> set[UUID]:
        refused = set()
        for person, phone in phones.items():
            if self.holders.get((agency_id, phone), person) != person:
                refused.add(person)
                continue
            if replacing:
                self.release(person)
            self.holders[(agency_id, phone)] = person
        return refused

    def claim_new(self, agency_id: str, person: UUID, phone: str, refused: Exception) -> None:
        if self.claim(agency_id, {person: phone}):
            raise refused

    def release(self, candidate_id: UUID) -> None:
        for claim in [c for c, holder in self.holders.items() if holder == candidate_id]:
            del self.holders[claim]

    def holders_of(self, phone: str) -> set[UUID]:
        return {holder for (_, number), holder in self.holders.items() if number == phone}


class FakePasswords:
    def hash(self, password: str) -> str:
        return "fake$" + password[::-1]

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == self.hash(password)

    def dummy_verify(self) -> None:
        pass


class FakeCandidatePool:
    """The job seekers of an in-memory app, read from their aggregates (what the read model would hold)."""

    def __init__(self) -> None:
        self.app: Relais | None = None

    def people(self, agency_id: str) -> list[PoolCandidate]:
        assert self.app is not None
        ids = {n.originator_id for n in self.app.recorder.select_notifications(start=1, limit=1_000_000)}
        people = [self.app.repository.get(i) for i in sorted(ids, key=str)]
        return [as_pool_candidate(c) for c in people if isinstance(c, Candidate) and c.agency_id == agency_id]


def as_pool_candidate(candidate: Candidate) -> PoolCandidate:
    p = candidate.profile
    return PoolCandidate(
        str(candidate.id), candidate.agency_id, candidate.version, p.commune, p.rome_codes, p.skills,
        p.available_from, p.mobility_km, p.contract_types, p.max_hours_per_week, p.salary_min_expected,
        candidate.sms_consent, candidate.erased,
    )


class RecordingRanker:
    """Ranks like `inner` (the offline ranker by default) and keeps every query and pool it was given."""

    def __init__(self, inner: Any = None) -> None:
        self.inner = inner or Bm25CandidateRanker()
        self.calls: list[tuple[RankingQuery, CandidatePool, int]] = []

    def rank(self, query: RankingQuery, pool: CandidatePool, limit: int) -> RankingResult:
        self.calls.append((query, pool, limit))
        return self.inner.rank(query, pool, limit)


class FailingRanker:
    """A model that is down (or answers nonsense): every call raises `error`."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error or RankingFailedError("timeout", "no answer in 10 s")
        self.calls = 0

    def rank(self, query: RankingQuery, pool: CandidatePool, limit: int) -> RankingResult:
        self.calls += 1
        raise self.error


def in_memory_relais(
    clock,
    vault: InMemoryKeyVault | None = None,
    directory: FakeDirectory | None = None,
    ranker: Any = None,
    phone_claims: FakePhoneClaims | None = None,
    audit_searches: FakeAuditSearches | None = None,
) -> Relais:
    """`ranker`: the offline ranker by default; another one falls back on the offline ranker."""
    vault = vault or InMemoryKeyVault()
    pool = FakeCandidatePool()
    offline = Bm25CandidateRanker()
    app = Relais(
        clock=clock,
        passwords=FakePasswords(),
        key_vault=vault,
        personal_data_transcoding=EncryptedPersonalData(vault),  # type: ignore[arg-type]
        gazetteer=FakeGazetteer(),
        directory=directory or FakeDirectory(),
        phone_claims=phone_claims or FakePhoneClaims(),
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
        candidate_pool=pool,
        ranker=ranker or offline,
        fallback_ranker=offline if ranker is not None else None,
        audit_searches=audit_searches,
    )
    pool.app = app
    if audit_searches is not None:
        audit_searches.app = app
    return app
