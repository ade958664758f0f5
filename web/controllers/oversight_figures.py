"""The auditors' oversight figures page: what advisors did with the model's suggestions (issue 5, item 4)."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from application.queries.oversight_figures import FigureSettings, OversightFigureQueries
from web.auth.guards import require_role
from web.auth.identity import caller_of
from web.figures_view import commune_label_with, page_sections
from web.forms.figures_filter import FigureFilterForm
from web.rendering import render, services_of

BASE = "/audit/indicateurs"


class OversightFiguresController(Controller):
    path = BASE
    guards = [require_role("auditor")]  # noqa: RUF012 - Litestar's layered attribute

    @get("/", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any]) -> Template:
        services = services_of(request)
        caller = caller_of(request)
        queries = OversightFigureQueries(services.database)
        choices = queries.choices(caller)
        form = FigureFilterForm.parse(request.query_params, choices)
        s = services.settings
        settings = FigureSettings(s.figures_gap_points, s.figures_min_selected, s.figures_quick_seconds,
                                  s.figures_long_list)
        context: dict[str, Any] = {
            "form": form, "settings": settings, "base_url": BASE,
            "agency_options": [("", "Toutes les agences"), *((a, a) for a in choices.agencies)],
            "advisor_options": [("", "Tous les conseillers"), *choices.advisors],
            "model_options": [("", "Tous les modèles"), *((m, m) for m in choices.models)],
        }
        if form.figure_filter is None:
            return render(request, "audit/figures.html", context, partial="audit/_figures.html", status=400,
                          headers={"Cache-Control": "no-store"})
        context.update(page_sections(queries.figures(caller, form.figure_filter, settings), settings,
                                     commune_label_with(services.gazetteer)))
        return render(request, "audit/figures.html", context, partial="audit/_figures.html",
                      headers={"Cache-Control": "no-store"})
