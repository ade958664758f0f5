"""The job seekers matching considers, read from `rm_candidates` (names, phones and notes are not read)."""
from __future__ import annotations

from datetime import date

from application.ports import Database, Row
from application.screening import PoolCandidate

COLUMNS = (
    "id, agency_id, version, commune, rome_codes, skills, available_from, mobility_km, contract_types, "
    "max_hours_per_week, salary_min_expected, sms_consent, erased"
)


def pool_candidate(row: Row) -> PoolCandidate:
    return PoolCandidate(
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
    )


class ReadModelCandidatePool:
    """`CandidatePoolSource` answered from the read model."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def people(self, agency_id: str) -> list[PoolCandidate]:
        with self.database.read() as tx:
            rows = tx.fetchall(
                f"SELECT {COLUMNS} FROM rm_candidates WHERE agency_id = ? AND erased = 0 ORDER BY id", (agency_id,)
            )
        return [pool_candidate(row) for row in rows]
