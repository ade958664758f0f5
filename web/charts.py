"""Server-drawn SVG bar charts: no script, no dependency, readable by screen readers.

Each chart is an `<svg role="img">` with a `<title>` and a `<desc>` (its text alternative)
referenced by `aria-labelledby`; pages put the same numbers in a table beside it. Every text
is escaped here: labels may come from stored data (commune names, model names).
"""
from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH = 560
LABEL_WIDTH = 170
BAR_AREA = WIDTH - LABEL_WIDTH - 60
BAR = 14
GAP = 10


def _frame(chart_id: str, title: str, description: str, height: int, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" id="{escape(chart_id)}" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>'
        + "".join(body) + "</svg>"
    )


def _label(y: float, text: str, css: str = "chart-label") -> str:
    return f'<text class="{css}" x="{LABEL_WIDTH - 8}" y="{y:.1f}" text-anchor="end" dominant-baseline="middle">{escape(text)}</text>'


def bars(chart_id: str, title: str, description: str, rows: Sequence[tuple[str, int]]) -> Markup:
    """One bar per (label, count), scaled to the largest count."""
    top = max((n for _, n in rows), default=0) or 1
    body, y = [], GAP
    for label, n in rows:
        width = BAR_AREA * n / top
        body.append(_label(y + BAR / 2, label))
        body.append(f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR}" fill="#1e6fb9"/>')
        body.append(f'<text class="chart-value" x="{LABEL_WIDTH + width + 6:.1f}" y="{y + BAR / 2:.1f}" '
                    f'dominant-baseline="middle">{n}</text>')
        y += BAR + GAP
    return _frame(chart_id, title, description, y + GAP, body)


def paired_shares(
    chart_id: str, title: str, description: str, rows: Sequence[tuple[str, float | None, float | None, bool]],
    legend: tuple[str, str],
) -> Markup:
    """Two bars per category, (label, first share, second share, flagged), shares from 0 to 1 on one scale.

    A flagged category's label is marked with "⚠" and drawn in the warning class, so the flag
    does not rest on colour alone.
    """
    body, y = [], GAP
    for index, name in enumerate(legend):
        x = LABEL_WIDTH + index * 170
        body.append(f'<rect class="chart-{"pool" if index == 0 else "selected"}" x="{x}" y="{y}" width="{BAR}" '
                    f'height="{BAR}" fill="{"#9aa5b1" if index == 0 else "#1e6fb9"}"/>')
        body.append(f'<text class="chart-legend" x="{x + BAR + 6}" y="{y + BAR / 2:.1f}" dominant-baseline="middle">'
                    f'{escape(name)}</text>')
    y += BAR + 2 * GAP
    for label, first, second, flagged in rows:
        body.append(_label(y + BAR, ("⚠ " if flagged else "") + label,
                           "chart-label chart-flag" if flagged else "chart-label"))
        for offset, (kind, value, fill) in enumerate((("pool", first, "#9aa5b1"), ("selected", second, "#1e6fb9"))):
            width = BAR_AREA * (value or 0)
            top = y + offset * BAR
            body.append(f'<rect class="chart-{kind}" x="{LABEL_WIDTH}" y="{top}" width="{width:.1f}" height="{BAR}" '
                        f'fill="{fill}"/>')
            text = "—" if value is None else f"{value * 100:.0f} %"
            body.append(f'<text class="chart-value" x="{LABEL_WIDTH + width + 6:.1f}" y="{top + BAR / 2:.1f}" '
                        f'dominant-baseline="middle">{text}</text>')
        y += 2 * BAR + GAP
    return _frame(chart_id, title, description, y + GAP, body)


def shares(chart_id: str, title: str, description: str, rows: Sequence[tuple[str, float | None]]) -> Markup:
    """One bar per (label, share from 0 to 1), on a fixed 0–100 % scale; "—" when the share is unknown."""
    body, y = [], GAP
    for label, value in rows:
        width = BAR_AREA * (value or 0)
        body.append(_label(y + BAR / 2, label))
        body.append(f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR}" fill="#1e6fb9"/>')
        text = "—" if value is None else f"{value * 100:.0f} %"
        body.append(f'<text class="chart-value" x="{LABEL_WIDTH + width + 6:.1f}" y="{y + BAR / 2:.1f}" '
                    f'dominant-baseline="middle">{text}</text>')
        y += BAR + GAP
    return _frame(chart_id, title, description, y + GAP, body)
