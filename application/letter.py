"""An explanation letter as worded sections: what the printable page and the PDF both lay out."""
from __future__ import annotations

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
