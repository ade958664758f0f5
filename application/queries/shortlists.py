"""An offer's current shortlist, as its page shows it: suggestions with their "why" and decisions."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

from application.caller import Caller
from application.criteria_text import describe
from application.errors import NotFoundError
from application.ports import Database, Row
from application.projections.shortlists import checks_from_json
from application.queries.offers import OfferView
from domain.matching import MatchCriteria

#: Default availability horizon of a first request: people available within four weeks.
DEFAULT_HORIZON_DAYS = 28
DEFAULT_DISTANCE_KM = 30
PERSON_COLUMNS = "c.first_name, c.last_name, c.commune AS candidate_commune"


@dataclass(frozen=True)
class CriterionView:
    key: str
    value: str
    limit: str
    label: str  # in French, e.g. "Compétence manquante : soudage tig"


def _criteria(text: str, met: bool, criteria: MatchCriteria | None) -> list[CriterionView]:
    return [CriterionView(c.key, c.value, c.limit, describe(c, met, criteria)) for c in checks_from_json(text)]


@dataclass(frozen=True)
class SuggestionView:
    suggestion_id: str
    candidate_id: str
    first_name: str
    last_name: str
    commune: str
    rank: int
    score: float
    met: list[CriterionView]
    missed: list[CriterionView]
    rationale: str
    model: str
    rationale_model: str
    fallback_reason: str  # why the offline ranking replaced the configured model ("" if it did not)
    decision: str  # "" (pending), "accepted" or "rejected"
    reason_code: str
    reason_text: str
    decided_by: str
    decided_at: str

    @classmethod
    def from_row(cls, row: Row, criteria: MatchCriteria | None = None) -> SuggestionView:
        """A suggestion of the request that asked for `criteria` (which word its distance limit)."""
        return cls(
            row["suggestion_id"], row["candidate_id"], row["first_name"] or "", row["last_name"] or "",
            row["candidate_commune"] or "", int(row["rank"]), float(row["score"]), _criteria(row["criteria_met"], True, criteria),
            _criteria(row["criteria_missed"], False, criteria), row["rationale"], row["model"], row["rationale_model"],
            row["fallback_reason"], row["decision"], row["reason_code"], row["reason_text"], row["decided_by"],
            row["decided_at"],
        )

    @property
    def pending(self) -> bool:
        return self.decision == ""


@dataclass(frozen=True)
class ManualAdditionView:
    candidate_id: str
    first_name: str
    last_name: str
    commune: str
    reason_code: str
    reason_text: str
    added_by: str
    added_at: str


@dataclass(frozen=True)
class ShortlistView:
    offer_id: str
    request_id: str  # "" before the first request
    requested_at: str = ""
    requested_by: str = ""
    criteria: MatchCriteria | None = None
    pool_size: int = 0
    eligible_count: int = 0
    exclusions: dict[str, int] = field(default_factory=dict)  # hard filter -> people it excluded
    suggestions: list[SuggestionView] = field(default_factory=list)
    added_manually: list[ManualAdditionView] = field(default_factory=list)

    @property
    def shortlisted(self) -> list[str]:
        """Ids of the offer's shortlist: accepted suggestions, then people added by hand."""
        accepted = [s.candidate_id for s in self.suggestions if s.decision == "accepted"]
        return accepted + [m.candidate_id for m in self.added_manually if m.candidate_id not in accepted]

    @property
    def fallback_reason(self) -> str:
        return next((s.fallback_reason for s in self.suggestions if s.fallback_reason), "")


def criteria_from_json(text: str) -> MatchCriteria:
    values = json.loads(text)
    values["available_by"] = date.fromisoformat(values["available_by"])
    return MatchCriteria(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


def default_criteria(offer: OfferView, today: date) -> MatchCriteria:
    """What a first request asks for: the offer's own terms, people available within four weeks."""
    return MatchCriteria(
        rome_code=offer.rome_code, commune=offer.commune, available_by=today + timedelta(days=DEFAULT_HORIZON_DAYS),
        required_skills=tuple(offer.skills), max_distance_km=DEFAULT_DISTANCE_KM, contract_type=offer.contract_type,
        hours_per_week=offer.hours_per_week, salary_min=offer.salary_min, salary_max=offer.salary_max,
    )


class ShortlistQueries:
    def __init__(self, database: Database) -> None:
        self.database = database

    def current(self, caller: Caller, offer_id: UUID) -> ShortlistView:
        """The last request's suggestions (best first) and the people added by hand since."""
        caller.require_role("advisor")
        with self.database.read() as tx:
            offer = tx.fetchone("SELECT agency_id FROM rm_offers WHERE id = ?", (str(offer_id),))
            if offer is None:
                raise NotFoundError(str(offer_id))
            caller.require_agency(offer["agency_id"])
            request = tx.fetchone(
                "SELECT * FROM rm_match_requests WHERE offer_id = ? ORDER BY offer_version DESC LIMIT 1", (str(offer_id),)
            )
            request_id = request["request_id"] if request else ""
            suggestions = tx.fetchall(
                f"SELECT s.*, {PERSON_COLUMNS} FROM rm_suggestions s LEFT JOIN rm_candidates c ON c.id = s.candidate_id "
                "WHERE s.request_id = ? ORDER BY s.rank", (request_id,),
            )
            added = tx.fetchall(
                f"SELECT m.*, {PERSON_COLUMNS} FROM rm_manual_additions m "
                "LEFT JOIN rm_candidates c ON c.id = m.candidate_id "
                "WHERE m.offer_id = ? AND m.request_id = ? ORDER BY m.offer_version", (str(offer_id), request_id),
            )
        manual = [
            ManualAdditionView(r["candidate_id"], r["first_name"] or "", r["last_name"] or "", r["candidate_commune"] or "",
                               r["reason_code"], r["reason_text"], r["added_by"], r["added_at"])
            for r in added
        ]
        if request is None:
            return ShortlistView(str(offer_id), "", added_manually=manual)
        asked = criteria_from_json(request["criteria"])
        return ShortlistView(
            str(offer_id), request_id, request["requested_at"], request["requested_by"],
            asked, int(request["pool_size"]), int(request["eligible_count"]),
            json.loads(request["exclusions"]), [SuggestionView.from_row(r, asked) for r in suggestions], manual,
        )

    def criteria(self, caller: Caller, offer: OfferView, today: date) -> MatchCriteria:
        """The criteria to prefill the form with: the last request's, or the offer's own terms."""
        caller.require_role("advisor")
        caller.require_agency(offer.agency_id)
        with self.database.read() as tx:
            last = tx.fetchone(
                "SELECT criteria FROM rm_match_requests WHERE offer_id = ? ORDER BY offer_version DESC LIMIT 1",
                (offer.id,),
            )
        return criteria_from_json(last["criteria"]) if last else default_criteria(offer, today)
