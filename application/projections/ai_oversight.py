"""The state of the AI switch as the admin page and the advisors' pages show it (`rm_ai_oversight`)."""
from __future__ import annotations

from typing import Any

from application.ports import Transaction
from application.projections.rows import insert_row, update_row
from domain.ai_oversight import AiOversight


class AiOversightProjection:
    name = "ai_oversight"
    topics = ("domain.ai_oversight:",)

    def reset(self, tx: Transaction) -> None:
        tx.execute("DELETE FROM rm_ai_oversight")

    def apply(self, event: Any, tx: Transaction) -> None:
        if isinstance(event, AiOversight.Installed):
            insert_row(tx, "rm_ai_oversight", event, {
                "enabled": 1, "reason_code": "", "reason_text": "", "actor_id": event.provenance.actor_id,
            })
        elif isinstance(event, AiOversight.SwitchedOn | AiOversight.SwitchedOff):
            update_row(tx, "rm_ai_oversight", event, {
                "enabled": int(isinstance(event, AiOversight.SwitchedOn)),
                "reason_code": event.reason.code,
                "reason_text": event.reason_text.value if event.reason_text else "",
                "actor_id": event.provenance.actor_id,
            })
