"""Whether the AI is switched on, and who last switched it, from the read model."""
from __future__ import annotations

from dataclasses import dataclass

from application.ports import Database


@dataclass(frozen=True)
class AiStatus:
    enabled: bool
    reason_code: str = ""
    reason_text: str = ""
    actor_id: str = ""
    changed_at: str = ""


class OversightQueries:
    def __init__(self, database: Database) -> None:
        self.database = database

    def status(self) -> AiStatus:
        with self.database.read() as tx:
            row = tx.fetchone("SELECT * FROM rm_ai_oversight")
        if row is None:
            return AiStatus(enabled=True)  # never switched: the AI is on
        return AiStatus(bool(row["enabled"]), row["reason_code"], row["reason_text"], row["actor_id"], row["updated_at"])
