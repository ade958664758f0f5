"""Communes on both stores: villages and homonyms are registered and matched by distance, and records
stored under a former town name (before every commune was known) still load and are matched where they are."""
from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from application.values import MatchCriteria
from domain.candidate import Candidate
from infrastructure.bootstrap import Services
from tests.integration.helpers import advisor, details, mobile, terms
from tests.integration.test_commune_codes import as_first_version
from tests.unit.fakes import FormerGazetteer

AGENCY = "paris-nord"


def stored_before(services: Services, n: int, commune: str) -> UUID:
    """A job seeker recorded under a former town name, as events already in a store are (version 1: no code)."""
    candidate_id = uuid4()
    profile = details(phone=mobile(n), commune=commune).to_profile(candidate_id, FormerGazetteer())  # type: ignore[arg-type]
    as_first_version(services, Candidate.register(AGENCY, profile, True, advisor(AGENCY).provenance,
                                                  services.clock.now(), id=candidate_id))
    return candidate_id


def register(services: Services, n: int, commune: str) -> UUID:
    return services.app.register_candidate(details(phone=mobile(n), commune=commune), True, advisor(AGENCY))


def test_people_are_matched_by_distance_from_villages_homonyms_and_former_names(services: Services) -> None:
    who = {
        "former_saint_ouen": stored_before(services, 1, "Saint-Ouen"),  # GeoNames' name of Saint-Ouen-sur-Seine
        "saint_denis_93": register(services, 2, "Saint-Denis (93)"),  # 3 km away
        "saint_denis_974": register(services, 3, "saint denis 97400"),  # in Réunion
        "village": register(services, 4, "Poleymieux-au-Mont-d'Or"),  # 1,300 inhabitants, near Lyon
    }
    offer_id = services.app.publish_offer(terms(commune="93400"), advisor(AGENCY))
    assert services.app.repository.get(offer_id).terms.commune == "Saint-Ouen-sur-Seine"

    services.app.request_shortlist(offer_id, MatchCriteria("K2204", "Saint-Ouen-sur-Seine", date(2026, 12, 15),
                                                           max_distance_km=10), advisor(AGENCY))
    view = services.shortlists.current(advisor(AGENCY), offer_id)
    assert {UUID(s.candidate_id) for s in view.suggestions} == {who["former_saint_ouen"], who["saint_denis_93"]}
    assert (view.pool_size, view.exclusions) == (4, {"distance": 2})


def test_records_keep_the_commune_as_stored_after_a_reload_and_a_rebuild(make_services) -> None:
    services = make_services()
    former = stored_before(services, 1, "Saint-Ouen")
    village = register(services, 2, "ancy")
    services.projections.rebuild()
    reloaded = make_services()  # another process
    assert reloaded.app.repository.get(former).profile.commune == "Saint-Ouen"
    people = {p.id: p.commune for p in reloaded.candidates.search(advisor(AGENCY), "", 1).items}
    assert people == {str(former): "Saint-Ouen", str(village): "Ancy"}
