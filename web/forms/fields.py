"""Reading single fields of a submitted form."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

MAX_FIELD_LENGTH = 10_000
#: What a ticked checkbox sends (its `value`).
CHECKED = "on"
SPLIT_CODES = re.compile(r"[\s,;]+")
SPLIT_LIST = re.compile(r"[,;\n]+")


class FieldError(ValueError):
    """One field could not be read; the message is French and shown beside it."""


@dataclass
class Form:
    """What was typed, and what is wrong with it, field by field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors

    def text(self, data: Mapping[str, Any], name: str) -> str:
        raw = data.get(name, "")
        if isinstance(raw, list):  # a field sent twice: keep the last one
            raw = raw[-1] if raw else ""
        value = str(raw).replace("\r\n", "\n")[:MAX_FIELD_LENGTH]
        self.values[name] = value
        return value.strip()

    def checkbox(self, data: Mapping[str, Any], name: str) -> bool:
        """Ticked only if it sends its own value ("on", as `_macros.html` renders it). Anything else is an
        error, never a tick: a box may record a consent, and "maybe" is not one."""
        value = self.text(data, name)
        if value not in ("", CHECKED):
            self.errors[name] = "Valeur inattendue pour cette case : cochez-la ou laissez-la vide."
        self.values[name] = CHECKED if value == CHECKED else ""
        return value == CHECKED

    def read(self, data: Mapping[str, Any], name: str, parse: Callable[[str], Any], default: Any) -> Any:
        """Parse a field; on failure record the error and return `default` (a placeholder)."""
        try:
            return parse(self.text(data, name))
        except FieldError as error:
            self.errors[name] = str(error)
            return default

    def version(self) -> int | None:
        """The aggregate version the form was opened on (optimistic concurrency)."""
        try:
            return int(self.values.get("version", ""))
        except ValueError:
            return None

    def add_errors(self, errors: Mapping[str, str]) -> None:
        """Errors from the application; a field's own reading error is kept first."""
        for name, message in errors.items():
            self.errors.setdefault(name, message)


def integer(label: str, unit: str = "") -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text:
            raise FieldError(f"{label} est obligatoire.")
        cleaned = text.replace(" ", "").replace("\u202f", "").replace("\u00a0", "")
        if not re.fullmatch(r"-?[0-9]{1,9}", cleaned):
            raise FieldError(f"{label} doit être un nombre entier{unit}.")
        return int(cleaned)

    return parse


def french_or_iso_date(label: str) -> Callable[[str], date]:
    """AAAA-MM-JJ (what a date input sends) or JJ/MM/AAAA (typed by hand)."""

    def parse(text: str) -> date:
        if not text:
            raise FieldError(f"{label} est obligatoire.")
        for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise FieldError(f"{label} n'est pas une date valide (JJ/MM/AAAA).")

    return parse


def codes(text: str) -> tuple[str, ...]:
    return tuple(c for c in SPLIT_CODES.split(text) if c)


def items(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in SPLIT_LIST.split(text) if s.strip())
