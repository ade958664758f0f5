"""The job seekers matching considers, read from `rm_candidates` (names, phones and notes are not read)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from application.ports import Database, Row
from application.screening import PoolCandidate, ranker_profile

COLUMNS = (
    "id, agency_id, version, commune, rome_codes, skills, available_from, mobility_km, contract_types, "
    "max_hours_per_week, salary_min_expected, sms_consent, erased, birth_date, sex, priority_area"
)


def pool_candidate(row: Row) -> PoolCandidate:
    person = PoolCandidate(
        candidate_id=row["id"],
        agency_id=row["agency_id"],
        version=int(row["version"]),
        commune=row["commune"],
        rome_codes=tuple(row["rome_codes"].split()),
        skills=tuple(s for s in row["skills"].split("|") if s),
        available_from=date.fromisoformat(row["available_from"]),
        mobility_km=int(row["mobility_km"]),
        contract_types=tuple(row["contract_types"].split()),
        max_hours_per_week=int(row["max_hours_per_week"]),
        salary_min_expected=int(row["salary_min_expected"]),
        sms_consent=bool(row["sms_consent"]),
        erased=bool(row["erased"]),
        birth_date=row["birth_date"],
        sex=row["sex"],
        priority_area=row["priority_area"],
    )
    return replace(person, profile=ranker_profile(person))


class ReadModelCandidatePool:
    """`CandidatePoolSource` answered from the read model.

    A row's `version` changes with every event of that person (profile, consent, erasure), so
    a person read once is kept, per agency, and read again only when their version changes:
    a request reads the (id, version) pairs through a covering index, then the full rows of
    the people it does not hold at that version. What it holds is exactly the agency's
    current people (those no longer listed are dropped).
    """

    #: Ids per `IN (...)` list when reading changed rows (below every driver's parameter limit).
    CHUNK = 500

    def __init__(self, database: Database) -> None:
        self.database = database
        self._known: dict[str, dict[str, PoolCandidate]] = {}  # agency -> id -> person

    def people(self, agency_id: str) -> list[PoolCandidate]:
        known = self._known.get(agency_id, {})
        with self.database.read() as tx:
            if not known:
                rows = tx.fetchall(
                    f"SELECT {COLUMNS} FROM rm_candidates WHERE agency_id = ? AND erased = 0 ORDER BY id", (agency_id,)
                )
                people = [pool_candidate(row) for row in rows]
            else:
                listed = tx.fetchall(
                    "SELECT id, version FROM rm_candidates WHERE agency_id = ? AND erased = 0 ORDER BY id", (agency_id,)
                )
                stale = [r["id"] for r in listed if (p := known.get(r["id"])) is None or p.version != int(r["version"])]
                fresh: dict[str, PoolCandidate] = {}
                for start in range(0, len(stale), self.CHUNK):
                    chunk = stale[start:start + self.CHUNK]
                    marks = ", ".join("?" * len(chunk))
                    for row in tx.fetchall(
                        f"SELECT {COLUMNS} FROM rm_candidates WHERE agency_id = ? AND erased = 0 AND id IN ({marks})",
                        (agency_id, *chunk),
                    ):
                        fresh[row["id"]] = pool_candidate(row)
                changed = set(stale)  # one changed again or erased between the two reads: left out this time
                people = [fresh[i] if i in changed else known[i] for i in (r["id"] for r in listed)
                          if i in fresh or i not in changed]
        self._known = {**self._known, agency_id: {p.candidate_id: p for p in people}}  # replaced whole: thread-safe
        return people
