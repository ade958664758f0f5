"""Each AI output beside the human decisions that followed it, from the event store.

A `PairingRule` names the event that holds a model's output, the field that identifies it,
and the events by which a person decided on it. The offer's rule is below; an outreach's
(an SMS reply's reading beside the advisor's correction) is one more rule with its event
names, and the same `pair()` and page macros show it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from application.audit.timeline import AiOutputView, TimelineEntry, entry_of
from application.caller import Caller
from application.criteria_text import describe
from application.errors import NotFoundError

if TYPE_CHECKING:
    from application.audit.outreach_decisions import OutreachDecisions


@dataclass(frozen=True)
class PairingRule:
    output_event: str  # e.g. "Offer.MatchSuggested"
    key: str  # the field both events carry, e.g. "suggestion_id"
    decisions: dict[str, str]  # decision event -> what it means ("accepted", "rejected", "corrected")


OFFER_SUGGESTIONS = PairingRule(
    "Offer.MatchSuggested", "suggestion_id",
    {"Offer.SuggestionAccepted": "accepted", "Offer.SuggestionRejected": "rejected"},
)


@dataclass(frozen=True)
class Decision:
    outcome: str
    entry: TimelineEntry
    seconds_after: float  # how long after the output the person decided (automation bias shows here)


@dataclass(frozen=True)
class Pair:
    key: str
    output: TimelineEntry
    event: Any  # the output event itself, for rule-specific fields
    decisions: list[Decision] = field(default_factory=list)

    @property
    def decision(self) -> Decision | None:
        return self.decisions[-1] if self.decisions else None


def pair(events: list[Any], rule: PairingRule) -> list[Pair]:
    """Outputs in log order, each with the decisions recorded on it since."""
    pairs: dict[str, Pair] = {}
    for event in events:
        kind = type(event).__qualname__
        if kind == rule.output_event:
            key = str(getattr(event, rule.key))
            pairs[key] = Pair(key, entry_of(event), event)
        elif kind in rule.decisions:
            found = pairs.get(str(getattr(event, rule.key, "")))
            if found is not None:
                seconds = (event.timestamp - found.event.timestamp).total_seconds()
                found.decisions.append(Decision(rule.decisions[kind], entry_of(event), seconds))
    return list(pairs.values())


@dataclass(frozen=True)
class SuggestionBeside:
    """One ranked person, the model's "why", and what the advisor made of it."""

    rank: int
    score: float
    candidate_id: str
    criteria_met: list[str]  # as the advisor read them, e.g. "Disponible dès le 11/01/2027 (…)"
    criteria_missed: list[str]
    rationale: str
    ai_outputs: list[AiOutputView]
    suggested: TimelineEntry
    decision: Decision | None


@dataclass(frozen=True)
class MatchRound:
    request_id: str
    requested: TimelineEntry
    pool_size: int
    eligible_count: int
    suggestions: list[SuggestionBeside] = field(default_factory=list)
    manual_additions: list[TimelineEntry] = field(default_factory=list)


@dataclass(frozen=True)
class OfferDecisions:
    offer_id: str
    title: str
    agency_id: str
    rounds: list[MatchRound]

    @property
    def candidate_ids(self) -> set[str]:
        ids = {s.candidate_id for r in self.rounds for s in r.suggestions}
        return ids | {m.fields.get("candidate_id", "") for r in self.rounds for m in r.manual_additions}


def _checks(checks: Any, met: bool, criteria: Any) -> list[str]:
    """The recorded checks in the advisor's words; `criteria`, the request's, words the distance limit."""
    return [describe(c, met, criteria) for c in checks or ()]


def offer_decisions(offer_id: UUID, events: list[Any]) -> OfferDecisions:
    """Rounds of an offer's matching, newest first; within a round, suggestions by rank."""
    pairs = {p.key: p for p in pair(events, OFFER_SUGGESTIONS)}
    rounds: dict[str, MatchRound] = {}
    asked: dict[str, Any] = {}  # request id -> the criteria the advisor asked
    title = agency = ""
    for event in events:
        kind = type(event).__qualname__
        if kind in ("Offer.Published", "Offer.Changed"):
            title, agency = event.terms.title, getattr(event, "agency_id", agency)
        elif kind == "Offer.MatchRequested":
            rounds[str(event.request_id)] = MatchRound(str(event.request_id), entry_of(event), event.pool_size,
                                                       event.eligible_count)
            asked[str(event.request_id)] = event.criteria
        elif kind == "Offer.MatchSuggested":
            found = pairs[str(event.suggestion_id)]
            criteria = asked.get(str(event.request_id))
            rounds[str(event.request_id)].suggestions.append(SuggestionBeside(
                event.rank, float(event.score), str(event.candidate_id), _checks(event.criteria_met, True, criteria),
                _checks(event.criteria_missed, False, criteria), event.rationale, found.output.ai_outputs,
                found.output, found.decision,
            ))
        elif kind == "Offer.CandidateAddedManually":
            target = rounds.get(str(event.request_id or ""))
            if target is None:  # added before any request: a round of its own
                target = rounds.setdefault("", MatchRound("", entry_of(event), 0, 0))
            target.manual_additions.append(entry_of(event))
    ordered = sorted(rounds.values(), key=lambda r: r.requested.version, reverse=True)
    for r in ordered:
        r.suggestions.sort(key=lambda s: s.rank)
    return OfferDecisions(str(offer_id), title, agency, ordered)


class DecisionQueries:
    def __init__(self, timelines: Any) -> None:
        self.timelines = timelines

    def offer(self, caller: Caller, offer_id: UUID) -> OfferDecisions:
        events = self.timelines.events(caller, offer_id)
        if type(events[0]).__qualname__ != "Offer.Published":
            raise NotFoundError(str(offer_id))
        return offer_decisions(offer_id, events)

    def outreach(self, caller: Caller, outreach_id: UUID) -> OutreachDecisions:
        """Each SMS reply beside the AI's reading and any correction (application/audit/outreach_decisions.py)."""
        from application.audit.outreach_decisions import outreach_decisions  # it builds on pair() above

        events = self.timelines.events(caller, outreach_id)
        if type(events[0]).__qualname__ != "Outreach.Created":
            raise NotFoundError(str(outreach_id))
        return outreach_decisions(outreach_id, events)

