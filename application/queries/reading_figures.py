"""How often advisors corrected the AI's readings of SMS replies: one SQL aggregate over `rm_fig_readings`.

A reading counts under the agency of its outreach, the advisor who approved the outreach
(the one answerable for the conversation), its model and the time it was read; its
correction counts with it, whenever it came (docs/adr/0016). The SQL groups by model and
confidence; the totals, per model and per confidence, are sums of those groups.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from application.figures_stats import share
from application.ports import Transaction


@dataclass(frozen=True)
class ReadingTally:
    """Readings of one group, and what the advisors did with them."""

    read: int = 0
    corrected: int = 0  # the advisor's last correction changed the intent or the needs
    confirmed: int = 0  # reviewed by the advisor (a correction recorded) without a change

    @property
    def correction_rate(self) -> float | None:
        return share(self.corrected, self.read)

    def __add__(self, other: ReadingTally) -> ReadingTally:
        return ReadingTally(self.read + other.read, self.corrected + other.corrected, self.confirmed + other.confirmed)


@dataclass(frozen=True)
class ReadingGroup:
    model: str
    low_confidence: bool
    tally: ReadingTally


@dataclass(frozen=True)
class ReadingFigures:
    groups: list[ReadingGroup]

    @property
    def total(self) -> ReadingTally:
        return _sum(g.tally for g in self.groups)

    @property
    def by_model(self) -> list[tuple[str, ReadingTally]]:
        models = sorted({g.model for g in self.groups})
        return [(m, _sum(g.tally for g in self.groups if g.model == m)) for m in models]

    @property
    def low_confidence(self) -> ReadingTally:
        return _sum(g.tally for g in self.groups if g.low_confidence)

    @property
    def other_confidence(self) -> ReadingTally:
        return _sum(g.tally for g in self.groups if not g.low_confidence)


def _sum(tallies: Iterable[ReadingTally]) -> ReadingTally:
    total = ReadingTally()
    for tally in tallies:
        total += tally
    return total


def reading_figures(tx: Transaction, where: str, params: list[object]) -> ReadingFigures:
    """`where` filters on agency_id, approved_by, model and read_at (application/queries/oversight_figures.py)."""
    rows = tx.fetchall(
        "SELECT model, low_confidence, COUNT(*) AS n, SUM(corrected) AS corrected, "
        "SUM(CASE WHEN corrections > 0 AND corrected = 0 THEN 1 ELSE 0 END) AS confirmed "
        f"FROM rm_fig_readings WHERE {where} GROUP BY model, low_confidence ORDER BY model, low_confidence",
        params,
    )
    return ReadingFigures([
        ReadingGroup(r["model"], bool(r["low_confidence"]),
                     ReadingTally(int(r["n"]), int(r["corrected"] or 0), int(r["confirmed"] or 0)))
        for r in rows
    ])
