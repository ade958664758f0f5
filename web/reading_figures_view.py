"""The corrections of the AI's readings of SMS replies, as the auditor's figures page shows them."""
from __future__ import annotations

from typing import Any

from application.queries.reading_figures import ReadingFigures, ReadingTally
from application.reply_reading import LOW_CONFIDENCE
from web import charts
from web.labels import count

LOW_LABEL = f"Confiance faible (moins de {LOW_CONFIDENCE * 100:.0f} %)"
OTHER_LABEL = "Autres lectures"


def _row(label: str, tally: ReadingTally, percent: Any) -> dict[str, Any]:
    return {"label": label, "read": tally.read, "corrected": tally.corrected, "confirmed": tally.confirmed,
            "rate": percent(tally.correction_rate)}


def reading_sections(readings: ReadingFigures, percent: Any) -> dict[str, Any]:
    """Tables (overall, by confidence, per model) and one chart of the correction rates."""
    groups = [("Toutes les lectures", readings.total), (LOW_LABEL, readings.low_confidence),
              (OTHER_LABEL, readings.other_confidence),
              *((model or "Modèle non enregistré", tally) for model, tally in readings.by_model)]
    rows = [_row(label, tally, percent) for label, tally in groups]
    description = "; ".join(
        f"{r['label']} : {count(r['corrected'], 'lecture corrigée', 'lectures corrigées')} sur {r['read']}, "
        f"soit {r['rate']}" for r in rows) + "."
    chart = charts.shares("chart-readings", "Taux de correction des lectures de réponses SMS par l'IA", description,
                          [(label, tally.correction_rate) for label, tally in groups])
    return {"readings": {"total": rows[0], "by_confidence": rows[1:3], "by_model": rows[3:], "chart": chart}}
