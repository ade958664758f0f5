"""Use case: record that the event log was exported (by whom, which stretch, its signed head)."""
from __future__ import annotations

from collections.abc import Callable
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
        last_sequence: int | None, head: str, key_id: str, caller: Caller, log_integrity: str = "",
        alongside: Callable[[], object] | None = None,
    ) -> UUID:
        """`since`/`until`: ISO instants, "" when the export is not bounded on that side.

        `alongside`: a write made in the same unit of work as the `LogExport.Made` event (the export's
        row, which the next export reads its `previous_head` from): both commit, or neither (review
        finding 4, session 6; docs/adr/0014)."""
        caller.require_role("compliance", "admin")
        export = LogExport(
            export_id=export_id, since=since, until=until, count=count, first_sequence=first_sequence or 0,
            last_sequence=last_sequence or 0, head=head, key_id=key_id, provenance=caller.provenance,
            timestamp=self._now(), log_integrity=log_integrity,
        )
        try:
            with self.unit_of_work():
                self._save(export, joining=True)  # any failure fails this unit of work whole
                if alongside is not None:
                    alongside()
        except StaleEditError:
            pass  # already recorded (the same export id), with its row: once is enough
        return export.id
