"""The high-water mark's side of a verification (docs/adr/0014, "the high-water mark"): reading it, writing
the first one for a log sealed before marks existed, and what it means when it is missing or when the
database's checkpoints end before it."""
from __future__ import annotations

from infrastructure.log_chain import Checkpoint
from infrastructure.log_mark import LogMark, LogMarkError, Mark
from infrastructure.log_report import IntegrityReport, LogProblem


class MarkCheck:
    def __init__(self, file: LogMark) -> None:
        self.file = file

    def read(self) -> tuple[Mark | None, LogProblem | None]:
        """The mark, or the problem of not finding it."""
        try:
            return self.file.read(), None
        except LogMarkError as error:
            return None, LogProblem("mark_missing", None, f"{error}: it should name the last checkpoint sealed. "
                                    "Restore it from a backup, or after an investigation see `relais verify-log "
                                    "--new-mark` (docs/adr/0014)")

    def first_mark(self, latest: Checkpoint | None, clean: bool) -> LogProblem | None:
        """No mark file. With checkpoints: when the database records that no mark was ever written (a log
        sealed by an older version) and the folder holds no mark at all, the first mark is written now,
        after this clean verification; otherwise the mark is missing. Without checkpoints: a new log,
        unless the folder holds marks while the database records no mark id (both deleted by SQL)."""
        if latest is None:
            others = self.file.files() if self.file.never_written() else []
            return LogProblem("mark_missing", None, self.file.unclaimed_files_meaning(others) + ". After an "
                              "investigation see `relais verify-log --new-mark`") if others else None
        if not self.file.never_written():
            return self._missing(latest.sequence)
        if others := self.file.files():
            return LogProblem("mark_missing", None,
                              f"the database records no high-water mark, yet it holds checkpoints up to {latest.sequence} "
                              f"and the mark folder {self.file.folder} holds {', '.join(p.name for p in others)}: its "
                              "mark id was perhaps deleted, or the folder is shared with another database (give each "
                              "its own RELAIS_LOG_MARK_DIR). After an investigation see `relais verify-log --new-mark`")
        if clean:
            self.file.advance(latest)  # the upgrade path: a log sealed before marks existed (docs/adr/0014)
        return None

    def _missing(self, latest: int) -> LogProblem:
        return LogProblem("mark_missing", None,
                          f"the high-water mark {self.file.path} is missing, yet the database holds checkpoints up to "
                          f"{latest} and records that a mark was written: it is written after every checkpoint, so "
                          "it was deleted (perhaps with checkpoints) or this mark folder (RELAIS_LOG_MARK_DIR) is not "
                          "the one every sealing process shares. Restore it from a backup, or after an investigation "
                          "see `relais verify-log --new-mark`")

    def checkpoints_deleted(self, report: IntegrityReport, mark: Mark, in_database: int) -> LogProblem:
        if report.checkpoints + 1 == mark.sequence:
            gone = f"checkpoint {mark.sequence} is missing"
        elif report.checkpoints == 0:
            gone = f"checkpoints up to {mark.sequence} are missing"
        else:
            gone = f"checkpoints {report.checkpoints + 1} to {mark.sequence} are missing"
        if in_database == 0:
            gone += " (if this database was made anew on purpose, the mark belongs to the old one: move it aside)"
        records = (f"the records up to notification {mark.last_id} still lead to the head it holds, so they are as "
                   "they were sealed") if report.problem is None else report.problem.detail
        return LogProblem("checkpoints_deleted", None,
                          f"{gone}: the database's checkpoints end at {in_database}, the high-water mark "
                          f"{self.file.path} names checkpoint {mark.sequence} (records up to notification "
                          f"{mark.last_id}); {records}")
