"""Explanation letters: the printable page and the PDF of a letter already produced."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from infrastructure.letter_pdf import letter_pdf
from web.auth.guards import require_role
from web.auth.identity import caller_of
from web.controllers.compliance import letters
from web.controllers.support import parse_id
from web.rendering import render


class LetterController(Controller):
    path = "/conformite/lettres"
    guards = [require_role("compliance")]  # noqa: RUF012 - Litestar's layered attribute

    @get("/{letter_id:str}", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], letter_id: FromPath[str]) -> Response[Any]:
        letter = letters(request).compose(caller_of(request), parse_id(letter_id))
        return render(request, "compliance/letter.html", {"letter": letter})

    @get("/{letter_id:str}/pdf", sync_to_thread=True)
    def pdf(self, request: Request[Any, Any, Any], letter_id: FromPath[str]) -> Response[bytes]:
        letter = letters(request).compose(caller_of(request), parse_id(letter_id))
        return Response(
            content=letter_pdf(letter),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="lettre-explication-{letter.letter_id}.pdf"'},
        )
