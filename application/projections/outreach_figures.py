"""Outreach in the oversight figures: the people contacted by SMS and the AI's readings of their replies.

Part of the `oversight_figures` projection (same tracking, same rebuild). The contacted are
one more kind of selection (`rm_fig_selections.selection = 'contacted'`), placed in their
categories on the day of the approval, as the shortlisted are on the day of the decision.
Each reading is one row of `rm_fig_readings`; a correction marks its reading (docs/adr/0016).
"""
from __future__ import annotations

from typing import Any

from application.pool_composition import DIMENSIONS, categories
from application.ports import Transaction
from domain.outreach import Outreach

CONTACTED = "contacted"
OUTREACH_TABLES = ("rm_fig_outreaches", "rm_fig_readings")


#: Ids per `IN (...)` lookup: an approval names up to 5,000 people, read in a few queries, not one each.
CHUNK = 500


def _chunks(ids: list[str]) -> list[list[str]]:
    return [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]


def insert_selection(tx: Transaction, rows: list[tuple[str, str, str, str, str, str, str, str, str, Any]]) -> None:
    """Selections as (key, selection, how, offer, candidate, request, agency, advisor, model, moment).

    Each person is placed in their categories on the day of `moment` from the figures' own
    copy of profiles, the function that placed the eligible pool on the request's day.
    """
    people: dict[str, Any] = {}
    for chunk in _chunks(sorted({row[4] for row in rows})):
        for person in tx.fetchall(f"SELECT * FROM rm_fig_people WHERE candidate_id IN ({', '.join('?' * len(chunk))})",
                                  chunk):
            people[person["candidate_id"]] = person
    values = []
    for key, selection, how, offer_id, candidate_id, request_id, agency, advisor, model, moment in rows:
        person = people.get(candidate_id)
        known = categories(person["birth_date"], person["sex"], person["priority_area"], person["commune"],
                           moment.date()) if person else dict.fromkeys(DIMENSIONS, "")
        values.append((key, selection, how, offer_id, candidate_id, request_id, agency, advisor, model,
                       moment.isoformat(), known["age_band"], known["sex"], known["priority_area"], known["commune"]))
    tx.executemany(
        "INSERT INTO rm_fig_selections (selection_key, selection, how, offer_id, candidate_id, request_id, agency_id, "
        "advisor_id, model, selected_at, age_band, sex, priority_area, commune) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        values,
    )


def _shortlisted_in(tx: Transaction, offer_id: str, candidate_ids: list[str]) -> dict[str, Any]:
    """Per person, their latest shortlisting on the offer (the round they came from)."""
    latest: dict[str, Any] = {}
    for chunk in _chunks(candidate_ids):
        for row in tx.fetchall(
            "SELECT candidate_id, request_id, model, selected_at, selection_key FROM rm_fig_selections "
            f"WHERE candidate_id IN ({', '.join('?' * len(chunk))}) AND offer_id = ? AND selection = 'shortlisted'",
            [*chunk, offer_id],
        ):
            known = latest.get(row["candidate_id"])
            if known is None or (row["selected_at"], row["selection_key"]) > (known["selected_at"], known["selection_key"]):
                latest[row["candidate_id"]] = row
    return latest


def _needs(needs: Any) -> str:
    return " ".join(sorted(set(needs)))


class OutreachFigures:
    """The outreach events the figures read; `apply` answers whether the event was one of them."""

    def apply(self, event: Any, tx: Transaction) -> bool:
        if isinstance(event, Outreach.Created):
            tx.execute("INSERT INTO rm_fig_outreaches (outreach_id, offer_id, agency_id, approved_by) VALUES (?, ?, ?, '')",
                       (str(event.originator_id), str(event.offer_id), event.agency_id))
        elif isinstance(event, Outreach.Approved):
            self._approved(event, tx)
        elif isinstance(event, Outreach.ReplyInterpreted):
            self._read(event, tx)
        elif isinstance(event, Outreach.ReadingCorrected):
            self._corrected(event, tx)
        else:
            return False
        return True

    def _approved(self, event: Any, tx: Transaction) -> None:
        outreach_id = str(event.originator_id)
        tx.execute("UPDATE rm_fig_outreaches SET approved_by = ? WHERE outreach_id = ?", (event.advisor_id, outreach_id))
        outreach = tx.fetchone("SELECT offer_id, agency_id FROM rm_fig_outreaches WHERE outreach_id = ?", (outreach_id,))
        offer_id = outreach["offer_id"]
        latest = tx.fetchone("SELECT request_id, model FROM rm_fig_requests WHERE offer_id = ? "
                             "ORDER BY requested_at DESC, request_id DESC LIMIT 1", (offer_id,))
        recipients = [str(c) for c in event.recipients]
        # The model is the one of the round the person was shortlisted in (the offer's latest round when
        # they were not shortlisted): a model filter then shows whom its lists led to contact.
        shortlisted = _shortlisted_in(tx, offer_id, recipients)
        rows = []
        for candidate_id in recipients:
            source = shortlisted.get(candidate_id) or latest
            rows.append((f"{outreach_id}:{candidate_id}", CONTACTED, "sms", offer_id, candidate_id,
                         source["request_id"] if source else "", outreach["agency_id"], event.advisor_id,
                         source["model"] if source else "", event.timestamp))
        insert_selection(tx, rows)

    def _read(self, event: Any, tx: Transaction) -> None:
        outreach = tx.fetchone("SELECT agency_id, approved_by FROM rm_fig_outreaches WHERE outreach_id = ?",
                               (str(event.originator_id),))
        tx.execute(
            "INSERT INTO rm_fig_readings (suggestion_id, outreach_id, agency_id, approved_by, model, low_confidence, "
            "read_at, ai_intent, ai_needs, corrections, corrected, corrected_by, corrected_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, '', '')",
            (str(event.suggestion_id), str(event.originator_id), outreach["agency_id"], outreach["approved_by"],
             event.ai.model, int(bool(event.low_confidence)), event.timestamp.isoformat(), event.intent,
             _needs(event.needs)),
        )

    def _corrected(self, event: Any, tx: Transaction) -> None:
        # The advisor's last word decides: a "correction" that keeps the AI's intent and needs (a note
        # only) reviewed the reading without changing it, and does not count as a corrected reading.
        tx.execute(
            "UPDATE rm_fig_readings SET corrections = corrections + 1, "
            "corrected = CASE WHEN ai_intent = ? AND ai_needs = ? THEN 0 ELSE 1 END, "
            "corrected_by = ?, corrected_at = ? WHERE suggestion_id = ?",
            (event.intent, _needs(event.needs), event.provenance.actor_id, event.timestamp.isoformat(),
             str(event.suggestion_id)),
        )
