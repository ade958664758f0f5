"""The auditors' oversight figures (`rm_fig_*`): one row per request, suggestion and selection.

Rows carry what the page filters on (agency, advisor, model, time), so every figure is one
SQL aggregate (application/queries/oversight_figures.py). A shortlisted person is placed in
their categories on the day of the decision, as the request placed the eligible pool on its
day. Selections have a `selection` kind: "shortlisted", and "contacted" (people an advisor
approved an SMS outreach to), fed by the outreach events (application/projections/outreach_figures.py)
with the AI's readings of SMS replies and their corrections.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from application.pool_composition import commune_counts_by_code
from application.ports import Transaction
from application.projections.outreach_figures import OUTREACH_TABLES, OutreachFigures, insert_selection
from domain.candidate import Candidate, CandidateProfile
from domain.commune_code import known
from domain.offer import Offer

TABLES = ("rm_fig_people", "rm_fig_offers", "rm_fig_requests", "rm_fig_pool", "rm_fig_suggestions", "rm_fig_selections",
          *OUTREACH_TABLES)
SHORTLISTED = "shortlisted"


def _birth_date(profile: CandidateProfile) -> str:
    born = getattr(profile, "birth_date", None)
    return "" if born is None or born.erased else born.value


def _commune(profile: CandidateProfile) -> str | None:
    """The INSEE code as recorded (a code a later merger retired stays as it is); None when an older
    event's label designates no single commune, as migration 0051 leaves such rows."""
    return profile.commune_code if known(profile.commune_code) else None


class OversightFiguresProjection:
    name = "oversight_figures"
    topics = ("domain.offer:", "domain.candidate:", "domain.outreach:")

    def __init__(self) -> None:
        self.outreach = OutreachFigures()

    def reset(self, tx: Transaction) -> None:
        for table in TABLES:
            tx.execute(f"DELETE FROM {table}")

    def apply(self, event: Any, tx: Transaction) -> None:
        if self.outreach.apply(event, tx):
            return
        if isinstance(event, Candidate.Registered | Candidate.ProfileChanged):
            p = event.profile
            tx.execute(
                "INSERT INTO rm_fig_people (candidate_id, birth_date, sex, priority_area, commune) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (candidate_id) DO UPDATE SET birth_date = excluded.birth_date, sex = excluded.sex, "
                "priority_area = excluded.priority_area, commune = excluded.commune",
                (str(event.originator_id), _birth_date(p), p.sex, p.priority_area, _commune(p)),
            )
        elif isinstance(event, Candidate.PersonalDataErased):
            # The birth date is gone from the log: so is the age band it gave (a rebuild would not know it).
            tx.execute("UPDATE rm_fig_people SET birth_date = '' WHERE candidate_id = ?", (str(event.originator_id),))
            tx.execute("UPDATE rm_fig_selections SET age_band = '' WHERE candidate_id = ?", (str(event.originator_id),))
        elif isinstance(event, Offer.Published):
            tx.execute("INSERT INTO rm_fig_offers (offer_id, agency_id) VALUES (?, ?)",
                       (str(event.originator_id), event.agency_id))
        elif isinstance(event, Offer.MatchRequested):
            self._request(event, tx)
        elif isinstance(event, Offer.MatchSuggested):
            self._suggestion(event, tx)
        elif isinstance(event, Offer.SuggestionAccepted | Offer.SuggestionRejected):
            self._decision(event, tx)
        elif isinstance(event, Offer.CandidateAddedManually):
            request = tx.fetchone("SELECT model FROM rm_fig_requests WHERE request_id = ?", (str(event.request_id),))
            self._select(event, "manual", str(event.request_id or ""), request["model"] if request else "", tx)

    def _request(self, event: Any, tx: Transaction) -> None:
        request_id, agency = str(event.request_id), self._agency(event, tx)
        requested_by, requested_at = event.provenance.actor_id, event.timestamp.isoformat()
        tx.execute(
            "INSERT INTO rm_fig_requests (request_id, offer_id, agency_id, requested_by, requested_at, model, "
            "list_length, eligible_count) VALUES (?, ?, ?, ?, ?, '', 0, ?)",
            (request_id, str(event.originator_id), agency, requested_by, requested_at, event.eligible_count),
        )
        # Requests recorded before the composition existed have none: they add nothing to the pool side.
        # The model is not known yet: the first suggestion names it (a request without any has none).
        for dimension, counts in (getattr(event, "eligible_composition", None) or {}).items():
            if dimension == "commune":
                counts = commune_counts_by_code(counts)  # older requests counted labels
            for category, people in counts.items():
                tx.execute(
                    "INSERT INTO rm_fig_pool (request_id, dimension, category, people, agency_id, requested_by, model, "
                    "requested_at) VALUES (?, ?, ?, ?, ?, ?, '', ?)",
                    (request_id, dimension, category, int(people), agency, requested_by, requested_at),
                )

    def _suggestion(self, event: Any, tx: Transaction) -> None:
        request_id = str(event.request_id)
        request = tx.fetchone("SELECT agency_id, requested_by FROM rm_fig_requests WHERE request_id = ?", (request_id,))
        tx.execute(
            "INSERT INTO rm_fig_suggestions (suggestion_id, request_id, agency_id, model, requested_by, suggested_at, "
            "decision, decided_by, decided_at, decide_ms, list_length) VALUES (?, ?, ?, ?, ?, ?, '', '', '', NULL, 0)",
            (str(event.suggestion_id), request_id, request["agency_id"], event.ai.model, request["requested_by"],
             event.timestamp.isoformat()),
        )
        tx.execute("UPDATE rm_fig_requests SET model = ?, list_length = list_length + 1 WHERE request_id = ?",
                   (event.ai.model, request_id))
        if event.rank == 1:
            tx.execute("UPDATE rm_fig_pool SET model = ? WHERE request_id = ?", (event.ai.model, request_id))

    def _decision(self, event: Any, tx: Transaction) -> None:
        accepted = isinstance(event, Offer.SuggestionAccepted)
        row = tx.fetchone(
            "SELECT s.request_id, s.model, s.suggested_at, r.list_length FROM rm_fig_suggestions s "
            "JOIN rm_fig_requests r ON r.request_id = s.request_id WHERE s.suggestion_id = ?",
            (str(event.suggestion_id),),
        )
        # Every suggestion of a list is recorded with its request, before any decision: the length is final.
        elapsed = event.timestamp - datetime.fromisoformat(row["suggested_at"])
        tx.execute(
            "UPDATE rm_fig_suggestions SET decision = ?, decided_by = ?, decided_at = ?, decide_ms = ?, list_length = ? "
            "WHERE suggestion_id = ?",
            ("accepted" if accepted else "rejected", event.provenance.actor_id, event.timestamp.isoformat(),
             round(elapsed.total_seconds() * 1000), row["list_length"], str(event.suggestion_id)),
        )
        if accepted:
            self._select(event, "accepted", row["request_id"], row["model"], tx)

    def _select(self, event: Any, how: str, request_id: str, model: str, tx: Transaction) -> None:
        insert_selection(tx, [(f"{event.originator_id}:{event.originator_version}", SHORTLISTED, how,
                               str(event.originator_id), str(event.candidate_id), request_id, self._agency(event, tx),
                               event.provenance.actor_id, model, event.timestamp)])

    @staticmethod
    def _agency(event: Any, tx: Transaction) -> str:
        row = tx.fetchone("SELECT agency_id FROM rm_fig_offers WHERE offer_id = ?", (str(event.originator_id),))
        return row["agency_id"] if row else ""
