"""Use cases of job seekers: register, change, consent, erase."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from application.caller import Caller
from application.communes import commune_problem
from application.errors import DuplicateError
from application.phone import normalise_phone
from application.ports import Gazetteer
from domain.candidate import Candidate, CandidateProfile
from domain.demographics import plausible_birth_date
from domain.values import plausible_availability
from domain.errors import InvalidValueError
from domain.personal_data import PersonalData
from domain.provenance import Reason

if TYPE_CHECKING:
    from application.audit.search_erasure import SearchScan
    from application.app import Relais

DUPLICATE_PHONE = "Une personne inscrite dans l'agence a déjà ce numéro."


@dataclass(frozen=True)
class CandidateDetails:
    """What an advisor types in the job seeker form, in clear."""

    first_name: str
    last_name: str
    phone: str
    commune: str
    rome_codes: tuple[str, ...]
    skills: tuple[str, ...]
    available_from: date
    mobility_km: int
    notes: str = ""
    contract_types: tuple[str, ...] = ()  # accepted contracts; empty: any
    max_hours_per_week: int = 0  # 0: no limit
    salary_min_expected: int = 0  # 0: not stated
    birth_date: str = ""  # "AAAA-MM-JJ", "JJ/MM/AAAA" or "AAAA"; "": not recorded
    sex: str = ""  # "F", "M"; "": not recorded
    priority_area: str = ""  # lives in a QPV: "yes", "no"; "": unknown

    def to_profile(
        self, subject_id: UUID, gazetteer: Gazetteer, today: date | None = None, before: CandidateProfile | None = None,
    ) -> CandidateProfile:
        """The encrypted-to-be profile of `subject_id`, or every problem of the form at once."""
        errors: dict[str, str] = {}
        match = gazetteer.find_commune(self.commune)
        commune = match.label
        if self.commune.strip() and (problem := commune_problem(match, self.commune)):
            errors["commune"] = problem
        try:
            phone = normalise_phone(self.phone)
        except InvalidValueError as error:
            errors.update(error.errors)
            phone = self.phone
        subject = str(subject_id)
        profile = CandidateProfile(
            first_name=PersonalData(subject, self.first_name),
            last_name=PersonalData(subject, self.last_name),
            phone=PersonalData(subject, phone),
            commune=commune or self.commune,
            commune_code=match.code,
            rome_codes=self.rome_codes,
            skills=self.skills,
            available_from=self.available_from,
            mobility_km=self.mobility_km,
            notes=PersonalData(subject, self.notes),
            contract_types=self.contract_types,
            max_hours_per_week=self.max_hours_per_week,
            salary_min_expected=self.salary_min_expected,
            birth_date=PersonalData(subject, self.birth_date) if self.birth_date.strip() else None,
            sex=self.sex,
            priority_area=self.priority_area,
        )
        try:
            profile = profile.validated()
            kept_birth_date = before is not None and before.birth_date is not None and profile.birth_date is not None \
                and before.birth_date.value == profile.birth_date.value
            if today is not None and profile.birth_date is not None and not kept_birth_date:
                plausible_birth_date(profile.birth_date.value, today)
        except InvalidValueError as error:
            errors = {**error.errors, **errors}
        # Checked apart, shown with the other fields' problems; against today only when the date is new or
        # changed: a date that was plausible when recorded must not block every later edit (review 8, finding 7).
        if today is not None and (before is None or before.available_from != self.available_from):
            try:
                plausible_availability(self.available_from, today)
            except InvalidValueError as error:
                errors = {**errors, **error.errors}
        if errors:
            raise InvalidValueError(errors)
        return profile


class CandidateCommands:
    def register_candidate(
        self: Relais, details: CandidateDetails, sms_consent: bool, caller: Caller, agency_id: str | None = None
    ) -> UUID:
        caller.require_role("advisor", "admin")
        agency = agency_id if caller.role == "admin" and agency_id else caller.agency_id
        # The id is drawn before the profile so that the personal data names its subject.
        candidate_id = uuid4()
        profile = details.to_profile(candidate_id, self.gazetteer, self._now().date())
        candidate = Candidate.register(agency, profile, sms_consent, caller.provenance, self._now(), id=candidate_id)
        self._save_claiming_phone(candidate, replacing=False)
        return candidate.id

    def change_candidate_profile(
        self: Relais, candidate_id: UUID, expected_version: int, details: CandidateDetails, caller: Caller
    ) -> int:
        caller.require_role("advisor")
        candidate: Candidate = self._get_at_version(candidate_id, Candidate, expected_version)
        caller.require_agency(candidate.agency_id)
        profile = details.to_profile(candidate.id, self.gazetteer, self._now().date(), before=candidate.profile)
        candidate.change_profile(profile, caller.provenance, self._now())
        self._save_claiming_phone(candidate, replacing=True)  # frees the old number if it changed
        return candidate.version

    def set_sms_consent(self: Relais, candidate_id: UUID, given: bool, reason: Reason | None, caller: Caller) -> None:
        caller.require_role("advisor")
        candidate: Candidate = self._get(candidate_id, Candidate)
        caller.require_agency(candidate.agency_id)
        if given:
            candidate.give_consent(caller.provenance, self._now())
        else:
            candidate.withdraw_consent(reason or Reason("demande_personne"), caller.provenance, self._now())
        self._save(candidate)

    def _save_claiming_phone(self: Relais, candidate: Candidate, replacing: bool) -> None:
        """Save with the person's number claimed in the same transaction: a duplicate, even one
        registered by another process at the same instant, is refused and nothing is written."""
        with self.unit_of_work():
            phone = candidate.profile.phone.value
            if replacing:
                if self.phone_claims.claim(candidate.agency_id, {candidate.id: phone}, replacing=True):
                    raise DuplicateError("phone", DUPLICATE_PHONE)
            else:
                # A new person holds no number yet: on PostgreSQL the claim travels with their key and
                # event, and a number someone else holds fails the command whole (docs/adr/0020, session 5).
                self.phone_claims.claim_new(candidate.agency_id, candidate.id, phone,
                                            DuplicateError("phone", DUPLICATE_PHONE))
            self._save(candidate, joining=True)  # any failure fails this unit of work whole

    def erase_candidate(
        self: Relais, candidate_id: UUID, reason: Reason, requester: str, caller: Caller, reference: str = ""
    ) -> None:
        """Crypto-shredding: delete the person's key, then record that it was done.

        `requester` is a kind of ERASURE_REQUESTERS; `reference` an optional file number, sealed
        under the erasure register's key (docs/adr/0017)."""
        caller.require_role("compliance", "admin")
        self._erase_candidate(candidate_id, reason, requester, reference, caller)

    def _erase_candidate(
        self: Relais, candidate_id: UUID, reason: Reason, requester: str, reference: str, caller: Caller,
        scan: SearchScan | None = None,
    ) -> None:
        """Shared by the compliance officer's erasure and the retention job (which checks its own caller,
        and passes the searches it opened once for everyone it erases)."""
        candidate: Candidate = self._get(candidate_id, Candidate)
        # Read with the person's key, so before it goes: the auditors' searches that name them.
        searches = () if candidate.erased else self._searches_naming(candidate, scan)
        candidate.record_erasure(reason, requester, reference, searches, caller.provenance, self._now())
        # Keys first: if the save then fails, the data is already unreadable and a retry records it.
        self.key_vault.destroy(str(candidate.id))
        for subject in searches:
            self.key_vault.destroy(subject)
        with self.unit_of_work():
            self.phone_claims.release(candidate.id)  # the number may be registered again
            self._save(candidate, joining=True)
        # The read models are scrubbed by now (after_save); leave no stale page behind.
        self.key_vault.purge_residues()
        # Export archives made so far hold the person in clear: all go; exports are made again on demand.
        if self.export_archives is not None:
            self.export_archives.discard_all(str(candidate.id))
