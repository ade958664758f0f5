"""What `relais verify-log` and the auditors' integrity page report: the kinds of problem, the first one
found, and the heads kept outside the database that the chain must lead to (infrastructure/log_verifier.py)."""
from __future__ import annotations

from dataclasses import dataclass, replace

from infrastructure.log_chain import Checkpoint

#: Kinds of problem, with the French label shown to auditors.
PROBLEMS = {
    "changed": "enregistrement modifié",
    "deleted": "enregistrement supprimé",
    "inserted": "enregistrement inséré",
    "reordered": "enregistrement déplacé (ordre changé)",
    "checkpoint_signature": "signature de point de contrôle invalide",
    "checkpoint_missing": "point de contrôle manquant ou modifié",
    "checkpoints_deleted": "points de contrôle supprimés de la base (la marque tenue hors base va plus loin)",
    "head_mismatch": "la chaîne ne mène plus à l'empreinte de tête attendue",
    "mark_missing": "marque de scellement tenue hors base absente ou illisible",
}


@dataclass(frozen=True)
class ExpectedHead:
    """A head kept outside the database: the chain over the records up to `notification_id` must lead to it."""

    notification_id: int
    head: bytes
    source: str  # the head, named in the report: "the head given with --expect-head", "the head in the high-water mark <path>"

    @classmethod
    def parse(cls, text: str) -> ExpectedHead:
        """From "ID:HEX", as verify-log prints it; ValueError when malformed."""
        ident, _, digest = text.strip().partition(":")
        head = bytes.fromhex(digest) if len(digest) == 64 else b""
        if not ident.isdigit() or len(head) != 32:
            raise ValueError(f"expected NOTIFICATION_ID:HEAD (a number, a colon, 64 hex digits), got {text!r}")
        return cls(int(ident), head, "the head given with --expect-head")


@dataclass(frozen=True)
class LogProblem:
    kind: str
    notification_id: int | None  # the first bad record; None when it cannot be named (its checkpoints are gone)
    detail: str

    @property
    def label(self) -> str:
        return PROBLEMS[self.kind]


@dataclass(frozen=True)
class IntegrityReport:
    records: int  # records walked
    checkpoints: int  # checkpoints verified
    anchored_upto: int  # last notification id covered by a verified checkpoint (0: none)
    unanchored: int  # records after the last checkpoint: chained, not yet signed
    head: str  # the chain head over every record walked (hex)
    problem: LogProblem | None = None
    head_id: int = 0  # the last record walked: `head` is the chain head after it

    @property
    def ok(self) -> bool:
        return self.problem is None

    def after_sealing(self, written: list[Checkpoint]) -> IntegrityReport:
        """The report as it stands once `written` (sealed right after this clean check) are counted."""
        if not written:
            return self
        sealed = sum(checkpoint.count for checkpoint in written)
        last = written[-1]
        unanchored = max(0, self.unanchored - sealed)
        records = self.records + max(0, sealed - self.unanchored)  # records added since the walk, sealed too
        head, head_id = (last.head.hex(), last.last_id) if unanchored == 0 else (self.head, self.head_id)
        return replace(self, records=records, checkpoints=self.checkpoints + len(written), anchored_upto=last.last_id,
                       unanchored=unanchored, head=head, head_id=head_id)
