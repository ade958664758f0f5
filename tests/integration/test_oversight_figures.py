"""Oversight figures on a real store (SQLite and PostgreSQL): what the advisors decided on the
model's suggestions, how fast, and how the shortlisted compare with the eligible pool; the
read model survives a rebuild unchanged, and forgets an erased person's age."""
from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from application.caller import Caller
from application.queries.oversight_figures import FigureFilter, FigureSettings, OversightFigureQueries
from application.values import MatchCriteria, Reason
from infrastructure.bootstrap import Services
from tests.integration.helpers import advisor, compliance, details, mobile, terms

FIG_TABLES = {
    "rm_fig_people": "candidate_id", "rm_fig_offers": "offer_id", "rm_fig_requests": "request_id",
    "rm_fig_pool": "request_id, dimension, category", "rm_fig_suggestions": "suggestion_id",
    "rm_fig_selections": "selection_key",
}
AUDITOR = Caller("auditor-1", "auditor", "", "req-audit")
CRITERIA = MatchCriteria("K2204", "Lyon", date(2026, 12, 15), limit=20)
SETTINGS = FigureSettings(gap_threshold_points=10, min_selected=2, quick_decision_seconds=10, long_list=4)


def fig_rows(services: Services) -> dict[str, list[dict[str, Any]]]:
    with services.database.read() as tx:
        return {t: [dict(r) for r in tx.fetchall(f"SELECT * FROM {t} ORDER BY {key}")] for t, key in FIG_TABLES.items()}


def a_month_of_decisions(services: Services, clock: Any) -> dict[str, Any]:
    """Six eligible people (4 women, 2 men; one in a QPV), a list of 6 suggestions, decisions 3 s to 2 min after."""
    ids = []
    people = [("1995-05-01", "F", "yes"), ("1990", "F", "no"), ("1980-01-01", "F", "no"), ("1970-01-01", "F", ""),
              ("1960-01-01", "M", "no"), ("", "M", "no")]
    for n, (born, sex, qpv) in enumerate(people):
        ids.append(services.app.register_candidate(
            details(phone=mobile(n), first_name=f"P{n}", birth_date=born, sex=sex, priority_area=qpv,
                    commune="Lyon" if n % 2 else "Villeurbanne"),
            sms_consent=True, caller=advisor()))
    services.app.register_candidate(details(phone=mobile(9), sex="M"), sms_consent=False, caller=advisor())  # not eligible
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
    extra = services.app.register_candidate(details(phone=mobile(7), sex="F", birth_date="2001"), sms_consent=True,
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


def test_a_rebuild_gives_the_same_figures_even_after_an_erasure(services: Services, clock: Any) -> None:
    history = a_month_of_decisions(services, clock)
    services.app.erase_candidate(history["ids"][0], Reason("demande_rgpd"), "la personne", compliance())
    incremental = fig_rows(services)
    erased = [r for r in incremental["rm_fig_selections"] if r["candidate_id"] == str(history["ids"][0])]
    assert erased and all(r["age_band"] == "" for r in erased)  # the birth date is gone, so is the age band
    assert all(r["birth_date"] == "" for r in incremental["rm_fig_people"] if r["candidate_id"] == str(history["ids"][0]))
    with services.database.read() as tx:
        row = tx.fetchone("SELECT birth_date FROM rm_candidates WHERE id = ?", (str(history["ids"][0]),))
    assert row["birth_date"] == "[effacé]"

    clock.advance(days=400)  # a rebuild much later must still place people on the day of each decision
    services.projections.rebuild()
    assert fig_rows(services) == incremental
