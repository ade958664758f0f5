"""`rm_audit_searches`: the auditors' page views that carried a search, and the day key sealing each.

Ids and dates only. When a person is erased, these rows say which recorded searches may name them
(docs/adr/0015): only those are opened and read, not every page view in the log.
"""
from __future__ import annotations

from typing import Any

from application.ports import Transaction
from domain.audit_access import AuditAccess


class AuditSearchProjection:
    name = "audit_searches"
    topics = ("domain.audit_access:AuditAccess.PageOpened",)

    def reset(self, tx: Transaction) -> None:
        tx.execute("DELETE FROM rm_audit_searches")

    def apply(self, event: Any, tx: Transaction) -> None:
        if not isinstance(event, AuditAccess.PageOpened) or event.query is None:
            return
        tx.execute(
            "INSERT INTO rm_audit_searches (access_id, key_subject, opened_at) VALUES (?, ?, ?) "
            "ON CONFLICT (access_id) DO NOTHING",
            (str(event.originator_id), event.query.subject_id, event.timestamp.isoformat()),
        )
