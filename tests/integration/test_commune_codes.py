"""The INSEE code of a commune on both stores (docs/adr/0005, session 4): new events record it, events
stored before load with the code of their label where it designates one commune ("unknown" otherwise),
and the read models, their rebuild and migration 0046's backfill hold it."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent

from application.caller import Caller
from application.values import MatchCriteria
from domain.candidate import Candidate
from domain.commune_code import UNKNOWN
from domain.offer import Offer
from infrastructure.bootstrap import Services
from tests.integration.helpers import advisor, details, domain_events, mobile, notifications, terms
from tests.unit.fakes import FormerGazetteer

AGENCY = "paris-nord"
AUDITOR = Caller("auditor-1", "auditor", "", "req-audit")
VALUE_OBJECTS = ("candidate_profile", "offer_terms")


def as_first_version(services: Services, aggregate: Aggregate) -> None:
    """Stores the aggregate's pending events as they were written before session 4: version 1 of the
    event classes, no commune code in the profile or the terms."""
    mapper = services.app.mapper
    assert mapper.cipher is None and mapper.compressor is None  # the state is the transcoder's JSON
    records = []
    for event in aggregate.collect_events():
        record = mapper.to_stored_event(event)
        state = json.loads(record.state)
        state.pop("class_version", None)
        for value in state.values():
            if isinstance(value, dict) and value.get("_type_") in VALUE_OBJECTS:
                del value["_data_"]["commune_code"]
        text = json.dumps(state, ensure_ascii=False, separators=(",", ":"))
        records.append(StoredEvent(record.originator_id, record.originator_version, record.topic, text.encode()))
    services.app.recorder.insert_events(records)


def stored_before(services: Services, n: int, commune: str, changed_to: str | None = None) -> UUID:
    """A job seeker recorded (and moved to `changed_to`) as version 1 wrote it: the label alone."""
    candidate_id = uuid4()
    profile = details(phone=mobile(n), commune=commune).to_profile(candidate_id, FormerGazetteer())  # type: ignore[arg-type]
    candidate = Candidate.register(AGENCY, profile, True, advisor(AGENCY).provenance, services.clock.now(),
                                   id=candidate_id)
    if changed_to is not None:
        candidate.change_profile(replace(profile, commune=changed_to), advisor(AGENCY).provenance, services.clock.now())
    as_first_version(services, candidate)
    return candidate_id


def offer_stored_before(services: Services, commune: str) -> UUID:
    offer = Offer.publish(AGENCY, terms(commune=commune), advisor(AGENCY).provenance, services.clock.now())
    as_first_version(services, offer)
    return offer.id


def read_model(services: Services, table: str) -> dict[str, tuple[str, str]]:
    with services.database.read() as tx:
        rows = tx.fetchall(f"SELECT id, commune, commune_code FROM {table}")
    return {row["id"]: (row["commune"], row["commune_code"]) for row in rows}


def test_new_events_record_the_code_of_the_commune_typed(services: Services) -> None:
    candidate_id = services.app.register_candidate(details(phone=mobile(1), commune="St Denis 93200"), True,
                                                   advisor(AGENCY))
    offer_id = services.app.publish_offer(terms(commune="97400"), advisor(AGENCY))
    version = services.app.repository.get(offer_id).version
    services.app.change_offer(offer_id, version, terms(commune="Poleymieux-au-Mont-d'Or"), advisor(AGENCY))

    records = {(r.originator_id, r.originator_version): json.loads(r.state) for r in notifications(services)}
    registered = records[(candidate_id, 1)]
    assert registered["class_version"] == 2
    assert registered["profile"]["_data_"]["commune_code"] == "93066"
    assert records[(offer_id, 1)]["terms"]["_data_"]["commune_code"] == "97411"  # Saint-Denis, Réunion
    assert records[(offer_id, 2)]["terms"]["_data_"]["commune_code"] == "69153"

    reloaded = {e.originator_id: e for e in domain_events(services) if isinstance(e, (Candidate.Registered,))}
    assert reloaded[candidate_id].profile.commune_code == "93066"
    assert services.app.repository.get(offer_id).terms.commune_code == "69153"
    services.projections.catch_up()
    assert read_model(services, "rm_candidates")[str(candidate_id)] == ("Saint-Denis (93)", "93066")
    assert read_model(services, "rm_offers")[str(offer_id)] == ("Poleymieux-au-Mont-d'Or", "69153")


def test_events_stored_before_load_with_the_code_their_label_designates(make_services: Callable[..., Services]) -> None:
    services = make_services()
    moved = stored_before(services, 1, "Villeurbanne", changed_to="Saint-Ouen")  # GeoNames' Saint-Ouen-sur-Seine
    village = stored_before(services, 2, "Poleymieux-au-Mont-d'Or")
    former = stored_before(services, 3, "Tourlaville")  # now part of Cherbourg-en-Cotentin
    offer_id = offer_stored_before(services, "Lyon 03")  # GeoNames' arrondissement of Lyon

    reloaded = make_services()  # another process
    get = reloaded.app.repository.get
    assert (get(moved).profile.commune, get(moved).profile.commune_code) == ("Saint-Ouen", "93070")
    assert get(moved, version=1).profile.commune_code == "69266"  # time travel reads the first event
    assert get(village).profile.commune_code == "69153"
    assert get(former).profile.commune_code == "50129"
    assert (get(offer_id).terms.commune, get(offer_id).terms.commune_code) == ("Lyon 03", "69123")

    reloaded.projections.catch_up()
    people = read_model(reloaded, "rm_candidates")
    assert people == {str(moved): ("Saint-Ouen", "93070"), str(village): ("Poleymieux-au-Mont-d'Or", "69153"),
                      str(former): ("Tourlaville", "50129")}
    assert read_model(reloaded, "rm_offers") == {str(offer_id): ("Lyon 03", "69123")}
    reloaded.projections.rebuild()
    assert read_model(reloaded, "rm_candidates") == people


def test_a_homonym_stored_before_stays_unresolved_and_is_matched_nowhere(services: Services) -> None:
    homonym = stored_before(services, 1, "Sainte-Colombe")  # twelve communes bear that name
    nearby = stored_before(services, 2, "Saint-Ouen")
    candidate = services.app.repository.get(homonym)
    assert (candidate.profile.commune, candidate.profile.commune_code) == ("Sainte-Colombe", UNKNOWN)
    services.projections.catch_up()
    assert read_model(services, "rm_candidates")[str(homonym)] == ("Sainte-Colombe", UNKNOWN)

    offer_id = services.app.publish_offer(terms(commune="Saint-Ouen-sur-Seine"), advisor(AGENCY))
    services.app.request_shortlist(offer_id, MatchCriteria("K2204", "Saint-Ouen-sur-Seine", date(2026, 12, 15),
                                                           max_distance_km=10), advisor(AGENCY))
    view = services.shortlists.current(advisor(AGENCY), offer_id)
    assert [UUID(s.candidate_id) for s in view.suggestions] == [nearby]
    assert view.exclusions == {"location_unknown": 1}

    # Edited again, the advisor picks one of the homonyms: the profile then records its code.
    version = services.app.repository.get(homonym).version
    services.app.change_candidate_profile(homonym, version, details(phone=mobile(1), commune="Sainte-Colombe (05)"),
                                          advisor(AGENCY))
    assert services.app.repository.get(homonym).profile.commune_code == "05135"


def test_migration_0046_backfills_the_codes_of_rows_written_before_it(make_services: Callable[..., Services]) -> None:
    services = make_services()
    before = stored_before(services, 1, "Saint-Denis")  # GeoNames' Saint-Denis: the one in Seine-Saint-Denis
    offer_id = offer_stored_before(services, "Ancy")
    services.projections.catch_up()
    with services.database.transaction() as tx:  # the store as it was before migration 0046
        for table in ("rm_candidates", "rm_offers"):
            tx.execute(f"ALTER TABLE {table} DROP COLUMN commune_code")
        tx.execute("DELETE FROM schema_migrations WHERE name = '0046_rm_commune_codes'")

    migrated = make_services()
    migrated.projections.catch_up()
    assert read_model(migrated, "rm_candidates") == {str(before): ("Saint-Denis", "93066")}
    assert read_model(migrated, "rm_offers") == {str(offer_id): ("Ancy", "69008")}


def test_the_export_and_the_auditors_history_read_events_of_both_versions(services: Services, tmp_path: Path) -> None:
    old = stored_before(services, 1, "Villeurbanne", changed_to="Sainte-Colombe")
    new = services.app.register_candidate(details(phone=mobile(2), commune="Bron"), True, advisor(AGENCY))

    history = {who: services.timelines.timeline(AUDITOR, who) for who in (old, new)}
    assert history[old].state_version == 2 and history[new].state_version == 1
    assert history[old].state["profile.commune"] == "Sainte-Colombe"
    assert (history[old].state["profile.commune_code"], history[new].state["profile.commune_code"]) == (UNKNOWN, "69029")
    assert services.app.repository.get(old, version=1).profile.commune_code == "69266"
    # Auditors are told which events were recorded in an older format, whose added fields are inferred.
    assert [e.recorded_format for e in history[old].entries] == [1, 1]
    assert [e.recorded_format for e in history[new].entries] == [None]

    assert services.audit is not None
    services.audit.exporter.export(tmp_path / "out")
    exported = [json.loads(line) for line in (tmp_path / "out" / "events.jsonl").read_text("utf-8").splitlines()]
    profiles = {(line["subject"], line["data"]["originator_version"]): line["data"]["profile"]
                for line in exported if "profile" in line.get("data", {})}
    # As recorded: the log is never rewritten, so events of version 1 are exported without a code.
    assert "commune_code" not in profiles[(str(old), 1)] and profiles[(str(old), 2)]["commune"] == "Sainte-Colombe"
    assert profiles[(str(new), 1)]["commune_code"] == "69029"
