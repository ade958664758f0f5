"""An offer with many events, written through the domain: the auditor's time travel on a long record
(benchmarks/history.py replays one of 1,001 events; the web tests page through one of a few hundred)."""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from application.caller import Caller
from domain.matching import AiOutput, CriterionCheck, MatchCriteria, Suggestion
from domain.offer import Offer
from domain.provenance import Reason
from infrastructure.offline_ranker import Bm25CandidateRanker  # noqa: F401 - the model named below
from tests.integration.helpers import terms

#: When the first round is asked for; each round an hour after the previous, each decision 7 s after the last.
FIRST_ROUND_AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def long_offer(services: Any, caller: Caller, rounds: int, suggestions: int, decisions: int) -> UUID:
    """An offer of 1 + rounds × (1 + suggestions + decisions) events: each round a request, its suggestions
    with their AI provenance, then decisions on the first ones (rejections with free text, acceptances)."""
    offer_id = services.app.publish_offer(terms(), caller)
    at = FIRST_ROUND_AT
    criteria = MatchCriteria("K2204", "Lyon", date(2026, 12, 15), ("nettoyage de locaux",), limit=suggestions)
    for round_number in range(rounds):
        offer: Offer = services.app.repository.get(offer_id)
        made = []
        for rank in range(1, suggestions + 1):
            output = json.dumps({"rank": rank, "score": 1 / rank, "terms": ["nettoyage", "locaux"]})
            made.append(Suggestion(
                uuid4(), uuid4(), rank, 1 / rank, (CriterionCheck("skill", "nettoyage de locaux"),),
                (CriterionCheck("distance", "12", "10"),), f"Rang {rank} : compétences proches.",
                AiOutput("match", "offline-bm25/1", "match", "1",
                         hashlib.sha256(f"{round_number}-{rank}".encode()).hexdigest(), output, 12, 800, 40),
            ))
        at = FIRST_ROUND_AT + timedelta(hours=round_number + 1)
        offer.request_match(uuid4(), criteria, 500, {"distance": 20}, made, caller.provenance, at)
        for n, suggestion in enumerate(made[:decisions]):
            at += timedelta(seconds=7)
            if n % 2:
                offer.accept_suggestion(suggestion.suggestion_id, None, caller.provenance, at)
            else:
                offer.reject_suggestion(suggestion.suggestion_id, Reason("autre", "Pas de permis, trajet long"),
                                        caller.provenance, at)
        services.app.save(offer)
    return offer_id
