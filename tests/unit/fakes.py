"""Fakes that implement the application's ports, for tests on in-memory persistence."""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from application.app import Relais
from application.ranking import CandidatePool, RankingFailedError, RankingQuery, RankingResult
from application.screening import PoolCandidate
from domain.candidate import Candidate
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


class FakeGazetteer:
    #: GeoNames coordinates. From Lyon: Villeurbanne 3 km, Bron 5 km, Vénissieux 6 km, Vienne 25 km.
    COORDINATES = {
        "Lyon": (45.74906, 4.84789),
        "Villeurbanne": (45.76601, 4.8795),
        "Bron": (45.73865, 4.91303),
        "Vénissieux": (45.69706, 4.88593),
        "Vienne": (45.52569, 4.87484),
        "Paris": (48.85341, 2.3488),
        "Lille": (50.63391, 3.05512),
        "Saint-Denis": (48.93564, 2.35387),
    }
    COMMUNES = tuple(COORDINATES)

    def canonical_commune(self, name: str) -> str | None:
        return next((c for c in self.COMMUNES if c.lower() == name.strip().lower()), None)

    def coordinates(self, name: str) -> tuple[float, float] | None:
        commune = self.canonical_commune(name)
        return self.COORDINATES[commune] if commune else None

    def names(self) -> list[str]:
        return list(self.COMMUNES)


class FakeDirectory:
    """Tests say which phones and user names are taken."""

    def __init__(self) -> None:
        self.phones: dict[tuple[str, str], UUID] = {}
        self.usernames: set[str] = set()

    def candidate_with_phone(self, phone: str, agency_id: str) -> UUID | None:
        return self.phones.get((phone, agency_id))

    def account_exists(self, username: str) -> bool:
        return username in self.usernames


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
