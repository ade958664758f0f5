"""The arithmetic of the oversight figures, kept apart from SQL so each rule is tested alone.

Definitions (docs/adr/0016):
- override rate: of the advisor's shortlisting decisions, the share that went against the
  model: (rejected suggestions + people added by hand) / (accepted + rejected + added by hand);
- percentiles of decision times: nearest-rank method on the sorted times;
- a representativeness gap: a category's share among the selected minus its share in the
  eligible pool, in percentage points, both among people whose category is recorded;
  flagged when its size reaches the threshold and enough people were selected to judge.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from domain.demographics import NOT_RECORDED


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide (never a misleading 0 %)."""
    return part / whole if whole else None


def override_rate(accepted: int, rejected: int, added_manually: int) -> float | None:
    return share(rejected + added_manually, accepted + rejected + added_manually)


def nearest_rank_offset(count: int, fraction: float) -> int | None:
    """The 0-based position, in ascending order, of the `fraction` percentile of `count` values."""
    if count <= 0:
        return None
    return min(count, max(1, math.ceil(fraction * count))) - 1


@dataclass(frozen=True)
class CategoryGap:
    category: str
    pool: int
    pool_share: float | None  # among the pool's recorded categories; None for "not recorded"
    selected: int
    selected_share: float | None
    gap_points: float | None  # selected_share - pool_share, in percentage points
    flagged: bool


def gaps(
    pool: Mapping[str, int], selected: Mapping[str, int], threshold_points: float, min_selected: int
) -> list[CategoryGap]:
    """Each category of either side, most common in the pool first, "not recorded" last and never flagged."""
    pool_recorded = sum(n for c, n in pool.items() if c != NOT_RECORDED)
    selected_recorded = sum(n for c, n in selected.items() if c != NOT_RECORDED)
    judged = selected_recorded >= min_selected and pool_recorded > 0
    rows = []
    for category in sorted(set(pool) | set(selected), key=lambda c: (c == NOT_RECORDED, -pool.get(c, 0), c)):
        p, s = pool.get(category, 0), selected.get(category, 0)
        if category == NOT_RECORDED:
            rows.append(CategoryGap(category, p, None, s, None, None, False))
            continue
        p_share, s_share = share(p, pool_recorded), share(s, selected_recorded)
        # Rounded so that a gap of exactly the threshold is not lost to binary fractions.
        gap = None if p_share is None or s_share is None else round((s_share - p_share) * 100, 9)
        rows.append(CategoryGap(category, p, p_share, s, s_share, gap,
                                judged and gap is not None and abs(gap) >= threshold_points))
    return rows
