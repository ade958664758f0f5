"""An explanation letter as worded sections: what the printable page and the PDF both lay out."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

DAY_FORMAT = "%d/%m/%Y"
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Block:
    """One line of a section: a paragraph ("p"), a list item ("li"), a sub-heading ("h3"),
    or a text recorded from a model ("model"), shown as a quotation and never interpreted."""

    kind: str
    text: str


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Letter:
    letter_id: str
    candidate_id: str
    agency_id: str
    recipient: str
    produced_at: datetime
    as_of: datetime
    suggestion_count: int
    erased: bool
    header: tuple[str, ...]
    sections: tuple[Section, ...] = field(default=())


def day(moment: date | datetime) -> str:
    """The day in France: an event recorded at 23:30 UTC happened the next day for the reader."""
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        moment = moment.astimezone(PARIS)
    return moment.strftime(DAY_FORMAT)


def iso_day(text: str) -> str:
    """A day recorded as text ("2027-01-11"), as the letter writes days (11/01/2027); other text as it is."""
    try:
        return date.fromisoformat(text).strftime(DAY_FORMAT)
    except ValueError:
        return text


def number(value: float | str, places: int | None = None) -> str:
    """A number as a French reader writes it: a decimal comma and a narrow no-break space between
    thousands (9,915 ; 24 000). `places` fixed, or by default as few as the value needs (4,2 ; 10 ;
    0 for 0.0). Text that is not a number is returned as it is."""
    try:
        amount = float(value)
    except ValueError:
        return str(value)
    if not math.isfinite(amount):
        return str(value)
    if places is None:
        places = 0 if amount.is_integer() else len(repr(amount).split(".")[1])
    return f"{amount:,.{places}f}".replace(",", "\u202f").replace(".", ",")
