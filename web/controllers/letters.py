"""Explanation letters: the printable page and the PDF of a letter already produced."""
from __future__ import annotations

import logging
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from infrastructure.letter_pdf import LetterFontMissingError, letter_pdf
from web.auth.guards import require_role
from web.auth.identity import caller_of
from web.controllers.compliance import letters
from web.controllers.support import parse_id
from web.errors import error_page
from web.rendering import render

log = logging.getLogger(__name__)


class LetterController(Controller):
    path = "/conformite/lettres"
    guards = [require_role("compliance")]  # noqa: RUF012 - Litestar's layered attribute

    @get("/{letter_id:str}", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], letter_id: FromPath[str]) -> Response[Any]:
        letter = letters(request).compose(caller_of(request), parse_id(letter_id))
        return render(request, "compliance/letter.html", {"letter": letter})

    @get("/{letter_id:str}/pdf", sync_to_thread=True)
    def pdf(self, request: Request[Any, Any, Any], letter_id: FromPath[str]) -> Response[Any]:
        letter = letters(request).compose(caller_of(request), parse_id(letter_id))
        try:
            content = letter_pdf(letter)
        except LetterFontMissingError:
            log.error("explanation letter PDF: the DejaVu fonts are missing (apt-get install fonts-dejavu-core)")
            return error_page(request, 503, "Le PDF ne peut pas être produit : la police qu'il embarque n'est pas "
                                            "installée sur le serveur. La lettre reste disponible à imprimer.")
        return Response(
            content=content,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="lettre-explication-{letter.letter_id}.pdf"'},
        )
