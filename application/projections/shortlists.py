"""Matching as the offer's shortlist page reads it: requests, suggestions with decisions, manual additions."""
from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from application.ports import Transaction
from domain.candidate import Candidate
from domain.matching import CriterionCheck, MatchCriteria
from domain.offer import Offer
from domain.personal_data import ERASED_PLACEHOLDER, PersonalData

TABLES = ("rm_match_requests", "rm_suggestions", "rm_manual_additions")


def criteria_json(criteria: MatchCriteria) -> str:
    return json.dumps(asdict(criteria), ensure_ascii=False, sort_keys=True, default=str)


def checks_json(checks: Any) -> str:
    return json.dumps([[c.key, c.value, c.limit] for c in checks or ()], ensure_ascii=False)


def _text(value: PersonalData | None) -> str:
    return value.value if value is not None else ""


class ShortlistProjection:
    name = "shortlists"
    topics = ("domain.offer:", "domain.candidate:Candidate.PersonalDataErased")

    def reset(self, tx: Transaction) -> None:
        for table in TABLES:
            tx.execute(f"DELETE FROM {table}")

    def apply(self, event: Any, tx: Transaction) -> None:
        if isinstance(event, Offer.MatchRequested):
            tx.execute(
                "INSERT INTO rm_match_requests (request_id, offer_id, offer_version, criteria, pool_size, "
                "eligible_count, exclusions, requested_by, requested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (str(event.request_id), str(event.originator_id), event.originator_version,
                 criteria_json(event.criteria), event.pool_size, event.eligible_count,
                 json.dumps(event.exclusions, sort_keys=True), event.provenance.actor_id, event.timestamp.isoformat()),
            )
        elif isinstance(event, Offer.MatchSuggested):
            tx.execute(
                "INSERT INTO rm_suggestions (suggestion_id, request_id, offer_id, candidate_id, rank, score, "
                "criteria_met, criteria_missed, rationale, model, rationale_model, fallback_reason, decision, "
                "reason_code, reason_text, decided_by, decided_at, suggested_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', '', '', '', ?)",
                (str(event.suggestion_id), str(event.request_id), str(event.originator_id), str(event.candidate_id),
                 event.rank, float(event.score), checks_json(event.criteria_met), checks_json(event.criteria_missed),
                 event.rationale, event.ai.model, event.rationale_ai.model if event.rationale_ai else "",
                 event.ai.fallback_reason, event.timestamp.isoformat()),
            )
        elif isinstance(event, Offer.SuggestionAccepted | Offer.SuggestionRejected):
            decision = "accepted" if isinstance(event, Offer.SuggestionAccepted) else "rejected"
            tx.execute(
                "UPDATE rm_suggestions SET decision = ?, reason_code = ?, reason_text = ?, decided_by = ?, "
                "decided_at = ? WHERE suggestion_id = ?",
                (decision, event.reason.code if event.reason else "", _text(event.reason_text),
                 event.provenance.actor_id, event.timestamp.isoformat(), str(event.suggestion_id)),
            )
        elif isinstance(event, Offer.CandidateAddedManually):
            tx.execute(
                "INSERT INTO rm_manual_additions (offer_id, offer_version, request_id, candidate_id, reason_code, "
                "reason_text, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (str(event.originator_id), event.originator_version, str(event.request_id or ""),
                 str(event.candidate_id), event.reason.code, _text(event.reason_text), event.provenance.actor_id,
                 event.timestamp.isoformat()),
            )
        elif isinstance(event, Candidate.PersonalDataErased):
            # Free text about the person is personal data: erase the clear copies here too.
            for table in ("rm_suggestions", "rm_manual_additions"):
                tx.execute(
                    f"UPDATE {table} SET reason_text = ? WHERE candidate_id = ? AND reason_text <> ''",
                    (ERASED_PLACEHOLDER, str(event.originator_id)),
                )


def checks_from_json(text: str) -> list[CriterionCheck]:
    return [CriterionCheck(key, value, limit) for key, value, limit in json.loads(text)]
