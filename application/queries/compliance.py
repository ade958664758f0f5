"""What the compliance officer's pages read: people of every agency, letters, erasures, retention runs."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.caller import Caller
from application.errors import NotFoundError
from application.phone import searched_phone
from application.ports import Database, Gazetteer, PhoneClaims, Row
from application.queries.paging import PAGE_SIZE, Page, clamp_page, like_pattern
from application.projections.text import search_key
from domain.personal_data import ERASED_PLACEHOLDER

#: Read-model columns that hold a person's data in clear, scrubbed by their projection on erasure:
#: (table, column naming the person, personal columns). Tables of features built later add a line.
PERSONAL_COLUMNS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("rm_candidates", "id", ("first_name", "last_name", "phone", "notes", "search_text"), ""),
    ("rm_suggestions", "candidate_id", ("reason_text",), ""),
    ("rm_manual_additions", "candidate_id", ("reason_text",), ""),
    # SMS: the person's replies, answers and the advisor's note on the outcome (outbound texts are the
    # agency's, the same for every recipient).
    ("rm_outreach_conversations", "candidate_id", ("last_reply", "answers", "outcome_text"), ""),
    ("rm_outreach_messages", "candidate_id", ("body", "answer", "correction"), "direction = 'in'"),
    # Not a read model: the keyed HMAC of the person's number (docs/adr/0004), deleted on erasure.
    ("phone_claims", "candidate_id", ("claim",), ""),
)
#: How the export jobs an erasure deleted are marked in `log_exports.error` (infrastructure/export_jobs.py).
EXPORTS_ERASURE_MARK = "erasure:"


@dataclass(frozen=True)
class PersonSummary:
    id: str
    agency_id: str
    first_name: str
    last_name: str
    commune: str
    erased: bool
    registered_at: str
    last_activity_at: str
    last_activity_kind: str

    @classmethod
    def from_row(cls, row: Row) -> PersonSummary:
        return cls(
            id=row["id"], agency_id=row["agency_id"], first_name=row["first_name"], last_name=row["last_name"],
            commune=row["commune"], erased=bool(row["erased"]), registered_at=row["registered_at"],
            last_activity_at=row["last_activity_at"] or "", last_activity_kind=row["last_activity_kind"] or "",
        )


@dataclass(frozen=True)
class ErasureRecord:
    candidate_id: str
    erased_at: str
    actor_id: str
    actor_role: str
    reason_code: str
    requested_by: str  # free text of an erasure recorded before the closed list of requesters, else ""
    requester: str = ""  # a kind of ERASURE_REQUESTERS ("texte_libre" before the list)
    audit_search_keys: str = "[]"  # JSON list of the auditors' day keys deleted with the person
    reason_text: str = ""  # the precision of the ground, if one was given (in clear in the log too)

    @property
    def search_keys(self) -> list[str]:
        return json.loads(self.audit_search_keys)


@dataclass(frozen=True)
class SearchKeyErasure:
    """An auditor's day of searches, one of which named the person: its key went with theirs."""

    subject_id: str
    auditor_id: str
    day: str
    destroyed: bool


@dataclass(frozen=True)
class TableScrub:
    """One read-model table: the rows about the person and how many still hold clear personal data."""

    table: str
    columns: tuple[str, ...]
    rows: int
    still_clear: int


@dataclass(frozen=True)
class ErasureReport:
    record: ErasureRecord
    key_destroyed: bool
    tables: tuple[TableScrub, ...]
    dialect: str
    secure_delete: bool | None  # SQLite's setting on this connection; None on PostgreSQL
    searches: tuple[SearchKeyErasure, ...] = ()
    #: Export archives (or running exports' folders) on the server that this erasure deleted (log_exports).
    export_archives: int = 0


@dataclass(frozen=True)
class RetentionRunView:
    run_id: str
    ran_at: str
    actor_id: str
    months: int
    cutoff: str
    examined: int
    erased: int
    failed: int
    entries: list[dict[str, Any]]
    deleted_keys: list[str]  # owners of the dated keys the run deleted (auditors' search days, register months)
    started_by: str  # "cli:NAME" by hand, "scheduler", or "" for runs recorded before it was


_PEOPLE = (
    "SELECT c.id, c.agency_id, c.first_name, c.last_name, c.commune, c.erased, c.registered_at, "
    "a.last_activity_at, a.last_activity_kind FROM rm_candidates c "
    "LEFT JOIN rm_person_activity a ON a.candidate_id = c.id"
)


class ComplianceQueries:
    def __init__(self, database: Database, gazetteer: Gazetteer, phone_claims: PhoneClaims) -> None:
        self.database = database
        self.gazetteer = gazetteer
        self.phone_claims = phone_claims  # who holds a number, by its keyed digest (docs/adr/0004)

    def search_people(self, caller: Caller, text: str = "", page: int = 1, size: int = PAGE_SIZE) -> Page[PersonSummary]:
        """Job seekers of every agency by name, commune or skill, by phone number, or by their exact id.

        A word matches the text as recorded (names, the commune's label, skills) or, for people not
        erased, a commune a merger retired whose commune today bears the word: "Annecy" finds
        whoever was recorded in Seynod before it joined Annecy (docs/adr/0005, session 6)."""
        caller.require_role("compliance")
        page = clamp_page(page)
        where, params = "1 = 1", []  # type: ignore[var-annotated]
        phone = searched_phone(text)
        if _is_id(text):
            where, params = "c.id = ?", [str(UUID(text.strip()))]
        elif phone:
            holders = sorted(str(person) for person in self.phone_claims.holders_of(phone))
            where, params = f"c.id IN ({', '.join('?' * len(holders))})" if holders else "1 = 0", holders
        else:
            for word in search_key(text).split()[:6]:
                merged = self.gazetteer.merged_into(word)
                if merged:
                    where += (" AND (c.search_text LIKE ? ESCAPE '\\' OR (c.erased = 0 AND c.commune_code IN "
                              f"({', '.join('?' * len(merged))})))")
                    params.extend((like_pattern(word), *merged))
                else:
                    where += " AND c.search_text LIKE ? ESCAPE '\\'"
                    params.append(like_pattern(word))
        with self.database.read() as tx:
            total = tx.fetchone(f"SELECT COUNT(*) AS n FROM rm_candidates c WHERE {where}", params)
            rows = tx.fetchall(
                f"{_PEOPLE} WHERE {where} ORDER BY c.last_name, c.first_name, c.id LIMIT ? OFFSET ?",
                (*params, size, (page - 1) * size),
            )
        return Page([PersonSummary.from_row(r) for r in rows], int(total["n"]) if total else 0, page, size)

    def person(self, caller: Caller, candidate_id: UUID) -> PersonSummary:
        caller.require_role("compliance")
        with self.database.read() as tx:
            row = tx.fetchone(f"{_PEOPLE} WHERE c.id = ?", (str(candidate_id),))
        if row is None:
            raise NotFoundError(str(candidate_id))
        return PersonSummary.from_row(row)

    def letters(self, caller: Caller, candidate_id: UUID) -> list[Row]:
        caller.require_role("compliance")
        with self.database.read() as tx:
            return tx.fetchall(
                "SELECT * FROM rm_explanation_letters WHERE candidate_id = ? ORDER BY produced_at DESC, letter_id",
                (str(candidate_id),),
            )

    def erasure(self, caller: Caller, candidate_id: UUID) -> ErasureRecord | None:
        caller.require_role("compliance")
        with self.database.read() as tx:
            row = tx.fetchone(
                "SELECT candidate_id, erased_at, actor_id, actor_role, reason_code, requested_by, requester, "
                "audit_search_keys, reason_text FROM rm_erasures WHERE candidate_id = ?", (str(candidate_id),),
            )
        return ErasureRecord(**row) if row else None

    def erasure_report(self, caller: Caller, candidate_id: UUID) -> ErasureReport:
        """What was erased where, checked now: the key, each read-model table, the storage."""
        record = self.erasure(caller, candidate_id)
        if record is None:
            raise NotFoundError(str(candidate_id))
        subject = str(candidate_id)
        with self.database.read() as tx:
            key = tx.fetchone("SELECT COUNT(*) AS n FROM personal_keys WHERE subject_id = ? AND wrapped_key <> ''", (subject,))
            tables = tuple(self._scrub(tx, table, column, columns, condition, subject)
                           for table, column, columns, condition in PERSONAL_COLUMNS)
            searches = tuple(self._search_key(tx, owner) for owner in record.search_keys)
            exports = tx.fetchone("SELECT COUNT(*) AS n FROM log_exports WHERE status = 'purged' AND error = ?",
                                  (f"{EXPORTS_ERASURE_MARK}{subject}",))
            secure = None
            if self.database.dialect == "sqlite":
                setting = tx.fetchone("PRAGMA secure_delete")
                secure = bool(setting and next(iter(setting.values())))
        return ErasureReport(record, bool(key and int(key["n"]) == 0), tables, self.database.dialect, secure, searches,
                             int(exports["n"]) if exports else 0)

    @staticmethod
    def _search_key(tx: Any, owner: str) -> SearchKeyErasure:
        row = tx.fetchone("SELECT COUNT(*) AS n FROM personal_keys WHERE subject_id = ? AND wrapped_key <> ''", (owner,))
        _, auditor, day = owner.split(":", 2)
        return SearchKeyErasure(owner, auditor, day, bool(row and int(row["n"]) == 0))

    @staticmethod
    def _scrub(tx: Any, table: str, column: str, columns: tuple[str, ...], condition: str, subject: str) -> TableScrub:
        clear = " OR ".join(f"{c} NOT IN ('', '{{}}', ?)" for c in columns)  # '{}': no answers left
        row = tx.fetchone(
            f"SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN {clear} THEN 1 ELSE 0 END), 0) AS clear "
            f"FROM {table} WHERE {column} = ?{' AND ' + condition if condition else ''}",
            (*[ERASED_PLACEHOLDER] * len(columns), subject),
        )
        return TableScrub(table, columns, int(row["n"]), int(row["clear"]))

    def retention_runs(self, caller: Caller, limit: int = 20) -> list[RetentionRunView]:
        caller.require_role("compliance")
        with self.database.read() as tx:
            rows = tx.fetchall("SELECT * FROM rm_retention_runs ORDER BY ran_at DESC, run_id LIMIT ?", (limit,))
        return [RetentionRunView(**{**r, "entries": json.loads(r["entries"]), "deleted_keys": json.loads(r["deleted_keys"])})
                for r in rows]


def _is_id(text: str) -> bool:
    try:
        UUID(text.strip())
    except ValueError:
        return False
    return True
