"""Candidate: a job seeker followed by an agency."""
from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import commune_code, demographics, erasure_request
from domain.errors import AlreadyErasedError, ConsentAlreadyInStateError, InvalidValueError
from domain.personal_data import PersonalData
from domain.provenance import Provenance, Reason
from domain.values import bounded_int, contract_types, free_text, required_text, rome_code, skills

CONSENT_WITHDRAWAL_REASONS = ("demande_personne", "stop_sms", "autre")
ERASURE_REASONS = ("demande_rgpd", "retention", "autre")


@dataclass(frozen=True)
class CandidateProfile:
    """What an advisor records about a job seeker; personal fields are encrypted."""

    first_name: PersonalData
    last_name: PersonalData
    phone: PersonalData
    commune: str
    rome_codes: tuple[str, ...]
    skills: tuple[str, ...]
    available_from: date
    mobility_km: int
    notes: PersonalData
    # Added with matching; the defaults keep older events decodable (they mean "no constraint").
    contract_types: tuple[str, ...] = ()  # contracts the person accepts; empty: any
    max_hours_per_week: int = 0  # 0: no limit
    salary_min_expected: int = 0  # yearly gross, euros; 0: not stated
    # Added with the oversight figures (docs/adr/0016), each recorded only if the person gives it.
    # The birth date identifies a person with the commune: encrypted. None: not recorded.
    birth_date: PersonalData | None = None  # "AAAA-MM-JJ" or a year "AAAA"
    sex: str = ""  # "F", "M", "" (not recorded)
    priority_area: str = ""  # lives in a QPV: "yes", "no", "" (unknown)
    # Added with the INSEE code (docs/adr/0005, session 4): the code of `commune`, "unknown" when an
    # older event's label designates no single commune (domain/commune_code.py).
    commune_code: str = ""

    def __post_init__(self) -> None:
        for field in ("first_name", "last_name", "phone", "notes"):
            if not isinstance(getattr(self, field), PersonalData):
                # A bare str would be stored in clear: refuse it loudly.
                raise TypeError(f"{field} must be PersonalData")
        if self.birth_date is not None and not isinstance(self.birth_date, PersonalData):
            raise TypeError("birth_date must be PersonalData")

    def validated(self) -> CandidateProfile:
        """The same profile, normalised, or InvalidValueError naming each bad field.

        Kept out of __post_init__ so that old events still load if rules tighten. A profile this
        method just returned is returned as it is: the use case checks the form's profile (to show
        every problem at once) and `Candidate.register` checks it again; the second check would
        find nothing new (normalising is idempotent) and was a tenth of a registration's Python.
        """
        if _last_validated() is self:
            return self
        errors: dict[str, str] = {}

        def check(rule: Callable[..., Any], *args: Any) -> Any:
            try:
                return rule(*args)
            except InvalidValueError as error:
                errors.update(error.errors)
                return None

        # In form order: the page lists the problems in the order the dict holds them.
        check(required_text, self.first_name.value, "first_name", "Le prénom", 80)
        check(required_text, self.last_name.value, "last_name", "Le nom", 80)
        check(required_text, self.commune, "commune", "La commune")
        check(commune_code.commune_code, self.commune_code)
        rome_codes = check(_rome_codes, self.rome_codes)
        normal_skills = check(skills, self.skills)
        check(bounded_int, self.mobility_km, "mobility_km", 0, 500, "Le rayon de mobilité va de 0 à 500 km.")
        contracts = check(contract_types, self.contract_types)
        check(bounded_int, self.max_hours_per_week, "max_hours_per_week", 0, 48,
              "La durée hebdomadaire maximale va de 0 (sans limite) à 48 heures.")
        check(bounded_int, self.salary_min_expected, "salary_min_expected", 0, 1_000_000,
              "Le salaire attendu doit être positif.")
        birth_date = check(_birth_date, self.birth_date)
        check(demographics.sex, self.sex)
        check(demographics.priority_area, self.priority_area)
        if len(self.notes.value) > 2000:
            errors["notes"] = "Les notes font au plus 2000 caractères."
        else:
            check(lambda: free_text(self.notes.value, "notes", "Le texte des notes", multiline=True))
        if errors:
            raise InvalidValueError(errors)
        # A copy with the normalised fields, made as `replace` would without running __init__ and
        # __post_init__ again: every other field is this profile's, already checked by them.
        profile = object.__new__(CandidateProfile)
        profile.__dict__.update(
            self.__dict__, rome_codes=rome_codes, skills=normal_skills, contract_types=contracts, birth_date=birth_date
        )
        _last_validated_is(profile)
        return profile


#: The profile `validated()` returned last, held weakly (it holds personal data: nothing here keeps
#: it alive). One slot for every thread: a profile another thread validated meanwhile only means
#: this one is checked again; identity, not equality, so no profile is ever taken for another.
_last: list[weakref.ref[CandidateProfile] | None] = [None]


def _last_validated() -> CandidateProfile | None:
    reference = _last[0]
    return reference() if reference is not None else None


def _last_validated_is(profile: CandidateProfile) -> None:
    _last[0] = weakref.ref(profile)


def _rome_codes(codes: tuple[str, ...]) -> tuple[str, ...]:
    if not codes:
        raise InvalidValueError({"rome_codes": "Indiquez au moins un métier recherché (code ROME)."})
    return tuple(rome_code(code, "rome_codes") for code in codes)


def _birth_date(value: PersonalData | None) -> PersonalData | None:
    """Normalised; an empty birth date is not recorded at all (None), so nothing is encrypted for it."""
    if value is None or not value.value.strip():
        return None
    return PersonalData(value.subject_id, demographics.birth_date(value.value))


class Candidate(Aggregate):
    """A job seeker: profile, agency, and consent to be contacted by SMS."""

    @classmethod
    def register(
        cls,
        agency_id: str,
        profile: CandidateProfile,
        sms_consent: bool,
        provenance: Provenance,
        timestamp: datetime,
        *,
        id: UUID,  # noqa: A002 - the personal data already names this subject id
    ) -> Candidate:
        subject = str(id)
        if any(value is not None and value.subject_id != subject for value in (
            profile.first_name, profile.last_name, profile.phone, profile.notes, profile.birth_date
        )):
            raise ValueError("personal data must belong to the registered candidate")
        return cls._create(
            cls.Registered,
            id=id,
            agency_id=agency_id,
            profile=profile.validated(),
            sms_consent=sms_consent,
            provenance=provenance,
            timestamp=timestamp,
        )

    class Registered(Aggregate.Created):
        """Version 2 records the commune's INSEE code in the profile."""
        class_version = 2
        agency_id: str
        profile: CandidateProfile
        sms_consent: bool
        provenance: Provenance
        upcast_v1_v2 = commune_code.upcast_adding_code("profile")

    @event(Registered)
    def __init__(
        self,
        agency_id: str,
        profile: CandidateProfile,
        sms_consent: bool,
        provenance: Provenance,
        timestamp: datetime,
    ) -> None:
        self.agency_id = agency_id
        self.profile = profile
        self.sms_consent = sms_consent
        self.erased = False
        self.opted_out = False

    def change_profile(self, profile: CandidateProfile, provenance: Provenance, timestamp: datetime) -> None:
        self._require_not_erased()
        profile = profile.validated()
        if profile != self.profile:
            self._change_profile(profile, provenance, timestamp)

    class ProfileChanged(Aggregate.Event):
        """Version 2 records the commune's INSEE code in the profile."""
        class_version = 2
        profile: CandidateProfile
        provenance: Provenance
        upcast_v1_v2 = commune_code.upcast_adding_code("profile")

    @event(ProfileChanged)
    def _change_profile(self, profile: CandidateProfile, provenance: Provenance, timestamp: datetime) -> None:
        self.profile = profile

    def give_consent(self, provenance: Provenance, timestamp: datetime) -> None:
        self._require_not_erased()
        if self.sms_consent:
            raise ConsentAlreadyInStateError("Le consentement SMS est déjà donné.")
        self._give_consent(provenance, timestamp)

    @event("ConsentGiven")
    def _give_consent(self, provenance: Provenance, timestamp: datetime) -> None:
        self.sms_consent = True
        self.opted_out = False  # consent given anew ends an opt-out

    @property
    def contactable(self) -> bool:
        """May be sent an SMS: consented, not opted out, not erased."""
        return self.sms_consent and not getattr(self, "opted_out", False) and not self.erased

    def opt_out(self, channel: str, provenance: Provenance, timestamp: datetime) -> bool:
        """The person said STOP (or the like): never contacted again until consent is given anew.

        False when already opted out (a repeated STOP has one effect: one confirmation).
        """
        if getattr(self, "opted_out", False) or self.erased:
            return False
        self._opt_out(channel, provenance, timestamp)
        return True

    @event("OptedOut")
    def _opt_out(self, channel: str, provenance: Provenance, timestamp: datetime) -> None:
        self.opted_out = True
        self.sms_consent = False

    def withdraw_consent(self, reason: Reason, provenance: Provenance, timestamp: datetime) -> None:
        reason.require_in(CONSENT_WITHDRAWAL_REASONS)
        if not self.sms_consent:
            raise ConsentAlreadyInStateError("Le consentement SMS est déjà retiré.")
        # What the person said is about them: it is kept apart from the code, encrypted.
        text = PersonalData(str(self.id), reason.text) if reason.text.strip() else None
        self._withdraw_consent(Reason(reason.code), text, provenance, timestamp)

    @event("ConsentWithdrawn")
    def _withdraw_consent(
        self, reason: Reason, reason_text: PersonalData | None, provenance: Provenance, timestamp: datetime
    ) -> None:
        self.sms_consent = False

    def record_erasure(
        self, reason: Reason, requester: str, reference: str, audit_search_keys: tuple[str, ...],
        provenance: Provenance, timestamp: datetime,
    ) -> None:
        """Record that the person's key was deleted, who asked (a kind, a sealed reference) and which
        auditors' day keys went with it because their searches named the person (docs/adr/0015, 0017)."""
        reason.require_in(ERASURE_REASONS)
        reason = erasure_request.ground(reason)
        self._require_not_erased()
        sealed = erasure_request.reference(reference, timestamp)
        kind = erasure_request.requester(requester)
        self._record_erasure(reason, kind, sealed, tuple(audit_search_keys), provenance, timestamp)

    class PersonalDataErased(Aggregate.Event):
        """Holds no personal data of the person; the reference is sealed under the register's key."""

        class_version = 2
        reason: Reason
        requester: str
        reference: PersonalData | None
        audit_search_keys: tuple[str, ...]
        provenance: Provenance

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Before the closed list, the requester was free text in clear (`requested_by`, kept as recorded:
            # the log is immutable). No reference, and no auditor's search was erased with the person.
            state["requester"] = erasure_request.LEGACY_REQUESTER
            state["reference"] = None
            state["audit_search_keys"] = ()

    @event(PersonalDataErased)
    def _record_erasure(
        self, reason: Reason, requester: str, reference: PersonalData | None, audit_search_keys: tuple[str, ...],
        provenance: Provenance, timestamp: datetime,
    ) -> None:
        self.erased = True
        self.sms_consent = False

    def _require_not_erased(self) -> None:
        if self.erased:
            raise AlreadyErasedError("Les données de cette personne ont été effacées.")
