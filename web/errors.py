"""Exception handlers: every error answers a French page (or fragment) with the right status."""
from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from eventsourcing.persistence import MapperDeserialisationError
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from application.errors import (
    AccessDeniedError,
    DomainError,
    DuplicateError,
    InvalidValueError,
    NotFoundError,
    StaleEditError,
    SuggestionAlreadyDecidedError,
    UnknownSuggestionError,
)
from web.auth.identity import request_id
from web.rendering import render

log = logging.getLogger(__name__)


class BadRequestError(Exception):
    """Malformed input in the address (a page number, a parameter); the message is French."""


#: A second decision on the same suggestion (e.g. a double click on "Accepter"): nothing is recorded.
ALREADY_DECIDED = "Cette suggestion a déjà été traitée."
STALE_EDIT = "Cette fiche a été modifiée entre-temps : rechargez la page."
#: A route's own message for a 413 (e.g. the import page names its file size limit).
TOO_LARGE_MESSAGE_OPT = "too_large_message"
CSRF_FAILED = (
    "Le jeton de sécurité du formulaire est absent ou périmé. "
    "Rechargez la page, puis recommencez."
)
TITLES = {
    400: "Requête incorrecte",
    401: "Connexion requise",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Action non permise",
    409: "Conflit",
    413: "Requête trop volumineuse",
    422: "Données invalides",
    429: "Trop de tentatives",
    500: "Erreur interne",
}
MESSAGES = {
    400: "La requête est mal formée.",
    403: "Cette page n'est pas accessible avec votre rôle.",
    404: "Cette page ou cette fiche n'existe pas, ou vous n'y avez pas accès.",
    405: "Cette action n'est pas permise à cette adresse.",
    413: "La requête est trop volumineuse.",
}


def error_page(
    request: Request[Any, Any, Any],
    status: int,
    message: str | None = None,
    details: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    context = {
        "status": status,
        "title": TITLES.get(status, "Erreur"),
        "message": message or MESSAGES.get(status, "La demande n'a pas pu aboutir."),
        "details": details or [],
        "request_id": request_id(request.scope),
    }
    return render(request, "errors/error.html", context, partial="errors/_error.html", status=status, headers=headers)


def sign_in_required(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    if request.headers.get("hx-request") == "true":
        return Response(content=b"", status_code=401, headers={"HX-Redirect": "/connexion"})
    target = "/connexion"
    if request.method == "GET" and request.url.path not in ("/", "/connexion"):
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target += "?suivant=" + quote(wanted, safe="")
    return Redirect(path=target, status_code=303)


def forbidden(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, PermissionDeniedException) and "CSRF" in str(exc.detail):
        return error_page(request, 403, CSRF_FAILED)
    return error_page(request, 403)


def not_found(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    return error_page(request, 404)


def stale(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    return error_page(request, 409, STALE_EDIT)


def already_decided(request: Request[Any, Any, Any], exc: SuggestionAlreadyDecidedError) -> Response[Any]:
    return error_page(request, 409, ALREADY_DECIDED, [sentence(str(exc))])


def duplicate(request: Request[Any, Any, Any], exc: DuplicateError) -> Response[Any]:
    return error_page(request, 409, str(exc))


def invalid(request: Request[Any, Any, Any], exc: InvalidValueError) -> Response[Any]:
    return error_page(request, 422, "Certaines valeurs ne sont pas acceptables.", list(exc.errors.values()))


def domain_rule(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    return error_page(request, 409, sentence(str(exc)))


def bad_request(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return error_page(request, 400, str(exc) if isinstance(exc, BadRequestError) else None)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status >= 500:
        log.error("HTTP %s on %s %s", status, request.method, request.url.path, exc_info=exc)
    message = None
    if status == 413 and "route_handler" in request.scope:
        message = request.route_handler.opt.get(TOO_LARGE_MESSAGE_OPT)
    return error_page(request, status, message, headers=exc.headers or None)


#: A page whose aggregate holds a stored record that no longer decodes (altered in the database).
UNREADABLE_RECORD = (
    "Un enregistrement du journal concernant cette fiche est illisible : il a très probablement été modifié "
    "directement dans la base de données. Rien n'a été enregistré. La page « Intégrité du journal » le nomme ; "
    "prévenez l'administrateur, qui peut le restaurer depuis une sauvegarde."
)


def unreadable_record(request: Request[Any, Any, Any], exc: MapperDeserialisationError) -> Response[Any]:
    # Not a fault of the code, nor the user's: the log was altered. Said plainly (409), logged for the operator.
    log.error("a stored record does not decode on %s %s (request %s): %s", request.method, request.url.path,
              request_id(request.scope), exc)
    return error_page(request, 409, UNREADABLE_RECORD)


def unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error(
        "unexpected error on %s %s (request %s)", request.method, request.url.path, request_id(request.scope),
        exc_info=exc,
    )
    return error_page(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "Une erreur inattendue s'est produite. Si elle se répète, donnez cette référence à l'assistance : "
        + request_id(request.scope),
    )


def sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


EXCEPTION_HANDLERS: dict[Any, Any] = {
    NotAuthorizedException: sign_in_required,
    PermissionDeniedException: forbidden,
    AccessDeniedError: forbidden,
    NotFoundException: not_found,
    NotFoundError: not_found,
    StaleEditError: stale,
    SuggestionAlreadyDecidedError: already_decided,
    UnknownSuggestionError: not_found,
    DuplicateError: duplicate,
    InvalidValueError: invalid,
    DomainError: domain_rule,
    MapperDeserialisationError: unreadable_record,
    ValidationException: bad_request,
    BadRequestError: bad_request,
    HTTPException: http_error,
    Exception: unexpected,
}

__all__ = [
    "ALREADY_DECIDED",
    "CSRF_FAILED",
    "EXCEPTION_HANDLERS",
    "STALE_EDIT",
    "TOO_LARGE_MESSAGE_OPT",
    "BadRequestError",
    "error_page",
    "sentence",
]
