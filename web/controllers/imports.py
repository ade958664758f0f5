"""The advisor's CSV imports: job seekers and offers, into the advisor's own agency."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath

from application.csv_table import MAX_BYTES, Column, ImportFileError
from application.import_rows import CANDIDATE_COLUMNS, OFFER_COLUMNS
from web.auth.guards import require_role
from web.auth.identity import caller_of
from web.errors import TOO_LARGE_MESSAGE_OPT
from web.rendering import render, services_of

BASE = "/conseiller/import"
FILE_FIELD = "fichier"
#: Room for the multipart envelope around a file of MAX_BYTES; larger bodies get a 413 page.
MAX_BODY = MAX_BYTES + 64 * 1024
TOO_LARGE = f"Le fichier dépasse {MAX_BYTES // (1024 * 1024)} Mo : découpez-le en plusieurs fichiers, puis importez-les un à un."
SHOWN_ROWS = 500  # lines listed per section of the result page; the counts are always complete


@dataclass(frozen=True)
class ImportKind:
    slug: str
    title: str
    noun: str
    columns: tuple[Column, ...]
    list_url: str


KINDS = {
    "demandeurs": ImportKind(
        "demandeurs", "Demandeurs d'emploi", "demandeurs", CANDIDATE_COLUMNS, "/conseiller/demandeurs"
    ),
    "offres": ImportKind("offres", "Offres", "offres", OFFER_COLUMNS, "/conseiller/offres"),
}


def kind_of(slug: str) -> ImportKind:
    kind = KINDS.get(slug)
    if kind is None:
        raise NotFoundException()
    return kind


class ImportController(Controller):
    path = BASE
    guards = [require_role("advisor")]  # noqa: RUF012 - Litestar's layered attribute

    @get("/")
    async def index(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return self._page(request, {})

    @post(
        "/{slug:str}",
        sync_to_thread=True,
        status_code=200,
        request_max_body_size=MAX_BODY,
        opt={TOO_LARGE_MESSAGE_OPT: TOO_LARGE},
    )
    def upload(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Response[Any]:
        kind = kind_of(slug)
        upload = data.get(FILE_FIELD)
        if isinstance(upload, list):  # the field sent twice: keep the last one
            upload = upload[-1] if upload else None
        if not isinstance(upload, UploadFile):
            return self._page(request, {kind.slug: "Choisissez un fichier CSV à importer."}, status=422)
        content = upload.file.read(MAX_BYTES + 1)
        app = services_of(request).app
        command = app.import_candidates if kind.slug == "demandeurs" else app.import_offers
        try:
            report = command(content, caller_of(request))
        except ImportFileError as error:
            return self._page(request, {kind.slug: error.message}, status=413 if error.too_large else 422)
        finally:
            upload.file.close()
        return render(
            request,
            "imports/result.html",
            {"kind": kind, "report": report, "filename": upload.filename, "shown": SHOWN_ROWS},
        )

    def _page(self, request: Request[Any, Any, Any], errors: dict[str, str], status: int = 200) -> Response[Any]:
        context = {"kinds": list(KINDS.values()), "errors": errors, "max_mb": MAX_BYTES // (1024 * 1024)}
        return render(request, "imports/index.html", context, status=status)
