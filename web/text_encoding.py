"""Text no browser sends: bytes that are not UTF-8, or a NUL character, in a form or in an address.

Litestar decodes them with replacement characters, so "\\xed\\xa0\\x80" would be stored as "���" and
shown as such for good. A browser always encodes what a person types in the page's charset (UTF-8),
so such bytes come from a tool or a forgery: the request is refused whole (400, a French page) before
any handler reads it, and nothing is recorded (docs/adr/0022). A NUL is refused the same way: nobody
types one, PostgreSQL's text cannot hold it (a search with one was a 500 there), and SQLite's LIKE
stops reading at it (review 9, finding 1).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import unquote_to_bytes

from litestar import Request

from web.errors import BadRequestError

URL_ENCODED_FORM = "application/x-www-form-urlencoded"
BAD_ADDRESS = "L'adresse contient des caractères illisibles (encodage UTF-8 invalide ou caractère nul) : corrigez-la ou repartez du menu."
BAD_FORM = (
    "Le formulaire contient des caractères illisibles (encodage UTF-8 invalide ou caractère nul) : rien n'a été enregistré. "
    "Rechargez la page et saisissez le texte à nouveau."
)


def is_readable(encoded: bytes) -> bool:
    """Whether URL-encoded text (`a=%C3%A9&b=x`) decodes to UTF-8 without replacement, and holds no NUL."""
    raw = unquote_to_bytes(encoded.replace(b"+", b" "))
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in raw


async def refuse_undecodable_text(request: Request[Any, Any, Any]) -> None:
    """A `before_request` hook: the address and a URL-encoded form body must be UTF-8."""
    if not is_readable(request.scope.get("query_string", b"")):
        raise BadRequestError(BAD_ADDRESS)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == URL_ENCODED_FORM and not is_readable(await request.body()):
        raise BadRequestError(BAD_FORM)
