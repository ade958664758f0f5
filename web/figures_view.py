"""The oversight figures as the auditor's page shows them: French labels, tables, SVG charts."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from application.queries.oversight_figures import Comparison, FigureSettings, OversightFigures
from web import charts
from web.labels import count
from web.reading_figures_view import reading_sections

DIMENSION_LABELS = {
    "age_band": "Tranche d'âge",
    "sex": "Sexe (lorsqu'il est renseigné)",
    "priority_area": "Quartier prioritaire de la ville (QPV)",
    "commune": "Commune de résidence",
}
CATEGORY_LABELS = {
    "age_band": {"<26": "Moins de 26 ans", "26-44": "26 à 44 ans", "45-54": "45 à 54 ans", "55+": "55 ans et plus"},
    "sex": {"F": "Femmes", "M": "Hommes"},
    "priority_area": {"yes": "Réside en QPV", "no": "Ne réside pas en QPV"},
}
SELECTION_LABELS = {"shortlisted": "Personnes retenues (suggestions acceptées et ajouts manuels)",
                    "contacted": "Personnes contactées par SMS (destinataires des envois approuvés)"}
#: How a table column and a chart legend name each kind of selection.
SELECTION_SHORT = {"shortlisted": "Retenus", "contacted": "Contactés"}
NOT_RECORDED_LABEL = "Non renseigné"
MAX_CHART_ROWS = 12  # communes beyond are in the table only


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f} %".replace(".", ",")


def points(value: float | None) -> str:
    if value is None:
        return "—"
    # A gap that rounds to zero is no gap either way: "0,0 pt", never "-0,0" or "+0,0".
    return "0,0 pt" if round(value, 1) == 0 else f"{value:+.1f} pt".replace(".", ",")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s".replace(".", ",")
    if seconds < 3600:
        return f"{seconds / 60:.1f} min".replace(".", ",")
    return f"{seconds / 3600:.1f} h".replace(".", ",")


CommuneLabel = Callable[[str], str]


def commune_label_with(gazetteer: Any) -> CommuneLabel:
    """Communes are counted by INSEE code: shown by today's label ("Saint-Denis (93)"), or by the code
    itself when the data no longer knows it."""
    return lambda code: gazetteer.today(code).label or code


def category_label(dimension: str, category: str, commune_label: CommuneLabel = str) -> str:
    if not category:
        return NOT_RECORDED_LABEL
    if dimension == "commune":
        return commune_label(category)
    return CATEGORY_LABELS.get(dimension, {}).get(category, category)


@dataclass(frozen=True)
class ComparisonView:
    dimension: str
    title: str
    selection: str
    short: str
    comparison: Comparison
    chart: Markup
    rows: list[dict[str, Any]]


def comparison_view(c: Comparison, index: int, commune_label: CommuneLabel = str) -> ComparisonView:
    title = DIMENSION_LABELS.get(c.dimension, c.dimension)
    selection = SELECTION_LABELS.get(c.selection, c.selection)
    short = SELECTION_SHORT.get(c.selection, c.selection)
    rows = [{
        "label": category_label(c.dimension, r.category, commune_label), "pool": r.pool, "pool_share": percent(r.pool_share),
        "selected": r.selected, "selected_share": percent(r.selected_share), "gap": points(r.gap_points),
        "flagged": r.flagged,
    } for r in c.rows]
    charted = [r for r in c.rows if r.category][:MAX_CHART_ROWS]
    flagged = [category_label(c.dimension, r.category, commune_label) for r in c.flagged]
    pool = count(c.pool_total, "personne-demande", "personnes-demandes")
    description = (
        f"Part de chaque catégorie dans le vivier éligible ({pool}) et parmi les "
        f"{short.lower()} ({c.selected_total}), parmi les valeurs renseignées. "
        + (f"Écart signalé : {', '.join(flagged)}." if flagged else "Aucun écart signalé.")
    )
    chart = charts.paired_shares(
        f"chart-{index}-{c.dimension}", f"{title} : vivier éligible et {short.lower()}", description,
        [(category_label(c.dimension, r.category, commune_label), r.pool_share, r.selected_share, r.flagged) for r in charted],
        ("Vivier éligible", short),
    )
    return ComparisonView(c.dimension, title, selection, short, c, chart, rows)


def page_sections(figures: OversightFigures, settings: FigureSettings, commune_label: CommuneLabel = str) -> dict[str, Any]:
    d, t = figures.decisions, figures.times
    counts = [("Suggestions produites", d.produced), ("Acceptées", d.accepted), ("Refusées", d.rejected),
              ("Ajoutées à la main", d.added_manually)]
    return {
        "counts": counts,
        "counts_chart": charts.bars(
            "chart-decisions", "Suggestions et décisions",
            "; ".join(f"{label} : {n}" for label, n in counts) + ".", counts),
        "override_rate": percent(d.override_rate),
        "times": {
            "decided": t.decided, "p10": duration(t.p10_seconds), "median": duration(t.median_seconds),
            "long_list_decided": t.long_list_decided, "quick": t.quick_on_long_lists, "quick_share": percent(t.quick_share),
        },
        "times_chart": charts.bars(
            "chart-times", "Délai entre la suggestion et la décision",
            "; ".join(f"{label} : {count(n, 'décision')}" for label, n in t.buckets) + ".", t.buckets),
        "buckets": t.buckets,
        "comparisons": [comparison_view(c, i, commune_label) for i, c in enumerate(figures.comparisons)],
        "selections": [(s, SELECTION_LABELS.get(s, s)) for s in dict.fromkeys(c.selection for c in figures.comparisons)],
        "flag_count": sum(len(c.flagged) for c in figures.comparisons),
        **reading_sections(figures.readings, percent),
    }
