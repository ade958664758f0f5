"""Use cases of CSV imports: job seekers and offers, each row imported once (docs/adr/0009).

A row's record id is derived from the agency, the kind and the agency's own reference
(uuid5), so importing the same row again collides with the first import: it is counted
as already imported, never written twice, even when two imports of one file race.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from application.caller import Caller
from application.candidates import DUPLICATE_PHONE
from application.csv_table import Problem, read_table
from application.errors import AccessDeniedError, InvalidValueError
from application.import_rows import (
    CANDIDATE_COLUMNS,
    CANDIDATE_FIELD_COLUMNS,
    OFFER_COLUMNS,
    OFFER_FIELD_COLUMNS,
    REFERENCE,
    candidate_row,
    merge_problems,
    offer_row,
)
from domain.candidate import Candidate
from domain.offer import Offer

if TYPE_CHECKING:
    from application.app import Relais

IMPORT_NAMESPACE = uuid5(NAMESPACE_URL, "relais:import")
BATCH_SIZE = 200
ERASED_TOPIC = get_topic(Candidate.PersonalDataErased)
ERASED = (
    "Les données de cette personne ont été effacées : elle n'est pas réimportée. "
    "Retirez la ligne du fichier (si la personne revient, inscrivez-la par le formulaire)."
)


def imported_id(kind: str, agency_id: str, reference: str) -> UUID:
    """The record id of an imported row: no personal data goes in, only the agency's own reference."""
    return uuid5(IMPORT_NAMESPACE, json.dumps([kind, agency_id, reference]))


@dataclass(frozen=True)
class ImportedRow:
    line: int
    reference: str
    id: UUID


@dataclass
class ImportReport:
    """What an import did, row by row: imported, already imported, rejected (with reasons)."""

    kind: str  # "candidates" or "offers"
    agency_id: str
    imported: list[ImportedRow] = field(default_factory=list)
    skipped: list[ImportedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({p.line for p in self.problems})


@dataclass(frozen=True)
class _Pending:
    row: ImportedRow
    events: list[Any]
    phone: str | None  # a job seeker's number, claimed with the save (docs/adr/0004)


class _Batch:
    """New records saved many at a time; a collision (a concurrent import) falls back to one by one.

    A job seeker's number is claimed in the save's transaction: a row whose number another person
    of the agency holds (registered meanwhile by a form or another import) is rejected, the others
    are saved, and a failed save leaves no claim behind."""

    def __init__(self, app: Relais, report: ImportReport) -> None:
        self.app = app
        self.report = report
        self.pending: list[_Pending] = []

    def add(self, row: ImportedRow, aggregate: Any, phone: str | None = None) -> None:
        # The events, not the aggregate: a failed save has already taken an aggregate's events.
        self.pending.append(_Pending(row, aggregate.collect_events(), phone))
        if len(self.pending) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        if not pending:
            return
        try:
            self._save(pending)
            return
        except IntegrityError:
            pass
        for one in pending:
            try:
                self._save([one])
            except IntegrityError:
                self.report.skipped.append(one.row)

    def _save(self, pending: list[_Pending]) -> None:
        """Claim the numbers, save the rows whose claim held, all in one transaction; report them once it commits."""
        with self.app.unit_of_work():
            phones = {p.row.id: p.phone for p in pending if p.phone is not None}
            refused = self.app.phone_claims.claim(self.report.agency_id, phones) if phones else set()
            kept = [p for p in pending if p.row.id not in refused]
            if kept:
                self.app.save(*(event for p in kept for event in p.events))
        self.report.imported.extend(p.row for p in kept)
        self.report.problems.extend(Problem(p.row.line, "telephone", DUPLICATE_PHONE)
                                    for p in pending if p.row.id in refused)


class ImportCommands:
    def import_candidates(self: Relais, data: bytes, caller: Caller, agency_id: str | None = None) -> ImportReport:
        """Register the job seekers of a CSV file; raises ImportFileError when the file is unreadable."""
        agency = self._import_agency(caller, agency_id)
        table = read_table(data, CANDIDATE_COLUMNS)
        report = ImportReport("candidates", agency, problems=list(table.problems))
        batch = _Batch(self, report)
        references: dict[str, int] = {}
        phones: dict[str, int] = {}
        for record in table.records:
            row, problems = candidate_row(record)
            line = row.line
            candidate_id = uuid4()  # stands in while the reference is unusable (the row is rejected)
            if row.reference and not problems_of(problems, REFERENCE):
                first = references.setdefault(row.reference, line)
                if first != line:
                    report.problems.append(Problem(line, REFERENCE, f"Référence déjà présente ligne {first}."))
                    continue
                candidate_id = imported_id("candidate", agency, row.reference)
                topics = self._stored_topics(candidate_id)
                if ERASED_TOPIC in topics:
                    problems.append(Problem(line, REFERENCE, ERASED))
                elif topics:
                    report.skipped.append(ImportedRow(line, row.reference, candidate_id))
                    continue
            try:
                profile = row.details.to_profile(candidate_id, self.gazetteer, self._now().date())
            except InvalidValueError as error:
                problems = merge_problems(line, problems, error.errors, CANDIDATE_FIELD_COLUMNS)
            if problems:
                report.problems.extend(problems)
                continue
            phone = profile.phone.value
            first = phones.setdefault(phone, line)
            if first != line:
                report.problems.append(Problem(line, "telephone", f"Même numéro que la ligne {first}."))
            else:  # a number another person of the agency holds is refused when the batch claims it
                candidate = Candidate.register(
                    agency, profile, row.sms_consent, caller.provenance, self._now(), id=candidate_id
                )
                batch.add(ImportedRow(line, row.reference, candidate_id), candidate, phone)
        batch.flush()
        report.problems.sort(key=lambda p: p.line)
        return report

    def import_offers(self: Relais, data: bytes, caller: Caller, agency_id: str | None = None) -> ImportReport:
        """Publish the offers of a CSV file; raises ImportFileError when the file is unreadable."""
        agency = self._import_agency(caller, agency_id)
        table = read_table(data, OFFER_COLUMNS)
        report = ImportReport("offers", agency, problems=list(table.problems))
        batch = _Batch(self, report)
        references: dict[str, int] = {}
        for record in table.records:
            row, problems = offer_row(record)
            line = row.line
            offer_id = None
            if row.reference and not problems_of(problems, REFERENCE):
                first = references.setdefault(row.reference, line)
                if first != line:
                    report.problems.append(Problem(line, REFERENCE, f"Référence déjà présente ligne {first}."))
                    continue
                offer_id = imported_id("offer", agency, row.reference)
                if self._stored_topics(offer_id):
                    report.skipped.append(ImportedRow(line, row.reference, offer_id))
                    continue
            try:
                terms = self._canonical_terms(row.terms)
            except InvalidValueError as error:
                problems = merge_problems(line, problems, error.errors, OFFER_FIELD_COLUMNS)
            if problems or offer_id is None:
                report.problems.extend(problems)
                continue
            # As Offer.publish does, with the derived id (publish draws a random one).
            offer = Offer._create(  # noqa: SLF001
                Offer.Published,
                id=offer_id,
                agency_id=agency,
                terms=terms,
                provenance=caller.provenance,
                timestamp=self._now(),
            )
            batch.add(ImportedRow(line, row.reference, offer_id), offer)
        batch.flush()
        report.problems.sort(key=lambda p: p.line)
        return report

    def _import_agency(self: Relais, caller: Caller, agency_id: str | None) -> str:
        """Advisors import into their own agency; an operator (admin) names the agency."""
        caller.require_role("advisor", "admin")
        if caller.role == "advisor":
            if agency_id and agency_id != caller.agency_id:
                raise AccessDeniedError("another agency")
            return caller.agency_id
        agency = (agency_id or "").strip()
        if not agency:
            raise InvalidValueError({"agency": "Précisez l'agence qui reçoit l'import."})
        return agency

    def _stored_topics(self: Relais, aggregate_id: UUID) -> set[str]:
        """The topics of the record's stored events, read without decoding them (no key is touched)."""
        return {stored.topic for stored in self.recorder.select_events(aggregate_id)}


def problems_of(problems: list[Problem], column: str) -> bool:
    return any(p.column == column for p in problems)
