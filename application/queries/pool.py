"""The job seekers matching considers, read from `rm_candidates` (names, phones and notes are not read)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from application.ports import Database, Row
from application.screening import PoolCandidate, PoolPeople, ranker_profile
from domain.commune_code import known

COLUMNS = (
    "id, agency_id, version, commune, rome_codes, skills, available_from, mobility_km, contract_types, "
    "max_hours_per_week, salary_min_expected, sms_consent, erased, birth_date, sex, priority_area, commune_code"
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
        commune_code=row["commune_code"] if known(row["commune_code"]) else "",
    )
    return replace(person, profile=ranker_profile(person))


class ReadModelCandidatePool:
    """`CandidatePoolSource` answered from the read model, kept in memory per agency.

    Every write of the candidates projection stamps its row with the next `change_seq`, so a
    request first reads the highest stamp (one index probe): unchanged, it reuses the people it
    holds, as the same `PoolPeople` (whose contactable list, profiles and digest are already
    worked out); changed, it reads only the rows stamped since. The stamp is read before the
    rows, so a row committed in between is merely read again next time.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self._held: dict[str, tuple[int, PoolPeople]] = {}  # agency -> (stamp read, people)

    def people(self, agency_id: str) -> PoolPeople:
        held = self._held.get(agency_id)
        with self.database.read() as tx:
            row = tx.fetchone("SELECT COALESCE(MAX(change_seq), 0) AS head FROM rm_candidates")
            head = int(row["head"]) if row else 0
            if held is not None and held[0] == head:
                return held[1]
            if held is None or head < held[0]:  # first request, or the read model was rebuilt
                rows = tx.fetchall(
                    f"SELECT {COLUMNS} FROM rm_candidates WHERE agency_id = ? AND erased = 0 ORDER BY id", (agency_id,)
                )
                people = PoolPeople(agency_id, map(pool_candidate, rows))
            else:
                # By the stamp alone, so that the planner walks the stamp index (few rows), not the agency's.
                changed = tx.fetchall(f"SELECT {COLUMNS} FROM rm_candidates WHERE change_seq > ?", (held[0],))
                by_id = {p.candidate_id: p for p in held[1]}  # in id order
                newcomers = False
                for changed_row in changed:
                    if changed_row["agency_id"] != agency_id:
                        continue
                    if changed_row["erased"]:
                        by_id.pop(changed_row["id"], None)
                    else:
                        newcomers = newcomers or changed_row["id"] not in by_id
                        by_id[changed_row["id"]] = pool_candidate(changed_row)
                people = PoolPeople(agency_id, by_id.values(), presorted=not newcomers)
        self._held = {**self._held, agency_id: (head, people)}  # replaced whole: thread-safe
        return people
