"""Oversight figures on a real store (SQLite and PostgreSQL): what the advisors decided on the
model's suggestions, how fast, how the shortlisted and the people contacted by SMS compare with
the eligible pool, how often advisors corrected the AI's readings of SMS replies; the read model
survives a rebuild unchanged, and forgets an erased person's age."""
from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from application.caller import Caller
from application.outreach import OutreachDraft
from application.queries.oversight_figures import FigureFilter, FigureSettings, OversightFigureQueries
from application.values import MatchCriteria, Reason
from infrastructure.bootstrap import Services
from infrastructure.migrations import MIGRATIONS_DIR
from tests.integration.helpers import advisor, compliance, details, mobile, terms
from tests.integration.test_outreach import TEXT, answer, start

FIG_TABLES = {
    "rm_fig_people": "candidate_id", "rm_fig_offers": "offer_id", "rm_fig_requests": "request_id",
    "rm_fig_pool": "request_id, dimension, category", "rm_fig_suggestions": "suggestion_id",
    "rm_fig_selections": "selection_key", "rm_fig_outreaches": "outreach_id", "rm_fig_readings": "suggestion_id",
}
AUDITOR = Caller("auditor-1", "auditor", "", "req-audit")
CRITERIA = MatchCriteria("K2204", "Lyon", date(2026, 12, 15), limit=20)
SETTINGS = FigureSettings(gap_threshold_points=10, min_selected=2, quick_decision_seconds=10, long_list=4)


def fig_rows(services: Services) -> dict[str, list[dict[str, Any]]]:
    with services.database.read() as tx:
        return {t: [dict(r) for r in tx.fetchall(f"SELECT * FROM {t} ORDER BY {key}")] for t, key in FIG_TABLES.items()}


def a_month_of_decisions(services: Services, clock: Any) -> dict[str, Any]:
    """Six eligible people (4 women, 2 men; one in a QPV), a list of 6 suggestions, decisions 3 s to 2 min after.

    Phones from 06 1000 0100: the outreach helpers (tests/integration/test_outreach.py) use the first ones."""
    ids = []
    people = [("1995-05-01", "F", "yes"), ("1990", "F", "no"), ("1980-01-01", "F", "no"), ("1970-01-01", "F", ""),
              ("1960-01-01", "M", "no"), ("", "M", "no")]
    for n, (born, sex, qpv) in enumerate(people):
        ids.append(services.app.register_candidate(
            details(phone=mobile(100 + n), first_name=f"P{n}", birth_date=born, sex=sex, priority_area=qpv,
                    commune="Lyon" if n % 2 else "Villeurbanne"),
            sms_consent=True, caller=advisor()))
    services.app.register_candidate(details(phone=mobile(109), sex="M"), sms_consent=False, caller=advisor())  # not eligible
    offer = services.app.publish_offer(terms(), advisor())
    services.app.request_shortlist(offer, CRITERIA, advisor())
    suggestions = {UUID(s.candidate_id): UUID(s.suggestion_id)
                   for s in services.shortlists.current(advisor(), offer).suggestions}
    assert len(suggestions) == 6
    by_person = [suggestions[i] for i in ids]
    # The two men and one woman accepted in seconds, two women rejected later, one left undecided.
    for seconds, index in ((3, 4), (2, 5), (4, 0)):
        clock.advance(seconds=seconds)
        services.app.accept_suggestion(offer, by_person[index], None, advisor(actor="advisor-quick"))
    clock.advance(minutes=2)
    services.app.reject_suggestion(offer, by_person[1], Reason("mobilite"), advisor())
    services.app.reject_suggestion(offer, by_person[2], Reason("autre", "déjà en poste"), advisor())
    extra = services.app.register_candidate(details(phone=mobile(107), sex="F", birth_date="2001"), sms_consent=True,
                                            caller=advisor())
    services.app.add_candidate_manually(offer, extra, Reason("connu_du_conseiller"), advisor())
    return {"ids": ids, "offer": offer, "extra": extra}


def test_the_figures_count_decisions_times_and_representativeness(services: Services, clock: Any) -> None:
    a_month_of_decisions(services, clock)
    figures = OversightFigureQueries(services.database).figures(AUDITOR, FigureFilter(), SETTINGS)

    d = figures.decisions
    assert (d.produced, d.accepted, d.rejected, d.added_manually) == (6, 3, 2, 1)
    assert d.override_rate == pytest.approx(3 / 6)
    t = figures.times
    assert t.decided == 5
    assert t.p10_seconds == pytest.approx(3.0) and t.median_seconds == pytest.approx(9.0)
    assert (t.long_list_decided, t.quick_on_long_lists, t.quick_share) == (5, 3, pytest.approx(0.6))
    assert sum(n for _, n in t.buckets) == 5

    sex = next(c for c in figures.comparisons if c.dimension == "sex")
    rows = {r.category: r for r in sex.rows}
    assert (rows["F"].pool, rows["M"].pool) == (4, 2)  # the eligible pool, as the request recorded it
    assert (rows["F"].selected, rows["M"].selected) == (2, 2)  # one accepted woman, one added by hand
    assert rows["F"].gap_points == pytest.approx(50 - 66.6667, abs=0.01) and rows["F"].flagged
    area = next(c for c in figures.comparisons if c.dimension == "priority_area")
    assert {r.category: r.pool for r in area.rows} == {"yes": 1, "no": 4, "": 1}
    ages = {r.category: (r.pool, r.selected) for r in next(c for c in figures.comparisons if c.dimension == "age_band").rows}
    # Aged on 30 Nov 2026: 31, 36, 46, 56, 66 and not recorded; the woman added by hand was born in 2001.
    assert ages == {"26-44": (2, 1), "45-54": (1, 0), "55+": (2, 1), "<26": (0, 1), "": (1, 1)}


def test_filters_narrow_every_figure(services: Services, clock: Any) -> None:
    a_month_of_decisions(services, clock)
    queries = OversightFigureQueries(services.database)
    quick = queries.figures(AUDITOR, FigureFilter(advisor_id="advisor-quick"), SETTINGS)
    assert (quick.decisions.produced, quick.decisions.accepted, quick.decisions.rejected) == (0, 3, 0)
    assert queries.figures(AUDITOR, FigureFilter(agency_id="paris-nord"), SETTINGS).decisions.produced == 0
    assert queries.figures(AUDITOR, FigureFilter(model="another-model"), SETTINGS).decisions.produced == 0
    later = clock.now().isoformat()
    assert queries.figures(AUDITOR, FigureFilter(since=later), SETTINGS).decisions.produced == 0
    assert queries.figures(AUDITOR, FigureFilter(until=later), SETTINGS).decisions.produced == 6
    choices = queries.choices(AUDITOR)
    assert ("advisor-lyon", "advisor-lyon") in choices.advisors  # an actor without an account is listed by id
    model = choices.models
    assert len(model) == 1
    assert queries.figures(AUDITOR, FigureFilter(model=model[0]), SETTINGS).decisions.produced == 6


def sms_to_the_shortlisted(services: Services, history: dict[str, Any]) -> UUID:
    """An advisor approves an SMS to the shortlisted: the two men, one woman accepted, one woman added by hand."""
    ids = history["ids"]
    recipients = (ids[4], ids[5], ids[0], history["extra"])
    return services.app.approve_outreach(OutreachDraft(history["offer"], recipients, TEXT), advisor(actor="advisor-sms"))


def two_replies_read_and_corrected(services: Services, clock: Any) -> UUID:
    """Two people answer an outreach (approved by advisor-lyon): a clear yes, read with high confidence,
    and a "bof" read as unclear with low confidence. The advisor changes the second reading and
    reviews the first without changing it (a note only)."""
    outreach_id, (first, second), (phone_1, phone_2) = start(services, people=2)
    services.app.run_outreach_tick()
    answer(services, phone_1, "Oui je suis intéressée")
    answer(services, phone_2, "Bof")
    clock.advance(seconds=30)
    readings = {UUID(c.candidate_id): next(m for m in c.messages if m.direction == "in")
                for c in services.outreach.get(advisor(), outreach_id).conversations}
    assert (readings[first].intent, readings[second].intent) == ("interested", "unclear")
    assert readings[second].low_confidence and not readings[first].low_confidence
    services.app.correct_reading(outreach_id, second, UUID(readings[second].suggestion_id), "not_interested", (),
                                 "", advisor())
    services.app.correct_reading(outreach_id, first, UUID(readings[first].suggestion_id), "interested",
                                 readings[first].needs, "Rappelée, confirme", advisor())
    return outreach_id


def test_corrections_of_ai_readings_are_counted_overall_per_model_and_by_confidence(
    services: Services, clock: Any
) -> None:
    two_replies_read_and_corrected(services, clock)
    queries = OversightFigureQueries(services.database)
    readings = queries.figures(AUDITOR, FigureFilter(), SETTINGS).readings
    assert (readings.total.read, readings.total.corrected, readings.total.confirmed) == (2, 1, 1)
    assert readings.total.correction_rate == pytest.approx(0.5)
    assert [(m, t.read, t.corrected) for m, t in readings.by_model] == [("offline-rules/1", 2, 1)]
    assert (readings.low_confidence.read, readings.low_confidence.corrected) == (1, 1)
    assert (readings.other_confidence.read, readings.other_confidence.corrected) == (1, 0)
    # Filters: the advisor who approved the outreach, the reading's model, agency and time.
    assert "offline-rules/1" in queries.choices(AUDITOR).models
    assert queries.figures(AUDITOR, FigureFilter(model="offline-rules/1"), SETTINGS).readings.total.read == 2
    assert queries.figures(AUDITOR, FigureFilter(advisor_id="advisor-lyon"), SETTINGS).readings.total.read == 2
    assert queries.figures(AUDITOR, FigureFilter(advisor_id="advisor-sms"), SETTINGS).readings.total.read == 0
    assert queries.figures(AUDITOR, FigureFilter(agency_id="paris-nord"), SETTINGS).readings.total.read == 0
    later = clock.now().isoformat()
    assert queries.figures(AUDITOR, FigureFilter(since=later), SETTINGS).readings.total.read == 0
    assert queries.figures(AUDITOR, FigureFilter(until=later), SETTINGS).readings.total.corrected == 1


def test_the_people_contacted_by_sms_are_compared_with_the_eligible_pool(services: Services, clock: Any) -> None:
    history = a_month_of_decisions(services, clock)
    clock.advance(days=1)
    sms_to_the_shortlisted(services, history)
    queries = OversightFigureQueries(services.database)
    figures = queries.figures(AUDITOR, FigureFilter(), SETTINGS)
    contacted = {c.dimension: c for c in figures.comparisons if c.selection == "contacted"}
    sex = {r.category: r for r in contacted["sex"].rows}
    assert (sex["F"].pool, sex["M"].pool) == (4, 2)  # the same pool as the shortlisted comparison
    assert (sex["F"].selected, sex["M"].selected) == (2, 2)
    assert sex["F"].gap_points == pytest.approx(50 - 66.6667, abs=0.01) and sex["F"].flagged
    ages = {r.category: r.selected for r in contacted["age_band"].rows}
    assert ages == {"26-44": 1, "45-54": 0, "55+": 1, "<26": 1, "": 1}  # on the day of the approval
    # Under the advisor who approved, the model of the round they were shortlisted in, and the approval's day.
    choices = queries.choices(AUDITOR)
    assert ("advisor-sms", "advisor-sms") in choices.advisors  # an advisor who only approved an outreach
    model = choices.models[0]
    for f, expected in ((FigureFilter(advisor_id="advisor-sms"), 4), (FigureFilter(advisor_id="advisor-quick"), 0),
                        (FigureFilter(model=model), 4), (FigureFilter(model="another-model"), 0),
                        (FigureFilter(until=clock.now().isoformat()), 0)):
        sexes = next(c for c in queries.figures(AUDITOR, f, SETTINGS).comparisons
                     if c.selection == "contacted" and c.dimension == "sex")
        assert sexes.selected_total == expected, f


def test_a_rebuild_gives_the_same_figures_even_after_an_erasure(services: Services, clock: Any) -> None:
    history = a_month_of_decisions(services, clock)
    sms_to_the_shortlisted(services, history)
    two_replies_read_and_corrected(services, clock)
    services.app.erase_candidate(history["ids"][0], Reason("demande_rgpd"), "personne", compliance())
    incremental = fig_rows(services)
    erased = [r for r in incremental["rm_fig_selections"] if r["candidate_id"] == str(history["ids"][0])]
    assert {r["selection"] for r in erased} == {"shortlisted", "contacted"}
    assert len(incremental["rm_fig_readings"]) == 2
    assert erased and all(r["age_band"] == "" for r in erased)  # the birth date is gone, so is the age band
    assert all(r["birth_date"] == "" for r in incremental["rm_fig_people"] if r["candidate_id"] == str(history["ids"][0]))
    with services.database.read() as tx:
        row = tx.fetchone("SELECT birth_date FROM rm_candidates WHERE id = ?", (str(history["ids"][0]),))
    assert row["birth_date"] == "[effacé]"

    clock.advance(days=400)  # a rebuild much later must still place people on the day of each decision
    services.projections.rebuild()
    assert fig_rows(services) == incremental


def test_migration_0034_replays_the_figures_of_an_existing_database(services: Services, clock: Any) -> None:
    """A database that had figures before the outreach input: the migration empties them and moves the
    projection back, and the next catch-up gives what a rebuild gives, outreach included."""
    history = a_month_of_decisions(services, clock)
    sms_to_the_shortlisted(services, history)
    two_replies_read_and_corrected(services, clock)
    expected = fig_rows(services)
    sql = (MIGRATIONS_DIR / "0034_rm_oversight_figures_outreach.sql").read_text(encoding="utf-8")
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    with services.database.transaction() as tx:
        for statement in (s.strip() for s in body.split(";") if s.strip()):
            tx.execute(statement)
    assert fig_rows(services)["rm_fig_selections"] == []
    services.projections.catch_up()
    assert fig_rows(services) == expected
