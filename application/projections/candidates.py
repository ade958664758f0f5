"""The job-seeker list and detail read model (`rm_candidates`)."""
from __future__ import annotations

from typing import Any

from application.ports import Transaction
from application.projections.rows import insert_row, update_row
from application.projections.text import search_key
from domain.candidate import Candidate, CandidateProfile
from domain.personal_data import ERASED_PLACEHOLDER

#: The next change stamp, worked out in the statement that writes the row: the rows' highest, plus one.
NEXT_CHANGE = "(SELECT COALESCE(MAX(change_seq), 0) + 1 FROM rm_candidates)"
STAMP = {"change_seq": NEXT_CHANGE}


def _profile_columns(profile: CandidateProfile) -> dict[str, Any]:
    return {
        "first_name": profile.first_name.value,
        "last_name": profile.last_name.value,
        "phone": profile.phone.value,
        "commune": profile.commune,
        "commune_code": profile.commune_code,
        "rome_codes": " ".join(profile.rome_codes),
        "skills": "|".join(profile.skills),
        "available_from": profile.available_from.isoformat(),
        "mobility_km": profile.mobility_km,
        "notes": profile.notes.value,
        "contract_types": " ".join(profile.contract_types),
        "max_hours_per_week": profile.max_hours_per_week,
        "salary_min_expected": profile.salary_min_expected,
        "birth_date": profile.birth_date.value if profile.birth_date is not None else "",
        "sex": profile.sex,
        "priority_area": profile.priority_area,
        "search_text": search_key(
            profile.first_name.value, profile.last_name.value, profile.commune, " ".join(profile.skills),
            " ".join(profile.rome_codes),
        ),
    }


class CandidateListProjection:
    name = "candidates"
    topics = ("domain.candidate:",)

    def reset(self, tx: Transaction) -> None:
        tx.execute("DELETE FROM rm_candidates")

    def apply(self, event: Any, tx: Transaction) -> None:
        # Matching's pool source re-reads only rows stamped after what it holds (queries/pool.py).
        # Batches commit one after another (runner.py), so stamps become visible in order. The stamp
        # is set by the statement that writes the row (one statement, not two, per event).
        if not self._write(event, tx) and isinstance(event, Candidate.Event):
            tx.execute(f"UPDATE rm_candidates SET change_seq = {NEXT_CHANGE} WHERE id = ?", (str(event.originator_id),))

    def _write(self, event: Any, tx: Transaction) -> bool:
        """Writes the event's row, stamped; False if the event changes nothing shown here."""
        if isinstance(event, Candidate.Registered):
            columns = _profile_columns(event.profile)
            columns.update(
                agency_id=event.agency_id,
                sms_consent=int(event.sms_consent),
                erased=0,
                registered_at=event.timestamp.isoformat(),
            )
            insert_row(tx, "rm_candidates", event, columns, STAMP)
        elif isinstance(event, Candidate.ProfileChanged):
            update_row(tx, "rm_candidates", event, _profile_columns(event.profile), STAMP)
        elif isinstance(event, Candidate.ConsentGiven):
            update_row(tx, "rm_candidates", event, {"sms_consent": 1}, STAMP)
        elif isinstance(event, Candidate.ConsentWithdrawn):
            update_row(tx, "rm_candidates", event, {"sms_consent": 0}, STAMP)
        elif isinstance(event, Candidate.OptedOut):  # STOP by SMS: no consent until given anew
            update_row(tx, "rm_candidates", event, {"sms_consent": 0}, STAMP)
        elif isinstance(event, Candidate.PersonalDataErased):
            # The read model holds clear copies: erase them here too.
            update_row(
                tx,
                "rm_candidates",
                event,
                {
                    "first_name": ERASED_PLACEHOLDER,
                    "last_name": ERASED_PLACEHOLDER,
                    "phone": ERASED_PLACEHOLDER,
                    "notes": ERASED_PLACEHOLDER,
                    "birth_date": ERASED_PLACEHOLDER,
                    "search_text": "",
                    "sms_consent": 0,
                    "erased": 1,
                },
                STAMP,
            )
        else:
            return False
        return True
