"""Read models of compliance: each person's last activity, letters produced, erasures, retention runs.

None of these tables holds a name or a phone number: ids, codes, dates and counts, and one short
free text, the erasure's precision (rm_erasures.reason_text, 200 characters at most), which the
erasure form asks to keep free of personal data and which stays in the log as the erasure's ground
(docs/adr/0022). An erasure has nothing to scrub here.
"""
from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from application.ports import Transaction
from domain.candidate import Candidate
from domain.explanation_letter import ExplanationLetter
from domain.offer import Offer
from domain.outreach import Outreach
from domain.retention_run import RetentionRun

#: What counts as activity about a person (docs/adr/0017), by event class: the kind recorded.
ACTIVITY_KINDS: tuple[tuple[type, str], ...] = (
    (Candidate.Registered, "registration"),
    (Candidate.ProfileChanged, "profile_change"),
    (Candidate.ConsentGiven, "consent"),
    (Candidate.ConsentWithdrawn, "consent"),
    (Candidate.OptedOut, "opt_out"),
    (Offer.MatchSuggested, "suggestion"),
    (Offer.SuggestionAccepted, "decision"),
    (Offer.SuggestionRejected, "decision"),
    (Offer.CandidateAddedManually, "manual_addition"),
    (ExplanationLetter.Produced, "explanation_letter"),
    # By SMS: what the person wrote, and what the advisor decided about them (docs/adr/0017).
    (Outreach.ReplyReceived, "sms_reply"),
    (Outreach.Concluded, "outreach_outcome"),
)


def _person_of(event: Any) -> str:
    if isinstance(event, Candidate.Event):
        return str(event.originator_id)
    return str(event.candidate_id)


class PersonActivityProjection:
    """`rm_person_activity`: the last event about each job seeker, whatever aggregate recorded it."""

    name = "person_activity"
    topics = (
        "domain.candidate:",
        "domain.offer:Offer.MatchSuggested",
        "domain.offer:Offer.SuggestionAccepted",
        "domain.offer:Offer.SuggestionRejected",
        "domain.offer:Offer.CandidateAddedManually",
        "domain.explanation_letter:",
        "domain.outreach:Outreach.ReplyReceived",
        "domain.outreach:Outreach.Concluded",
    )

    def reset(self, tx: Transaction) -> None:
        tx.execute("DELETE FROM rm_person_activity")

    def apply(self, event: Any, tx: Transaction) -> None:
        kind = next((k for cls, k in ACTIVITY_KINDS if isinstance(event, cls)), None)
        if kind is None:
            return
        # Timestamps are UTC ISO strings of one format, so text order is time order.
        tx.execute(
            "INSERT INTO rm_person_activity (candidate_id, last_activity_at, last_activity_kind) VALUES (?, ?, ?) "
            "ON CONFLICT (candidate_id) DO UPDATE SET last_activity_at = excluded.last_activity_at, "
            "last_activity_kind = excluded.last_activity_kind "
            "WHERE excluded.last_activity_at >= rm_person_activity.last_activity_at",
            (_person_of(event), event.timestamp.isoformat(), kind),
        )


class ComplianceRegisterProjection:
    """`rm_explanation_letters`, `rm_erasures` and `rm_retention_runs`: what compliance has done."""

    name = "compliance_registers"
    topics = (
        "domain.explanation_letter:",
        "domain.retention_run:",
        "domain.candidate:Candidate.PersonalDataErased",
    )

    def reset(self, tx: Transaction) -> None:
        for table in ("rm_explanation_letters", "rm_erasures", "rm_retention_runs"):
            tx.execute(f"DELETE FROM {table}")

    def apply(self, event: Any, tx: Transaction) -> None:
        if isinstance(event, ExplanationLetter.Produced):
            tx.execute(
                "INSERT INTO rm_explanation_letters (letter_id, candidate_id, produced_at, produced_by, as_of, "
                "suggestion_count) VALUES (?, ?, ?, ?, ?, ?)",
                (str(event.originator_id), str(event.candidate_id), event.timestamp.isoformat(),
                 event.provenance.actor_id, event.as_of.isoformat(), event.suggestion_count),
            )
        elif isinstance(event, Candidate.PersonalDataErased):
            # `requested_by`: the free text of an erasure recorded before the closed list (upcast), else "".
            tx.execute(
                "INSERT INTO rm_erasures (candidate_id, erased_at, actor_id, actor_role, reason_code, reason_text, "
                "requested_by, requester, audit_search_keys) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (str(event.originator_id), event.timestamp.isoformat(), event.provenance.actor_id,
                 event.provenance.actor_role, event.reason.code, event.reason.text, getattr(event, "requested_by", ""),
                 event.requester, json.dumps(list(event.audit_search_keys))),
            )
        elif isinstance(event, RetentionRun.Completed):
            entries = [asdict(e) for e in event.entries]
            tx.execute(
                "INSERT INTO rm_retention_runs (run_id, ran_at, actor_id, months, cutoff, examined, erased, failed, "
                "entries, deleted_keys, started_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (str(event.originator_id), event.timestamp.isoformat(), event.provenance.actor_id, event.months,
                 event.cutoff.isoformat(), event.examined, sum(e["outcome"] == "erased" for e in entries),
                 sum(e["outcome"] == "failed" for e in entries), json.dumps(entries, ensure_ascii=False),
                 # Runs recorded before dated keys expired have no such field.
                 json.dumps(list(getattr(event, "deleted_keys", ()))), getattr(event, "started_by", "")),
            )
