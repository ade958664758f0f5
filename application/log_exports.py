"""Use case: record that the event log was exported (by whom, which stretch, its signed head)."""
from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from application.caller import Caller
from application.errors import StaleEditError
from domain.log_export import LogExport

if TYPE_CHECKING:
    from application.app import Relais


class LogExportCommands:
    def record_log_export(
        self: Relais, export_id: str, since: str, until: str, count: int, first_sequence: int | None,
        last_sequence: int | None, head: str, key_id: str, caller: Caller,
    ) -> UUID:
        """`since`/`until`: ISO instants, "" when the export is not bounded on that side."""
        caller.require_role("compliance", "admin")
        export = LogExport(
            export_id=export_id, since=since, until=until, count=count, first_sequence=first_sequence or 0,
            last_sequence=last_sequence or 0, head=head, key_id=key_id, provenance=caller.provenance,
            timestamp=self._now(),
        )
        try:
            self._save(export)
        except StaleEditError:
            pass  # already recorded (the same export id): once is enough
        return export.id
