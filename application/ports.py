"""Ports: what the use cases need from the outside world, as protocols."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from uuid import UUID

if TYPE_CHECKING:
    from eventsourcing.persistence import StoredEvent

    from application.ranking import CandidatePool, RankingQuery, RankingResult
    from application.reply_reading import ReplyReading, ReplyToRead
    from application.sms import InboundSms, OutgoingSms, SmsReceipt
    from application.screening import PoolCandidate


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool:
        """True when the password matches; never raises for a mismatch."""

    def dummy_verify(self) -> None:
        """Spend the time of a verification, so unknown users answer like wrong passwords."""


class PersonalKeyVault(Protocol):
    def keys_for(self, subject_ids: list[str]) -> dict[str, bytes | None]:
        """The keys of these people (None: erased or never made), read together: a timeline names
        about a hundred people, and one read each cost more than its replay."""

    def destroy(self, subject_id: str) -> bool:
        """Delete the person's key for good; True if a key existed."""

    def purge_residues(self) -> None:
        """Make sure no deleted copy survives in the storage files (journal, free pages)."""


class ExportArchives(Protocol):
    """Copies of the log kept on the server for download: they hold people's data in clear."""

    def discard_all(self, erased: str) -> int:
        """Someone (`erased`, their id) was just erased: delete every archive and export folder made so far,
        running exports' too. How many exports lost their files."""


class AuditSearchIndex(Protocol):
    def live_searches(self) -> list[tuple[str, str]]:
        """(page view id, day key owner) of auditors' searches whose day key still exists, by key."""

    def recorded(self, access_ids: Sequence[str]) -> list[StoredEvent]:
        """The stored records of these page views, read together (the mapper decodes them)."""


Row = dict[str, Any]


class Transaction(Protocol):
    """One database transaction; SQL uses `?` placeholders and portable types."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement and return the number of rows it changed."""

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...


class Database(Protocol):
    """The read-model database (the same server or file as the event store)."""

    dialect: str

    def transaction(self) -> AbstractContextManager[Transaction]:
        """Commit on success, roll back on error."""

    def read(self) -> AbstractContextManager[Transaction]:
        """A read-only unit of work; inside this thread's open transaction, that transaction as it is."""

    def open_connection(self) -> object | None:
        """This thread's connection if it is inside a transaction, else None."""

    def registering(self, person_ids: Iterable[str]) -> None:
        """Say that this thread's command transaction registers these people (new ids)."""

    def is_registering(self, subject_id: str) -> bool:
        """Whether this thread's command transaction said it registers this person."""

    def on_conflict(self, constraint: str, error: Exception) -> None:
        """In this thread's command transaction: a unique violation of `constraint`, from a write
        sent without waiting, fails the command with `error` (raised when its transaction ends)."""

    def pipelined(self) -> AbstractContextManager[None]:
        """Inside this thread's open transaction: writes whose results are not read go to the server
        together (PostgreSQL: one round trip), in order. `execute` returns no row count inside; a
        failed statement raises at the next read, at the block's end or (in a command's transaction,
        which is pipelined whole) at COMMIT, which it then prevents."""


@dataclass(frozen=True)
class InsertClaim:
    """Projections whose positions an event insert moved, in its own round trip, from `before` (the
    log's head before the insert) to `last` (the insert's last notification id)."""

    before: int
    last: int
    names: frozenset[str]


@runtime_checkable
class ClaimingRecorder(Protocol):
    """An application recorder that can claim the projections' positions in the round trip of its
    insert (PostgreSQL, inside a command's transaction: docs/adr/0020, session 5).

    Only for a runner that applies every save's events in the save's transaction: positions
    claimed on insert and not applied would make those projections skip the events for good."""

    def claim_on_insert(self, names: Sequence[str]) -> None:
        """From now on, every insert in a command's transaction claims these projections."""

    def claimed_on_insert(self) -> InsertClaim | None:
        """What this thread's last insert claimed (None: it claimed nothing); answered once."""


@dataclass(frozen=True)
class CommuneMatch:
    """What a typed commune designates: one commune (`label`: how it is stored and shown, the
    official name, followed by the department when other communes bear that name), several
    (`choices`: their labels, to pick from), or none (both empty). `code`: the INSEE code of the one."""

    label: str = ""
    choices: tuple[str, ...] = ()
    code: str = ""


class Gazetteer(Protocol):
    def find_commune(self, typed: str) -> CommuneMatch:
        """The commune typed as its name (any case, accents optional), "Name (department)",
        a postcode, or a postcode and a name."""

    def coordinates(self, commune: str) -> tuple[float, float] | None:
        """(latitude, longitude) in degrees of a stored commune (its INSEE code or its label), or None
        if it is unknown."""

    def commune_code(self, stored: str) -> str | None:
        """The INSEE code of the one commune a stored label designates (a label, a name stored before,
        a former commune's name), or None."""

    def suggest_communes(self, typed: str, limit: int) -> list[str]:
        """Labels of the communes whose name or postcode begins as typed, most populous first."""

    def merged_into(self, text: str) -> tuple[str, ...]:
        """The INSEE codes mergers retired (infrastructure/data/communes_history.csv) whose commune today
        has a name holding `text` (any case, accents and hyphens optional): a search for a commune's
        current name finds, through these codes, what was recorded under the communes merged into it."""


class Directory(Protocol):
    """Look-ups the commands need to refuse duplicates (answered from read models)."""

    def account_exists(self, username: str) -> bool: ...

    def active_administrators(self) -> frozenset[str]:
        """The ids of the active administrator accounts (the last one may not be demoted)."""

    def has_agency(self, agency_id: str) -> bool:
        """Whether an account belongs to the agency: it exists, whatever rule its id was made under."""


class PhoneClaims(Protocol):
    """One job seeker per phone number in an agency (docs/adr/0004).

    Called inside the command's unit of work (`Relais.unit_of_work`), so a claim commits with
    the events that need it: of two registrations of one number at the same instant, the second
    waits for the first and is refused, and a refused or failed command leaves no claim behind.
    """

    def claim(self, agency_id: str, phones: Mapping[UUID, str], *, replacing: bool = False) -> set[UUID]:
        """Give each person (id -> E.164 number) their number; answer those whose number another
        person holds (nothing is claimed for them). `replacing` (a profile change): also free the
        number each person held before; a new person holds none, so a registration skips that.
        Without `replacing` the people are new (a registration, an import): the rest of the
        command's transaction may rely on it (their keys are inserted without a check,
        docs/adr/0020, session 5)."""

    def claim_new(self, agency_id: str, person: UUID, phone: str, refused: Exception) -> None:
        """Give a person this command registers (a new id) their number, raising `refused` if another
        person holds it. Inside a command's transaction the answer may not be waited for (PostgreSQL:
        the claim goes to the server with the person's key and event, docs/adr/0020, session 5):
        `refused` is then raised when the transaction learns it, at the latest when its unit of work
        ends, and nothing of the command is written. A registration needs no more than that;
        an import, which goes on with the other rows, needs `claim`."""

    def release(self, candidate_id: UUID) -> None:
        """Free the person's number (erasure)."""

    def holders_of(self, phone: str) -> set[UUID]:
        """Everyone holding this E.164 number, in any agency: the people compliance and the auditors find by
        phone, through the claims' keyed digests (never a number stored or compared in clear)."""


class CandidatePoolSource(Protocol):
    """The job seekers matching may consider (answered from the read model)."""

    def people(self, agency_id: str) -> Iterable[PoolCandidate]:
        """The agency's job seekers who are not erased, without names, phones or notes.

        A source may answer a `PoolPeople` (application/screening.py), reused while unchanged."""


class CandidateRanker(Protocol):
    """Orders the people who passed the hard filters, best first (application/ranking.py).

    Implementations: the offline `Bm25CandidateRanker` (infrastructure/offline_ranker.py), and
    a Mistral adapter. Raise `RankingFailedError(reason)` on a timeout, an error or an output
    that fails validation: the application then ranks offline and records the reason.
    """

    def rank(self, query: RankingQuery, pool: CandidatePool, limit: int) -> RankingResult: ...


class SmsGateway(Protocol):
    """Sends SMS and answers what became of one (application/sms.py).

    Implementations: `SimulatorSmsGateway` (the embedded default) and `TwilioSmsGateway`.
    Replies and status callbacks come back through the application's inbound use cases.
    """

    name: str

    def send(self, sms: OutgoingSms) -> SmsReceipt:
        """Hand the message to the provider; raise `SmsSendError` when it cannot."""

    def find(self, sms: OutgoingSms, attempted_at: datetime) -> SmsReceipt | None:
        """Reconciliation after a crash between attempt and answer: the provider's record of
        this message if it got it, None if it never did (then, and only then, it may be resent)."""


class ReplyReader(Protocol):
    """Reads a job seeker's SMS reply into the fixed schema of application/reply_reading.py.

    Implementations: the offline rule-based reader and a Mistral adapter. Raise
    `ReadingFailedError(reason)` on failure: the application reads offline and records why.
    """

    def read(self, reply: ReplyToRead) -> ReplyReading: ...


class SmsInbox(Protocol):
    """What the provider's webhooks hand to the application (implemented by `Relais`, brief A).

    Both are idempotent: the same `provider_message_id` delivered twice has one effect, and a
    status arriving late or out of order never moves a message backwards (application/sms.py).
    """

    def receive_sms(self, sms: InboundSms) -> None: ...

    def record_sms_status(self, provider_message_id: str, status: str, error_code: str = "") -> None: ...


class OutreachSchedule(Protocol):
    """The pending follow-ups, answered from the projection of the log (the tick's source of truth)."""

    def due(self, now: datetime, limit: int) -> Sequence[Any]:
        """`DueFollowUp`s due at or before `now`, oldest first (application/follow_ups.py)."""


class OutreachDirectory(Protocol):
    """Look-ups of the inbound paths (answered from read models)."""

    def conversations_for_phone(self, phone: str) -> list[tuple[UUID, UUID]]:
        """(outreach_id, candidate_id) of every conversation with this E.164 number, newest outreach first."""

    def candidates_with_phone(self, phone: str) -> list[UUID]:
        """Everyone registered with this number (an opt-out applies to each)."""

    def message_for_provider_id(self, provider_message_id: str) -> tuple[UUID, str] | None:
        """(outreach_id, our message id) of a message the provider knows by this id."""

    def reply_received(self, provider_message_id: str) -> bool:
        """Whether a reply with this provider id is already recorded, in any outreach."""

    def contact_status(self, candidate_ids: Sequence[UUID]) -> dict[UUID, tuple[str, bool]]:
        """candidate id -> (agency id, contactable: consented, not opted out, not erased); unknown ids absent."""

    def contacts(self, candidate_ids: Sequence[UUID]) -> dict[UUID, str]:
        """candidate id -> E.164 phone, for the contactable ones only (the others are absent)."""
