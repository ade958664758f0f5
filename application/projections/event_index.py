"""The auditor's history index (`rm_event_index`, `rm_history_aggregates`): one row per stored event.

Ids and codes only, never personal data, so nothing here needs erasing. Rows are keyed by
the notification id (the log's order), hence `reads_positions`: the runner passes it in.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from application.ports import Transaction

TABLES = ("rm_event_index", "rm_history_aggregates")


def utc_text(moment: datetime) -> str:
    """Fixed width, so that text order is time order on SQLite and PostgreSQL alike."""
    utc = moment.astimezone(UTC)
    if utc.year < 1000:  # strftime does not pad such a year to four digits, isoformat does
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # The same text as the strftime above, at a third of its cost (written once per event of the log).
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def event_type(event: Any) -> str:
    """'Offer.MatchSuggested': the aggregate's class and the event's, as the topic names them."""
    return type(event).__qualname__


def person_of(event: Any, aggregate_type: str) -> str:
    """The job seeker an event is about: the candidate itself, or the one a suggestion names."""
    if aggregate_type == "Candidate":
        return str(event.originator_id)
    candidate = getattr(event, "candidate_id", None)
    return str(candidate) if candidate else ""


class EventIndexProjection:
    name = "event_index"
    topics = ()  # every event of the log
    reads_positions = True

    def reset(self, tx: Transaction) -> None:
        for table in TABLES:
            tx.execute(f"DELETE FROM {table}")

    def apply(self, event: Any, tx: Transaction) -> None:
        raise TypeError("the history index needs the notification id: the runner calls apply_at")

    def apply_at(self, notification_id: int, event: Any, tx: Transaction) -> None:
        kind = event_type(event)
        aggregate_type = kind.split(".", 1)[0]
        aggregate_id = str(event.originator_id)
        at = utc_text(event.timestamp)
        agency = getattr(event, "agency_id", None)
        if agency is not None:
            # Two statements per event at most: commands save many events at once (a shortlist: ~100).
            tx.execute(
                "INSERT INTO rm_history_aggregates (aggregate_id, aggregate_type, agency_id, first_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (aggregate_id) DO UPDATE SET agency_id = excluded.agency_id",
                (aggregate_id, aggregate_type, str(agency), at),
            )
        else:
            row = tx.fetchone("SELECT agency_id FROM rm_history_aggregates WHERE aggregate_id = ?", (aggregate_id,))
            if row is None:  # the first event of an aggregate that has no agency (an audit access, a session)
                tx.execute(
                    "INSERT INTO rm_history_aggregates (aggregate_id, aggregate_type, agency_id, first_at) "
                    "VALUES (?, ?, '', ?)", (aggregate_id, aggregate_type, at),
                )
            agency = row["agency_id"] if row else ""
        provenance = getattr(event, "provenance", None)
        tx.execute(
            "INSERT INTO rm_event_index (notification_id, aggregate_id, aggregate_type, aggregate_version, event_type, "
            "actor_id, actor_role, agency_id, person_id, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (notification_id, aggregate_id, aggregate_type, event.originator_version, kind,
             provenance.actor_id if provenance else "", provenance.actor_role if provenance else "",
             str(agency or ""), person_of(event, aggregate_type), at),
        )
