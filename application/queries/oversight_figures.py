"""The oversight figures, each one SQL aggregate over the `rm_fig_*` read model.

Filters apply to whoever did each counted thing: suggestions produced count under the
advisor who asked for the list and the time they were made; decisions under the advisor
who decided and the time of the decision; the pool under the request; people contacted by
SMS under the advisor who approved the outreach and its time; the AI's readings of SMS replies
under the advisor who approved the outreach and the time of the reading (docs/adr/0016).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from application.caller import Caller
from application.figures_stats import CategoryGap, gaps, nearest_rank_offset, override_rate, share
from application.pool_composition import DIMENSIONS, by_commune_today
from application.ports import Database, Row, Transaction
from application.queries.reading_figures import ReadingFigures, reading_figures

#: Decision-time histogram: (label, from seconds inclusive, to seconds exclusive or None: open).
TIME_BUCKETS = (
    ("moins de 5 s", 0, 5), ("5 à 15 s", 5, 15), ("15 à 60 s", 15, 60), ("1 à 10 min", 60, 600),
    ("10 min à 1 h", 600, 3600), ("plus d'1 h", 3600, None),
)
#: Decided suggestions: the projection sets decide_ms with the decision (an index serves the percentiles).
DECIDED = "decide_ms IS NOT NULL"
#: The kinds of selection compared with the eligible pool, in display order.
SELECTIONS = ("shortlisted", "contacted")


@dataclass(frozen=True)
class FigureFilter:
    agency_id: str = ""
    advisor_id: str = ""
    model: str = ""
    since: str = ""  # ISO 8601 instant, inclusive; "" : from the start
    until: str = ""  # ISO 8601 instant, exclusive; "" : up to now


@dataclass(frozen=True)
class FigureSettings:
    gap_threshold_points: float = 10.0
    min_selected: int = 20
    quick_decision_seconds: int = 10
    long_list: int = 10


@dataclass(frozen=True)
class DecisionFigures:
    produced: int
    accepted: int
    rejected: int
    added_manually: int

    @property
    def override_rate(self) -> float | None:
        return override_rate(self.accepted, self.rejected, self.added_manually)

    @property
    def shortlisted(self) -> int:
        return self.accepted + self.added_manually


@dataclass(frozen=True)
class TimeFigures:
    decided: int
    p10_seconds: float | None
    median_seconds: float | None
    long_list_decided: int  # decisions on lists of at least `long_list` suggestions
    quick_on_long_lists: int  # of which taken in under `quick_decision_seconds`
    buckets: list[tuple[str, int]] = field(default_factory=list)

    @property
    def quick_share(self) -> float | None:
        return share(self.quick_on_long_lists, self.long_list_decided)


@dataclass(frozen=True)
class Comparison:
    """One dimension: the selected people against the eligible pool, category by category."""

    dimension: str
    selection: str
    pool_total: int
    selected_total: int
    rows: list[CategoryGap]

    @property
    def flagged(self) -> list[CategoryGap]:
        return [row for row in self.rows if row.flagged]


@dataclass(frozen=True)
class OversightFigures:
    decisions: DecisionFigures
    times: TimeFigures
    comparisons: list[Comparison]
    readings: ReadingFigures = field(default_factory=lambda: ReadingFigures([]))


@dataclass(frozen=True)
class FilterChoices:
    agencies: list[str]
    advisors: list[tuple[str, str]]  # (account id, username)
    models: list[str]


def _where(f: FigureFilter, agency: str, advisor: str, model: str, time: str) -> tuple[str, list[object]]:
    clauses, params = ["1 = 1"], []
    for column, value in ((agency, f.agency_id), (advisor, f.advisor_id), (model, f.model)):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if f.since:
        clauses.append(f"{time} >= ?")
        params.append(f.since)
    if f.until:
        clauses.append(f"{time} < ?")
        params.append(f.until)
    return " AND ".join(clauses), params


class OversightFigureQueries:
    def __init__(self, database: Database) -> None:
        self.database = database

    def figures(self, caller: Caller, f: FigureFilter, settings: FigureSettings) -> OversightFigures:
        caller.require_role("auditor")
        with self.database.read() as tx:
            decided = self._decided(tx, f, settings)
            where, params = _where(f, "agency_id", "approved_by", "model", "read_at")
            return OversightFigures(self._decisions(tx, f, decided), self._times(tx, f, decided),
                                    self._comparisons(tx, f, settings), reading_figures(tx, where, params))

    def choices(self, caller: Caller) -> FilterChoices:
        caller.require_role("auditor")
        with self.database.read() as tx:
            agencies = [r["agency_id"] for r in tx.fetchall("SELECT DISTINCT agency_id FROM rm_fig_offers ORDER BY 1")]
            advisors = [(r["id"], r["username"]) for r in tx.fetchall(
                "SELECT id, username FROM rm_accounts WHERE role = 'advisor' ORDER BY username")]
            # Actors with no account (an import or the demo seed acting as an advisor) are listed by their id.
            known = {account_id for account_id, _ in advisors}
            advisors += [(r["actor"], r["actor"]) for r in tx.fetchall(
                "SELECT requested_by AS actor FROM rm_fig_requests UNION SELECT approved_by FROM rm_fig_outreaches "
                "ORDER BY 1") if r["actor"] not in known and r["actor"]]
            # Models that ranked lists and models that read SMS replies.
            models = [r["model"] for r in tx.fetchall(
                "SELECT model FROM rm_fig_requests WHERE model <> '' UNION SELECT model FROM rm_fig_readings "
                "WHERE model <> '' ORDER BY 1")]
        return FilterChoices(agencies, advisors, models)

    def _decided(self, tx: Transaction, f: FigureFilter, settings: FigureSettings) -> Row:
        """One scan of the decided suggestions for every figure about decisions (counts, times, histogram)."""
        where, params = _where(f, "agency_id", "decided_by", "model", "decided_at")
        cases = ", ".join(
            f"SUM(CASE WHEN decide_ms >= {low * 1000}{f' AND decide_ms < {high * 1000}' if high else ''} "
            f"THEN 1 ELSE 0 END) AS b{i}"
            for i, (_, low, high) in enumerate(TIME_BUCKETS)
        )
        return tx.fetchone(
            f"SELECT COUNT(*) AS n, SUM(CASE WHEN decision = 'accepted' THEN 1 ELSE 0 END) AS accepted, "
            f"SUM(CASE WHEN decision = 'rejected' THEN 1 ELSE 0 END) AS rejected, "
            f"SUM(CASE WHEN list_length >= ? THEN 1 ELSE 0 END) AS long_n, "
            f"SUM(CASE WHEN list_length >= ? AND decide_ms < ? THEN 1 ELSE 0 END) AS quick, {cases} "
            f"FROM rm_fig_suggestions WHERE {DECIDED} AND {where}",
            [settings.long_list, settings.long_list, settings.quick_decision_seconds * 1000, *params],
        )

    def _decisions(self, tx: Transaction, f: FigureFilter, decided: Row) -> DecisionFigures:
        where, params = _where(f, "agency_id", "requested_by", "model", "suggested_at")
        produced = tx.fetchone(f"SELECT COUNT(*) AS n FROM rm_fig_suggestions WHERE {where}", params)["n"]
        where, params = _where(f, "agency_id", "advisor_id", "model", "selected_at")
        manual = tx.fetchone(
            f"SELECT COUNT(*) AS n FROM rm_fig_selections WHERE selection = 'shortlisted' AND how = 'manual' AND {where}",
            params)["n"]
        return DecisionFigures(int(produced), int(decided["accepted"] or 0), int(decided["rejected"] or 0), int(manual))

    def _times(self, tx: Transaction, f: FigureFilter, decided: Row) -> TimeFigures:
        where, params = _where(f, "agency_id", "decided_by", "model", "decided_at")
        count = int(decided["n"])

        def percentile(fraction: float) -> float | None:
            offset = nearest_rank_offset(count, fraction)
            if offset is None:
                return None
            # The database walks the decide_ms index to the k-th value: one value comes back, whatever the count.
            value = tx.fetchone(
                f"SELECT decide_ms FROM rm_fig_suggestions WHERE {DECIDED} AND {where} "
                f"ORDER BY decide_ms LIMIT 1 OFFSET {offset}", params)
            return int(value["decide_ms"]) / 1000

        buckets = [(label, int(decided[f"b{i}"] or 0)) for i, (label, _, _) in enumerate(TIME_BUCKETS)]
        return TimeFigures(count, percentile(0.10), percentile(0.50), int(decided["long_n"] or 0),
                           int(decided["quick"] or 0), buckets)

    def _comparisons(self, tx: Transaction, f: FigureFilter, settings: FigureSettings) -> list[Comparison]:
        where, params = _where(f, "agency_id", "requested_by", "model", "requested_at")
        pool: dict[str, dict[str, int]] = {d: {} for d in DIMENSIONS}
        for r in tx.fetchall(
            f"SELECT dimension, category, SUM(people) AS n FROM rm_fig_pool WHERE {where} GROUP BY dimension, category",
            params,
        ):
            pool.setdefault(r["dimension"], {})[r["category"]] = int(r["n"])
        where, params = _where(f, "agency_id", "advisor_id", "model", "selected_at")
        comparisons = []
        for selection in SELECTIONS:
            # One scan grouped by every dimension at once (a few hundred groups), then each dimension's totals.
            columns = ", ".join(DIMENSIONS)
            chosen: dict[str, dict[str, int]] = {d: {} for d in DIMENSIONS}
            for r in tx.fetchall(
                f"SELECT {columns}, COUNT(*) AS n FROM rm_fig_selections WHERE selection = ? AND {where} "
                f"GROUP BY {columns}", [selection, *params],
            ):
                for d in DIMENSIONS:
                    chosen[d][r[d]] = chosen[d].get(r[d], 0) + int(r["n"])
            for d in DIMENSIONS:
                if d == "commune":  # codes as recorded: one a merger retired counts as today's commune
                    pool[d], chosen[d] = by_commune_today(pool[d]), by_commune_today(chosen[d])
                comparisons.append(Comparison(
                    d, selection, sum(pool[d].values()), sum(chosen[d].values()),
                    gaps(pool[d], chosen[d], settings.gap_threshold_points, settings.min_selected),
                ))
        return comparisons
