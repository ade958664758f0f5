"""A small story shared by the compliance tests: a person is suggested for two offers and decided on."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.queries.compliance import ComplianceQueries
from application.values import MatchCriteria, Reason
from infrastructure.bootstrap import Services
from tests.integration.helpers import advisor, details, mobile, terms

CRITERIA = MatchCriteria("K2204", "Lyon", date(2026, 12, 15), ("nettoyage de locaux",), max_distance_km=30)


@dataclass(frozen=True)
class Story:
    person: UUID
    rejected_offer: UUID
    accepted_offer: UUID


def compliance_queries(services: Services) -> ComplianceQueries:
    """The compliance officer's queries, wired as the web pages wire them."""
    return ComplianceQueries(services.database, services.gazetteer, services.app.phone_claims)


def suggestion_of(services: Services, offer_id: UUID, person: UUID) -> UUID:
    with services.database.read() as tx:
        row = tx.fetchone(
            "SELECT suggestion_id FROM rm_suggestions WHERE offer_id = ? AND candidate_id = ? AND decision = ''",
            (str(offer_id), str(person)),
        )
    assert row is not None, "the person should have been suggested"
    return UUID(row["suggestion_id"])


def suggested_twice(services: Services, person: UUID, reject_text: str = "ne conduit pas le matin") -> Story:
    """`person` (already registered) is suggested for a first offer, rejected with free text, then
    suggested for a second offer and accepted."""
    services.app.register_candidate(details(first_name="Autre", last_name="Personne", phone=mobile(4242)), True,
                                    advisor())
    rejected = services.app.publish_offer(terms(title="Agent d'entretien"), advisor())
    services.app.request_shortlist(rejected, CRITERIA, advisor())
    services.app.reject_suggestion(rejected, suggestion_of(services, rejected, person),
                                   Reason("mobilite", reject_text), advisor())
    accepted = services.app.publish_offer(terms(title="Agent de propreté"), advisor())
    services.app.request_shortlist(accepted, CRITERIA, advisor())
    services.app.accept_suggestion(accepted, suggestion_of(services, accepted, person), Reason("profil_adapte"),
                                   advisor())
    return Story(person, rejected, accepted)
