"""An aggregate's timeline, read from the event store: every event with who, when, why and the AI's provenance.

Model outputs are shown as recorded, never re-asked. Time travel replays the stored events
up to a version (the repository's `get(id, version=N)`), or up to the last event at a time.
A timeline is shown a page of `ENTRIES_PER_PAGE` events at a time, oldest first: an offer gathers
about a thousand events in ten matching rounds, and a page listing them all was 1,000 articles.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from application.audit.moments import BadMomentError, Moment
from application.audit.replay import event_rows, events_of, replay, replayed, stored_events
from application.audit.state import Change, aggregate_state, diff, flatten
from application.caller import Caller
from application.errors import NotFoundError
from application.queries.paging import Page
from domain.matching import AiOutput
from domain.personal_data import PersonalData
from domain.provenance import Reason

if TYPE_CHECKING:
    from application.app import Relais

#: Events listed per page of a timeline (the state shown above them is replayed from all of them).
ENTRIES_PER_PAGE = 100

#: Shown in their own columns, not among the event's other fields.
SHOWN_APART = ("originator_id", "originator_version", "originator_topic", "timestamp", "provenance", "reason",
               "reason_text")


@dataclass(frozen=True)
class AiOutputView:
    role: str  # the event field that held it: "ai" (the ranking), "rationale_ai" (the written "why")
    kind: str
    model: str
    prompt_id: str
    prompt_version: str
    input_sha256: str
    output: str
    latency_ms: int
    tokens_in: int
    tokens_out: int
    fallback_reason: str

    @classmethod
    def of(cls, role: str, ai: AiOutput) -> AiOutputView:
        return cls(role, ai.kind, ai.model, ai.prompt_id, ai.prompt_version, ai.input_sha256, ai.output,
                   ai.latency_ms, ai.tokens_in, ai.tokens_out, ai.fallback_reason)


@dataclass(frozen=True)
class TimelineEntry:
    version: int
    event_type: str  # "Offer.MatchSuggested"
    occurred_at: datetime
    actor_id: str
    actor_role: str
    correlation_id: str
    reason_code: str
    reason_text: str  # decrypted, or "[effacé]"
    ai_outputs: list[AiOutputView]
    fields: dict[str, str]  # the event's other fields, flattened
    # The format the event was recorded in, when older than the one it is read in: the fields added
    # since (e.g. a commune's INSEE code) were inferred on reading, not recorded.
    recorded_format: int | None = None

    @property
    def name(self) -> str:
        return self.event_type.split(".", 1)[-1]


class BadPageError(ValueError):
    """A timeline page that does not exist."""


@dataclass(frozen=True)
class Timeline:
    aggregate_id: str
    aggregate_type: str
    #: One page of the events (`total`: all of them, so the last version: versions run 1, 2, 3… with no gap).
    events: Page[TimelineEntry]
    first_at: datetime  # when its first event was recorded
    moment: Moment = Moment()
    #: The state at the chosen version or time (None: the record did not exist yet then).
    state: dict[str, str] | None = None
    state_version: int = 0
    changes: list[Change] = field(default_factory=list)

    @property
    def entries(self) -> list[TimelineEntry]:
        return self.events.items

    @property
    def last_version(self) -> int:
        return self.events.total


def entry_of(event: Any, recorded_format: int | None = None) -> TimelineEntry:
    provenance = getattr(event, "provenance", None)
    reason: Reason | None = getattr(event, "reason", None)
    reason_text: PersonalData | None = getattr(event, "reason_text", None)
    outputs, others = [], {}
    for name, value in vars(event).items():
        if name in SHOWN_APART:
            continue
        if isinstance(value, AiOutput):
            outputs.append(AiOutputView.of(name, value))
        else:
            others.update(flatten(value, name))
    return TimelineEntry(
        version=event.originator_version,
        event_type=type(event).__qualname__,
        occurred_at=event.timestamp,
        actor_id=provenance.actor_id if provenance else "",
        actor_role=provenance.actor_role if provenance else "",
        correlation_id=provenance.correlation_id if provenance else "",
        reason_code=reason.code if isinstance(reason, Reason) else "",
        reason_text=(reason_text.value if isinstance(reason_text, PersonalData)
                     else reason.text if isinstance(reason, Reason) else ""),
        ai_outputs=outputs,
        fields=others,
        recorded_format=recorded_format,
    )


class TimelineQueries:
    """Read-only: auditors only, and every read goes to the event store, not to a read model."""

    def __init__(self, app: Relais) -> None:
        self.app = app

    def events(self, caller: Caller, aggregate_id: UUID, recorded_formats: dict[int, int] | None = None) -> list[Any]:
        caller.require_role("auditor")
        events = stored_events(self.app, aggregate_id, recorded_formats=recorded_formats)
        if not events:
            raise NotFoundError(str(aggregate_id))
        return events

    def timeline(self, caller: Caller, aggregate_id: UUID, moment: Moment = Moment(), page: int | None = None,
                 per_page: int = ENTRIES_PER_PAGE) -> Timeline:
        """One page of the events, and the state the moment asks for, replayed from the same events read once.

        Without a page, the page holding the version the moment chose (page 1 when none was chosen)."""
        caller.require_role("auditor")
        recorded_formats: dict[int, int] = {}
        # The state is replayed from events made for the replay (the fields their methods read, and the
        # timestamps the moment looks at); the page's entries, from its own rows made whole.
        rows = event_rows(self.app, aggregate_id)
        events = (stored_events(self.app, aggregate_id) if rows is None
                  else events_of(self.app, aggregate_id, rows, recorded_formats, for_replay=True))
        if not events:
            raise NotFoundError(str(aggregate_id))
        kind = type(events[0]).__qualname__.split(".", 1)[0]
        unlisted: Page[TimelineEntry] = Page([], len(events), 1, per_page)
        timeline = self._moment(Timeline(str(aggregate_id), kind, unlisted, events[0].timestamp, moment), events)
        if page is None:
            chosen = timeline.state_version if (moment.version or moment.at or moment.is_diff) else 0
            page = (chosen - 1) // per_page + 1 if chosen else 1
        if page > unlisted.pages:
            raise BadPageError(f"La page {page} n'existe pas : cet historique compte {unlisted.pages} page"
                               f"{'s' if unlisted.pages > 1 else ''} de {per_page} événements.")
        shown = (events[(page - 1) * per_page:page * per_page] if rows is None
                 else events_of(self.app, aggregate_id, rows[(page - 1) * per_page:page * per_page]))
        entries = [entry_of(e, recorded_formats.get(e.originator_version)) for e in shown]
        return _with(timeline, events=Page(entries, len(events), page, per_page))

    @staticmethod
    def _moment(timeline: Timeline, events: list[Any]) -> Timeline:
        """`timeline` with the state (or the changes) its moment asks for."""
        moment, last = timeline.moment, timeline.last_version
        if moment.is_diff:
            assert moment.from_version is not None and moment.to_version is not None
            for wanted, parameter in ((moment.from_version, "from"), (moment.to_version, "to")):
                _require_exists(wanted, last, parameter)
            before = state_of(events, moment.from_version)
            after = state_of(events, moment.to_version)
            return _with(timeline, state=after, state_version=moment.to_version, changes=diff(before, after))
        if moment.version is not None:
            _require_exists(moment.version, last, "version")
            return _with(timeline, state=state_of(events, moment.version), state_version=moment.version)
        if moment.at is not None:
            version = version_at(events, moment.at)
            if version == 0:
                return _with(timeline, state=None, state_version=0)
            return _with(timeline, state=state_of(events, version), state_version=version)
        return _with(timeline, state=state_of(events, last), state_version=last)

    def state_at(self, aggregate_id: UUID, version: int) -> dict[str, str]:
        """Replay the stored events up to `version`: each event's own mutator applies it (application/audit/replay.py)."""
        aggregate = replayed(self.app, aggregate_id, version)
        if aggregate is None:
            raise NotFoundError(str(aggregate_id))
        return aggregate_state(aggregate)


def state_of(events: list[Any], version: int) -> dict[str, str]:
    """The state after the first `version` events (versions run 1, 2, 3… with no gap)."""
    return aggregate_state(replay(None, events[:version]))


def version_at(events: list[Any], at: datetime) -> int:
    """The version the record had at `at`: its last event recorded at or before then (0: none yet)."""
    version = 0
    for event in events:
        if event.timestamp <= at:
            version = event.originator_version
    return version


def _require_exists(version: int, last: int, parameter: str) -> None:
    if version > last:
        raise BadMomentError(f"La version {version} n'existe pas : cette fiche en est à la version {last}.", parameter)


def _with(timeline: Timeline, **changes: Any) -> Timeline:
    return replace(timeline, **changes)
