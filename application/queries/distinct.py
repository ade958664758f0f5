"""DISTINCT by index seeks (a "loose index scan"), for SQLite and PostgreSQL alike.

A plain SELECT DISTINCT reads every row of the index (PostgreSQL 15 has no skip scan); this query seeks
the next value above the last one found, once per distinct value: a few dozen seeks for a column with a
few dozen values, whatever the table's size. The column must lead an index of the table.
"""
from __future__ import annotations


def distinct_values(table: str, column: str) -> str:
    """The query that lists `column`'s values in `table`, in order, NULL left out. Names from code only."""
    return (
        f"WITH RECURSIVE seen(value) AS (SELECT MIN({column}) FROM {table} UNION ALL "
        f"SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > seen.value) FROM seen "
        f"WHERE seen.value IS NOT NULL) SELECT value AS {column} FROM seen WHERE value IS NOT NULL"
    )
