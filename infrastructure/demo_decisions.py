"""Demo shortlists and decisions, so the auditors' oversight figures have something to show.

For a few offers per agency, the advisor asks for a shortlist, accepts some suggestions,
rejects others with a reason, and sometimes adds someone by hand. The demo runs on the
real clock, so every decision is taken within a second of its suggestion: the page's
"quick decisions" figure is 100 % on demo data, by construction.
"""
from __future__ import annotations

import random
from datetime import timedelta
from uuid import UUID

from application.caller import Caller
from application.values import MatchCriteria, Reason
from infrastructure.bootstrap import Services

OFFERS_WITH_SHORTLIST = 4
REJECTION_CODES = ("competence_manquante", "mobilite", "disponibilite", "deja_en_formation")


def seed_decisions(services: Services, agency_id: str, advisor: Caller, offer_ids: list[UUID], seed: int) -> None:
    rng = random.Random(f"{seed}:{agency_id}")
    today = services.clock.now().date()
    for offer_id in offer_ids[:OFFERS_WITH_SHORTLIST]:
        offer = services.offers.get(advisor, offer_id)
        criteria = MatchCriteria(offer.rome_code, offer.commune, today + timedelta(days=60), max_distance_km=30,
                                 limit=10)
        services.app.request_shortlist(offer_id, criteria, advisor)
        view = services.shortlists.current(advisor, offer_id)
        for suggestion in view.suggestions:
            if rng.random() < 0.6:
                services.app.accept_suggestion(offer_id, UUID(suggestion.suggestion_id), None, advisor)
            elif rng.random() < 0.7:
                services.app.reject_suggestion(offer_id, UUID(suggestion.suggestion_id),
                                               Reason(rng.choice(REJECTION_CODES)), advisor)
        suggested = {s.candidate_id for s in view.suggestions}
        others = [p for p in services.candidates.search(advisor, "", 1, size=50).items
                  if p.id not in suggested and not p.erased]
        if others and rng.random() < 0.5:
            services.app.add_candidate_manually(offer_id, UUID(rng.choice(others).id), Reason("connu_du_conseiller"),
                                                advisor)
