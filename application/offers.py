"""Use cases of job offers: publish, change, close."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING
from uuid import UUID

from application.caller import Caller
from application.communes import resolve_commune
from domain.offer import Offer, OfferTerms
from domain.provenance import Reason

if TYPE_CHECKING:
    from application.app import Relais


class OfferCommands:
    def publish_offer(self: Relais, terms: OfferTerms, caller: Caller) -> UUID:
        caller.require_role("advisor")
        offer = Offer.publish(caller.agency_id, self._canonical_terms(terms), caller.provenance, self._now())
        self._save(offer)
        return offer.id

    def change_offer(self: Relais, offer_id: UUID, expected_version: int, terms: OfferTerms, caller: Caller) -> int:
        caller.require_role("advisor")
        offer: Offer = self._get_at_version(offer_id, Offer, expected_version)
        caller.require_agency(offer.agency_id)
        offer.change(self._canonical_terms(terms), caller.provenance, self._now())
        self._save(offer)
        return offer.version

    def close_offer(self: Relais, offer_id: UUID, reason: Reason, caller: Caller) -> None:
        caller.require_role("advisor")
        offer: Offer = self._get(offer_id, Offer)
        caller.require_agency(offer.agency_id)
        offer.close(reason, caller.provenance, self._now())
        self._save(offer)

    def _canonical_terms(self: Relais, terms: OfferTerms) -> OfferTerms:
        terms = terms.validated()
        commune = resolve_commune(self.gazetteer, terms.commune)
        return replace(terms, commune=commune.label, commune_code=commune.code)
