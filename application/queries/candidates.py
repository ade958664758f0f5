"""Job seekers as the advisor's pages show them."""
from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.caller import Caller
from application.errors import NotFoundError
from application.ports import Database, Row
from application.queries.paging import PAGE_SIZE, Page, search_agency_table


@dataclass(frozen=True)
class CandidateView:
    id: str
    agency_id: str
    first_name: str
    last_name: str
    phone: str
    commune: str
    rome_codes: list[str]
    skills: list[str]
    available_from: str
    mobility_km: int
    notes: str
    sms_consent: bool
    erased: bool
    version: int
    registered_at: str
    contract_types: list[str]
    max_hours_per_week: int
    salary_min_expected: int
    birth_date: str = ""  # "AAAA-MM-JJ", "AAAA", "" (not recorded) or "[effacé]"
    sex: str = ""
    priority_area: str = ""

    @classmethod
    def from_row(cls, row: Row) -> CandidateView:
        return cls(
            id=row["id"],
            agency_id=row["agency_id"],
            first_name=row["first_name"],
            last_name=row["last_name"],
            phone=row["phone"],
            commune=row["commune"],
            rome_codes=row["rome_codes"].split(),
            skills=[s for s in row["skills"].split("|") if s],
            available_from=row["available_from"],
            mobility_km=int(row["mobility_km"]),
            notes=row["notes"],
            sms_consent=bool(row["sms_consent"]),
            erased=bool(row["erased"]),
            version=int(row["version"]),
            registered_at=row["registered_at"],
            contract_types=row["contract_types"].split(),
            max_hours_per_week=int(row["max_hours_per_week"]),
            salary_min_expected=int(row["salary_min_expected"]),
            birth_date=row["birth_date"],
            sex=row["sex"],
            priority_area=row["priority_area"],
        )


class CandidateQueries:
    def __init__(self, database: Database) -> None:
        self.database = database

    def search(self, caller: Caller, text: str = "", page: int = 1, size: int = PAGE_SIZE) -> Page[CandidateView]:
        caller.require_role("advisor")
        return search_agency_table(
            self.database, "rm_candidates", caller.agency_id, text, "last_name, first_name, id", page, size, CandidateView.from_row
        )

    def get(self, caller: Caller, candidate_id: UUID) -> CandidateView:
        caller.require_role("advisor", "compliance")
        with self.database.read() as tx:
            row = tx.fetchone("SELECT * FROM rm_candidates WHERE id = ?", (str(candidate_id),))
        if row is None:
            raise NotFoundError(str(candidate_id))
        caller.require_agency(row["agency_id"])
        return CandidateView.from_row(row)
