"""Job offers as the advisor's pages show them."""
from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.caller import Caller
from application.errors import NotFoundError
from application.ports import Database, Row
from application.queries.paging import PAGE_SIZE, Page, search_agency_table


@dataclass(frozen=True)
class OfferView:
    id: str
    agency_id: str
    title: str
    rome_code: str
    skills: list[str]
    commune: str
    contract_type: str
    hours_per_week: int
    salary_min: int
    salary_max: int
    description: str
    status: str
    closing_reason: str
    version: int
    published_at: str

    @classmethod
    def from_row(cls, row: Row) -> OfferView:
        values = {name: row[name] for name in cls.__dataclass_fields__}
        values["skills"] = [s for s in row["skills"].split("|") if s]
        for name in ("hours_per_week", "salary_min", "salary_max", "version"):
            values[name] = int(values[name])
        return cls(**values)


class OfferQueries:
    def __init__(self, database: Database) -> None:
        self.database = database

    def search(self, caller: Caller, text: str = "", page: int = 1, size: int = PAGE_SIZE) -> Page[OfferView]:
        caller.require_role("advisor")
        return search_agency_table(
            self.database, "rm_offers", caller.agency_id, text, "published_at DESC, id", page, size, OfferView.from_row
        )

    def get(self, caller: Caller, offer_id: UUID) -> OfferView:
        caller.require_role("advisor")
        with self.database.read() as tx:
            row = tx.fetchone("SELECT * FROM rm_offers WHERE id = ?", (str(offer_id),))
        if row is None:
            raise NotFoundError(str(offer_id))
        caller.require_agency(row["agency_id"])
        return OfferView.from_row(row)
