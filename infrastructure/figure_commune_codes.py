"""Migration 0051's step: the oversight figures' communes, stored as labels until session 5, read into INSEE codes.

A label is read as the events' upcasts read it (docs/adr/0005): the gazetteer's `commune_code`, which
knows labels, names stored before and former communes. A label that designates no single commune
cannot be given a code: the person's commune becomes NULL (their selections' category "", not
recorded), and the count is logged so that someone can look. A rebuild of the projection gives the
same rows, since the upcasts read the same labels with the same data.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

from application.ports import Transaction

log = logging.getLogger(__name__)
STEP = "fig_people_commune_codes"
LabelResolver = Callable[[str], "str | None"]


def backfill(tx: Transaction, code_of: LabelResolver) -> int:
    """Fills rm_fig_people.commune_code and turns the selections' and the pool's commune labels into codes.
    Returns how many people were left without a code."""
    codes: dict[str, str | None] = {}

    def code(label: str) -> str | None:
        if label not in codes:
            codes[label] = code_of(label) if label else None
        return codes[label]

    people = [(code(row["commune"]), row["candidate_id"], row["commune"])
              for row in tx.fetchall("SELECT candidate_id, commune FROM rm_fig_people")]
    unresolved = sum(1 for found, _, label in people if found is None and label)
    if people:
        tx.executemany("UPDATE rm_fig_people SET commune_code = ? WHERE candidate_id = ?",
                       [(found, candidate_id) for found, candidate_id, _ in people])
    for row in tx.fetchall("SELECT DISTINCT commune FROM rm_fig_selections WHERE commune <> ''"):
        tx.execute("UPDATE rm_fig_selections SET commune = ? WHERE commune = ?", (code(row["commune"]) or "", row["commune"]))
    _pool_by_code(tx, code)
    if unresolved:
        log.warning("oversight figures: %d job seekers' commune labels designate no single commune; their commune "
                    "is now NULL (not recorded)", unresolved)
    return unresolved


def _pool_by_code(tx: Transaction, code: Callable[[str], str | None]) -> None:
    """Each request's commune counts by code: two labels of one commune (or two unknown ones) add up."""
    rows = tx.fetchall("SELECT * FROM rm_fig_pool WHERE dimension = 'commune' ORDER BY request_id, category")
    merged: dict[tuple[str, str], int] = defaultdict(int)
    request: dict[str, dict] = {}
    for row in rows:
        merged[(row["request_id"], code(row["category"]) or "")] += int(row["people"])
        request[row["request_id"]] = row
    if not rows:
        return
    tx.execute("DELETE FROM rm_fig_pool WHERE dimension = 'commune'")
    tx.executemany(
        "INSERT INTO rm_fig_pool (request_id, dimension, category, people, agency_id, requested_by, model, requested_at) "
        "VALUES (?, 'commune', ?, ?, ?, ?, ?, ?)",
        [(request_id, category, people, request[request_id]["agency_id"], request[request_id]["requested_by"],
          request[request_id]["model"], request[request_id]["requested_at"])
         for (request_id, category), people in sorted(merged.items())],
    )
