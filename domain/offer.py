"""Offer: a job offer published by an agency."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import commune_code
from domain.errors import InvalidValueError, OfferClosedError
from domain.matching import AiOutput, CriterionCheck, MatchCriteria
from domain.offer_matching import OfferMatching
from domain.personal_data import PersonalData
from domain.provenance import Provenance, Reason
from domain.shortlist import ACCEPTED, REJECTED, Shortlist
from domain.values import CONTRACT_TYPES, bounded_int, free_text, required_text, rome_code, skills

CLOSING_REASONS = ("pourvue", "annulee_employeur", "expiree", "autre")


@dataclass(frozen=True)
class OfferTerms:
    """What the employer asks for and offers. Holds no personal data."""

    title: str
    rome_code: str
    skills: tuple[str, ...]
    commune: str
    contract_type: str
    hours_per_week: int
    salary_min: int
    salary_max: int
    description: str = ""
    # Added with the INSEE code (docs/adr/0005, session 4): the code of `commune`, "unknown" when an
    # older event's label designates no single commune (domain/commune_code.py).
    commune_code: str = ""

    def validated(self) -> OfferTerms:
        """The same terms, normalised, or InvalidValueError naming each bad field."""
        errors: dict[str, str] = {}
        checks = {
            "title": lambda: required_text(self.title, "title", "L'intitulé", 120),
            "rome_code": lambda: rome_code(self.rome_code),
            "skills": lambda: skills(self.skills),
            "commune": lambda: required_text(self.commune, "commune", "La commune"),
            "commune_code": lambda: commune_code.commune_code(self.commune_code),
            "hours_per_week": lambda: bounded_int(
                self.hours_per_week, "hours_per_week", 1, 48, "La durée hebdomadaire va de 1 à 48 heures."
            ),
            "salary_min": lambda: bounded_int(
                self.salary_min, "salary_min", 0, 1_000_000, "Le salaire minimum doit être positif."
            ),
        }
        for check in checks.values():
            try:
                check()
            except InvalidValueError as error:
                errors.update(error.errors)
        if self.contract_type not in CONTRACT_TYPES:
            errors["contract_type"] = "Type de contrat inconnu."
        if self.salary_max < self.salary_min:
            errors["salary_max"] = "Le salaire maximum doit être supérieur ou égal au minimum."
        if len(self.description) > 4000:
            errors["description"] = "La description fait au plus 4000 caractères."
        else:
            try:
                free_text(self.description, "description", "La description", multiline=True)
            except InvalidValueError as error:
                errors.update(error.errors)
        if errors:
            raise InvalidValueError(errors)
        return replace(
            self,
            title=" ".join(self.title.split()),
            rome_code=rome_code(self.rome_code),
            skills=skills(self.skills),
            commune=" ".join(self.commune.split()),
        )


class Offer(OfferMatching, Aggregate):
    """A job offer, its matching rounds and the advisor's decisions (rules in OfferMatching)."""

    @classmethod
    def publish(cls, agency_id: str, terms: OfferTerms, provenance: Provenance, timestamp: datetime) -> Offer:
        return cls(agency_id, terms.validated(), provenance, timestamp)

    class Published(Aggregate.Created):
        """Version 2 records the commune's INSEE code in the terms."""
        class_version = 2
        agency_id: str
        terms: OfferTerms
        provenance: Provenance
        upcast_v1_v2 = commune_code.upcast_adding_code("terms")

    @event(Published)
    def __init__(self, agency_id: str, terms: OfferTerms, provenance: Provenance, timestamp: datetime) -> None:
        self.agency_id = agency_id
        self.terms = terms
        self.closed = False
        self.shortlist = Shortlist()

    def change(self, terms: OfferTerms, provenance: Provenance, timestamp: datetime) -> None:
        self._require_open()
        terms = terms.validated()
        if terms != self.terms:
            self._change(terms, provenance, timestamp)

    class Changed(Aggregate.Event):
        """Version 2 records the commune's INSEE code in the terms."""
        class_version = 2
        terms: OfferTerms
        provenance: Provenance
        upcast_v1_v2 = commune_code.upcast_adding_code("terms")

    @event(Changed)
    def _change(self, terms: OfferTerms, provenance: Provenance, timestamp: datetime) -> None:
        self.terms = terms

    def close(self, reason: Reason, provenance: Provenance, timestamp: datetime) -> None:
        self._require_open()
        reason.require_in(CLOSING_REASONS)
        self._close(reason, provenance, timestamp)

    @event("Closed")
    def _close(self, reason: Reason, provenance: Provenance, timestamp: datetime) -> None:
        self.closed = True

    # Matching events (commands and rules: domain/offer_matching.py) ---------------------

    class MatchRequested(Aggregate.Event):
        """Version 2 records the commune's INSEE code in the criteria (version 1 held its label only)."""
        class_version = 2
        request_id: UUID
        criteria: MatchCriteria
        pool_size: int
        eligible_count: int
        exclusions: dict[str, int]
        provenance: Provenance
        eligible_composition: dict[str, dict[str, int]] | None = None  # absent from older events
        upcast_v1_v2 = commune_code.upcast_adding_code("criteria")

    @event(MatchRequested)
    def _match_requested(
        self, request_id: UUID, criteria: MatchCriteria, pool_size: int, eligible_count: int,
        exclusions: dict[str, int], provenance: Provenance, timestamp: datetime,
        eligible_composition: dict[str, dict[str, int]] | None = None,  # absent from older events
    ) -> None:
        self.shortlist.start_round(request_id)

    @event("MatchSuggested")
    def _match_suggested(
        self, request_id: UUID, suggestion_id: UUID, candidate_id: UUID, rank: int, score: float,
        criteria_met: tuple[CriterionCheck, ...], criteria_missed: tuple[CriterionCheck, ...], rationale: str,
        ai: AiOutput, rationale_ai: AiOutput | None, provenance: Provenance, timestamp: datetime,
    ) -> None:
        self.shortlist.suggest(suggestion_id, candidate_id)

    @event("SuggestionAccepted")
    def _suggestion_accepted(
        self, suggestion_id: UUID, candidate_id: UUID, reason: Reason | None, reason_text: PersonalData | None,
        provenance: Provenance, timestamp: datetime,
    ) -> None:
        self.shortlist.decide(suggestion_id, ACCEPTED)

    @event("SuggestionRejected")
    def _suggestion_rejected(
        self, suggestion_id: UUID, candidate_id: UUID, reason: Reason, reason_text: PersonalData | None,
        provenance: Provenance, timestamp: datetime,
    ) -> None:
        self.shortlist.decide(suggestion_id, REJECTED)

    @event("CandidateAddedManually")
    def _candidate_added_manually(
        self, candidate_id: UUID, request_id: UUID | None, reason: Reason, reason_text: PersonalData | None,
        provenance: Provenance, timestamp: datetime,
    ) -> None:
        self.shortlist.add_manually(candidate_id)

    def _require_open(self) -> None:
        if self.closed:
            raise OfferClosedError("Cette offre est clôturée.")
