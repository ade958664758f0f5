"""The auditor's history search over `rm_event_index`: by person, offer, record, actor, event type and period."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID

from application.audit.moments import PARIS
from application.caller import Caller
from application.phone import searched_phone
from application.ports import Database, PhoneClaims, Row
from application.projections.event_index import utc_text
from application.projections.text import search_key
from application.queries.distinct import distinct_values
from application.queries.paging import Page, clamp_page, like_pattern

HISTORY_PAGE_SIZE = 50
#: A name search stops at this many people (the auditor then narrows it down).
MAX_PEOPLE = 200
#: The event types the log holds, one index seek per type.
DISTINCT_EVENT_TYPES = distinct_values("rm_event_index", "event_type")
AGGREGATE_TYPES = ("Candidate", "Offer", "Outreach", "TrainingSession", "Account", "AiOversight", "AuditAccess",
                   "ExplanationLetter", "LogExport", "RetentionRun")


@dataclass(frozen=True)
class HistoryFilters:
    """Every filter is optional; empty strings and None mean "any"."""

    person: str = ""  # a job seeker's id, their phone number, or words of their name
    offer_id: UUID | None = None
    record_id: UUID | None = None  # any aggregate: an outreach, a training session, an account...
    aggregate_type: str = ""
    event_type: str = ""
    actor: str = ""  # an account's user name or an actor id
    agency_id: str = ""
    since: date | None = None  # Paris days, both included
    until: date | None = None


@dataclass(frozen=True)
class HistoryRow:
    notification_id: int
    aggregate_id: str
    aggregate_type: str
    aggregate_version: int
    event_type: str
    actor_id: str
    actor_role: str
    agency_id: str
    person_id: str
    occurred_at: str

    @classmethod
    def from_row(cls, row: Row) -> HistoryRow:
        return cls(int(row["notification_id"]), row["aggregate_id"], row["aggregate_type"],
                   int(row["aggregate_version"]), row["event_type"], row["actor_id"], row["actor_role"],
                   row["agency_id"], row["person_id"], row["occurred_at"])


def paris_day_start(day: date) -> str:
    return utc_text(datetime.combine(day, time(0, 0), tzinfo=PARIS))


class HistoryQueries:
    def __init__(self, database: Database, phone_claims: PhoneClaims) -> None:
        self.database = database
        self.phone_claims = phone_claims  # who holds a number, by its keyed digest (docs/adr/0004)

    def search(self, caller: Caller, filters: HistoryFilters, page: int = 1,
               size: int = HISTORY_PAGE_SIZE) -> Page[HistoryRow]:
        """Newest first. A name matches through the candidates' read model (names are encrypted in the log)."""
        caller.require_role("auditor")
        page = clamp_page(page)
        where: list[str] = []
        params: list[object] = []
        with self.database.read() as tx:
            if filters.person:
                people = self._people_ids(tx, filters.person)
                if not people:
                    return Page([], 0, page, size)
                marks = ", ".join("?" for _ in people)
                where.append(f"(person_id IN ({marks}) OR aggregate_id IN ({marks}))")
                params += [*people, *people]
            for column, value in (("aggregate_id", filters.offer_id), ("aggregate_id", filters.record_id)):
                if value is not None:
                    where.append(f"{column} = ?")
                    params.append(str(value))
            for column, text in (("aggregate_type", filters.aggregate_type), ("event_type", filters.event_type),
                                 ("agency_id", filters.agency_id)):
                if text:
                    where.append(f"{column} = ?")
                    params.append(text)
            if filters.actor:
                where.append("actor_id = ?")
                params.append(self._actor_id(tx, filters.actor))
            if filters.since is not None:
                where.append("occurred_at >= ?")
                params.append(paris_day_start(filters.since))
            if filters.until is not None:
                where.append("occurred_at < ?")
                params.append(paris_day_start(filters.until + timedelta(days=1)))
            clause = f"WHERE {' AND '.join(where)}" if where else ""
            total = tx.fetchone(f"SELECT COUNT(*) AS n FROM rm_event_index {clause}", params)
            rows = tx.fetchall(
                f"SELECT * FROM rm_event_index {clause} ORDER BY notification_id DESC LIMIT ? OFFSET ?",
                (*params, size, (page - 1) * size),
            )
        return Page([HistoryRow.from_row(r) for r in rows], int(total["n"]) if total else 0, page, size)

    def event_types(self, caller: Caller) -> list[str]:
        """The event types the log holds so far, for the search form's list."""
        caller.require_role("auditor")
        with self.database.read() as tx:
            rows = tx.fetchall(DISTINCT_EVENT_TYPES)
        return [r["event_type"] for r in rows]

    def aggregate_type(self, caller: Caller, aggregate_id: UUID) -> str | None:
        caller.require_role("auditor")
        with self.database.read() as tx:
            row = tx.fetchone("SELECT aggregate_type FROM rm_history_aggregates WHERE aggregate_id = ?",
                              (str(aggregate_id),))
        return row["aggregate_type"] if row else None

    def people_names(self, caller: Caller, ids: set[str]) -> dict[str, str]:
        """Job seekers' names as the read model holds them ("[effacé]" once erased)."""
        caller.require_role("auditor")
        wanted = sorted(i for i in ids if i)[:500]
        if not wanted:
            return {}
        with self.database.read() as tx:
            rows = tx.fetchall(
                f"SELECT id, first_name, last_name FROM rm_candidates WHERE id IN ({', '.join('?' for _ in wanted)})",
                wanted,
            )
        return {r["id"]: f"{r['last_name']} {r['first_name']}" for r in rows}

    def _people_ids(self, tx: object, person: str) -> list[str]:
        try:
            return [str(UUID(person.strip()))]
        except ValueError:
            pass
        phone = searched_phone(person)
        if phone:
            return sorted(str(holder) for holder in self.phone_claims.holders_of(phone))
        where, params = [], []
        for word in search_key(person).split()[:6]:
            where.append("search_text LIKE ? ESCAPE '\\'")
            params.append(like_pattern(word))
        if not where:
            return []
        rows = tx.fetchall(  # type: ignore[attr-defined]
            f"SELECT id FROM rm_candidates WHERE {' AND '.join(where)} ORDER BY id LIMIT ?", (*params, MAX_PEOPLE)
        )
        return [r["id"] for r in rows]

    def _actor_id(self, tx: object, actor: str) -> str:
        row = tx.fetchone("SELECT id FROM rm_accounts WHERE username = ?", (actor.strip().lower(),))  # type: ignore[attr-defined]
        return row["id"] if row else actor.strip()
