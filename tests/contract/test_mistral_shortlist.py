"""The whole shortlist use case on SQLite with the Mistral ranker (chosen by bootstrap from the settings) and the fake.

The privacy proof lives here: people registered with canary names, phones, notes and emails,
then every request body the fake server received is searched for them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from application.ranking import sha256_of
from domain.matching import MatchCriteria
from infrastructure.bootstrap import Services, bootstrap
from infrastructure.mistral_ranker import MistralCandidateRanker
from infrastructure.offline_ranker import MODEL as OFFLINE_MODEL
from tests.conftest import settings_for
from tests.contract.fake_mistral import API_KEY, FakeMistral
from tests.integration.helpers import advisor, details, mobile, terms

CRITERIA = MatchCriteria(
    rome_code="K2204", commune="Lyon", available_by=date(2026, 12, 15),
    required_skills=("nettoyage de locaux",), optional_skills=("tri des déchets",), max_distance_km=30,
)
#: Canaries: (first name, last name, phone, note with an email and a street address, skills, consents)
PEOPLE = [
    ("Zéphyrine", "Quetzalcanari", mobile(4242), "Canari-note-1 : joindre zephyrine.q@exemple.org, 12 rue des Lilas",
     ("nettoyage de locaux", "tri des déchets"), True),
    ("Barnabé", "Ornithorynque", mobile(4343), "Canari-note-2 : a mentionné ses dettes ; barnabe@exemple.org",
     ("nettoyage de locaux",), True),
    ("Philomène", "Salamandrix", mobile(4444), "Canari-note-3 : 7 impasse des Glycines",
     ("plonge", "découpe"), True),
    ("Anatole", "Pangolinard", mobile(4545), "Canari-note-4 : ne souhaite pas être contacté",
     ("compétence-canari-sans-consentement",), False),
]


@pytest.fixture
def make_services(
    tmp_path: Path, fake_mistral: FakeMistral, clock: Any, fast_passwords: Any
) -> Iterator[Callable[..., Services]]:
    built: list[Services] = []

    def make(database_url: str | None = None) -> Services:
        settings = settings_for(tmp_path, database_url, MISTRAL_API_KEY=API_KEY, MISTRAL_SERVER_URL=fake_mistral.url,
                                RELAIS_MISTRAL_TIMEOUT_MS="500", RELAIS_MISTRAL_RETRIES="0")
        services = bootstrap(settings, clock=clock, passwords=fast_passwords)
        built.append(services)
        return services

    yield make
    for services in built:
        services.close()


def register_people(services: Services) -> list[UUID]:
    return [
        services.app.register_candidate(
            details(first_name=first, last_name=last, phone=phone, notes=note, skills=skills), consent, advisor()
        )
        for first, last, phone, note, skills, consent in PEOPLE
    ]


def shortlist(services: Services) -> tuple[UUID, Any]:
    offer_id = services.app.publish_offer(terms(), advisor())
    services.app.request_shortlist(offer_id, CRITERIA, advisor())
    return offer_id, services.shortlists.current(advisor(), offer_id)


def suggested_events(services: Services, offer_id: UUID) -> list[Any]:
    events = services.app.repository.event_store.get(offer_id)
    return [e for e in events if type(e).__name__ == "MatchSuggested"]


def test_bootstrap_chooses_mistral_when_a_key_is_set(make_services: Callable[..., Services]) -> None:
    services = make_services()
    assert isinstance(services.app.ranker, MistralCandidateRanker)
    assert services.app.fallback_ranker is not None and services.app.fallback_ranker.model == OFFLINE_MODEL


def test_a_shortlist_is_ranked_by_mistral_and_explained(
    make_services: Callable[..., Services], fake_mistral: FakeMistral
) -> None:
    services = make_services()
    ids = register_people(services)
    offer_id, view = shortlist(services)
    assert view.fallback_reason == ""
    assert [s.candidate_id for s in view.suggestions][:2] == [str(ids[0]), str(ids[1])]
    assert str(ids[3]) not in {s.candidate_id for s in view.suggestions}  # no consent: never ranked
    best = view.suggestions[0]
    assert (best.model, best.rationale_model) == ("mistral-embed", "mistral-small-latest")
    assert best.rationale.startswith("Proposé par le test")

    (embedding,) = fake_mistral.requests("embeddings")
    (chat,) = fake_mistral.requests("chat")
    event = suggested_events(services, offer_id)[0]
    assert event.ai.input_sha256 == sha256_of(embedding.json()) and event.ai.fallback_reason == ""
    assert event.rationale_ai.input_sha256 == sha256_of(chat.json())
    assert event.rationale_ai.tokens_out > 0 and event.ai.tokens_in > 0


def test_nothing_personal_leaves_the_server(make_services: Callable[..., Services], fake_mistral: FakeMistral) -> None:
    services = make_services()
    ids = register_people(services)
    _, view = shortlist(services)
    assert len(view.suggestions) == 3 and fake_mistral.received
    sent = "\n".join(r.body.decode("utf-8") for r in fake_mistral.received)
    sent_unescaped = "\n".join(str(r.json()) for r in fake_mistral.received)
    assert "nettoyage de locaux" in sent_unescaped and "plonge" in sent_unescaped  # the job facts do go
    for first, last, phone, note, _, _ in PEOPLE:
        digits = phone.lstrip("0")
        for canary in (first, last, digits, "+33" + digits, note, note.split(" : ")[0], note.split(" : ")[1]):
            assert canary not in sent and canary not in sent_unescaped, canary
    for fragment in ("exemple.org", "rue des Lilas", "Glycines", "dettes", "Villeurbanne"):
        assert fragment not in sent_unescaped, fragment
    assert not any(str(i) in sent for i in ids)  # not even the pseudonymous ids
    assert "compétence-canari-sans-consentement" not in sent_unescaped  # nor anything of the excluded


@pytest.mark.parametrize("mode, reason", [("not_json", "invalid_output"), ("slow", "timeout"),
                                          ("error_500", "api_error")])
def test_when_mistral_fails_the_shortlist_is_ranked_offline_and_says_why(
    make_services: Callable[..., Services], fake_mistral: FakeMistral, mode: str, reason: str
) -> None:
    services = make_services()
    ids = register_people(services)
    fake_mistral.mode["chat"] = mode
    offer_id, view = shortlist(services)
    assert view.fallback_reason == reason
    assert {s.model for s in view.suggestions} == {OFFLINE_MODEL} and view.suggestions[0].candidate_id == str(ids[0])
    assert all(e.ai.fallback_reason == reason and e.rationale_ai is None for e in suggested_events(services, offer_id))


def test_embeddings_are_kept_in_the_database_across_restarts(
    make_services: Callable[..., Services], fake_mistral: FakeMistral, store: str | None
) -> None:
    services = make_services(store)  # SQLite, and PostgreSQL when it runs
    register_people(services)
    shortlist(services)
    assert len(fake_mistral.requests("embeddings")) == 1
    with services.database.read() as tx:
        stored = tx.fetchall("SELECT model, text_sha256, dimensions, vector FROM ai_embedding_cache")
    assert {r["model"] for r in stored} == {"mistral-embed"} and len(stored) == 4  # the offer and 3 people
    assert all(set(r) == {"model", "text_sha256", "dimensions", "vector"} for r in stored)  # no person id, no text
    fake_mistral.clear()
    restarted = make_services(store)  # another process: empty memory, same database
    _, view = shortlist(restarted)
    assert fake_mistral.requests("embeddings") == [] and view.fallback_reason == ""
