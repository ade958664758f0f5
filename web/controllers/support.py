"""Small helpers shared by the controllers: ids, paging, and running a command on a form."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from litestar import Request
from litestar.exceptions import NotFoundException

from application.errors import (
    DomainError,
    DuplicateError,
    InvalidReasonError,
    InvalidValueError,
    StaleEditError,
)
from web.errors import STALE_EDIT, BadRequestError, sentence
from web.forms.fields import Form

T = TypeVar("T")
MAX_QUERY_LENGTH = 200
FORM_ERROR = "form"


def parse_id(raw: str) -> UUID:
    """A record id from the URL; anything that is not a UUID is simply not found."""
    try:
        return UUID(raw)
    except (ValueError, TypeError):
        raise NotFoundException() from None


def page_number(request: Request[Any, Any, Any]) -> int:
    raw = request.query_params.get("page", "1").strip() or "1"
    if not raw.isdigit() or len(raw) > 6 or int(raw) < 1:
        raise BadRequestError("Le numéro de page doit être un nombre entier positif.")
    return int(raw)


#: Control characters (NUL, ESC, DEL, C1...): nothing a person searches for, and never echoed into a page.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f]")


def query_text(request: Request[Any, Any, Any]) -> str:
    """The search text, without control characters (a pasted tab or a forged NUL) and bounded."""
    return CONTROL_CHARACTERS.sub(" ", request.query_params.get("q", "")).strip()[:MAX_QUERY_LENGTH]


def attempt(form: Form, command: Callable[[], T]) -> tuple[T | None, int]:
    """Run a command for a form: (result, 0), or (None, status) with the errors put on the form.

    Nothing is saved when a command raises: the aggregate is saved last, atomically.
    """
    try:
        return command(), 0
    except InvalidValueError as error:
        form.add_errors(error.errors)
        return None, 422
    except DuplicateError as error:
        form.add_errors(error.errors)
        return None, 409
    except StaleEditError:
        form.errors[FORM_ERROR] = STALE_EDIT
        return None, 409
    except InvalidReasonError as error:
        form.errors.setdefault("reason", sentence(str(error)))
        return None, 422
    except DomainError as error:  # a rule of the record's state: closed offer, erased person, last admin...
        # Beside the field the rule is about, when it names one (e.g. the role of the last administrator).
        form.errors[getattr(error, "field", FORM_ERROR)] = sentence(str(error))
        return None, 409
