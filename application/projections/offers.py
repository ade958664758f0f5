"""The offer list and detail read model (`rm_offers`)."""
from __future__ import annotations

from typing import Any

from application.ports import Transaction
from application.projections.rows import insert_row, update_row
from application.projections.text import search_key
from domain.offer import Offer, OfferTerms


def _terms_columns(terms: OfferTerms) -> dict[str, Any]:
    return {
        "title": terms.title,
        "rome_code": terms.rome_code,
        "skills": "|".join(terms.skills),
        "commune": terms.commune,
        "commune_code": terms.commune_code,
        "contract_type": terms.contract_type,
        "hours_per_week": terms.hours_per_week,
        "salary_min": terms.salary_min,
        "salary_max": terms.salary_max,
        "description": terms.description,
        "search_text": search_key(terms.title, terms.rome_code, terms.commune, " ".join(terms.skills)),
    }


class OfferListProjection:
    name = "offers"
    topics = ("domain.offer:",)

    def reset(self, tx: Transaction) -> None:
        tx.execute("DELETE FROM rm_offers")

    def apply(self, event: Any, tx: Transaction) -> None:
        if isinstance(event, Offer.Published):
            columns = _terms_columns(event.terms)
            columns.update(
                agency_id=event.agency_id,
                status="ouverte",
                closing_reason="",
                published_at=event.timestamp.isoformat(),
            )
            insert_row(tx, "rm_offers", event, columns)
        elif isinstance(event, Offer.Changed):
            update_row(tx, "rm_offers", event, _terms_columns(event.terms))
        elif isinstance(event, Offer.Closed):
            update_row(tx, "rm_offers", event, {"status": "clôturée", "closing_reason": event.reason.code})
