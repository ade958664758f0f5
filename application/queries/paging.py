"""A page of results, as list pages show them."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from application.ports import Database, Row
from application.projections.text import search_key

T = TypeVar("T")
PAGE_SIZE = 20


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def clamp_page(number: int) -> int:
    return max(1, min(number, 100_000))


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_agency_table(
    database: Database,
    table: str,
    agency_id: str,
    text: str,
    order_by: str,
    page: int,
    size: int,
    from_row: Callable[[Row], T],
    columns: str = "*",
) -> Page[T]:
    """One page of an agency's rows whose search key holds every word of `text` (`columns` of them)."""
    page = clamp_page(page)
    where = "agency_id = ?"
    params: list[object] = [agency_id]
    for word in search_key(text).split()[:6]:
        where += " AND search_text LIKE ? ESCAPE '\\'"
        params.append(like_pattern(word))
    with database.read() as tx:
        total_row = tx.fetchone(f"SELECT COUNT(*) AS n FROM {table} WHERE {where}", params)
        rows = tx.fetchall(
            f"SELECT {columns} FROM {table} WHERE {where} ORDER BY {order_by} LIMIT ? OFFSET ?",
            (*params, size, (page - 1) * size),
        )
    total = int(total_row["n"]) if total_row else 0
    return Page([from_row(r) for r in rows], total, page, size)
