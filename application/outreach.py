"""Use cases of an SMS outreach that an advisor drives: approve, correct a reading, conclude."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from application.caller import Caller
from domain.errors import InvalidValueError, NotContactableError
from domain.offer import Offer
from domain.outreach import Outreach
from domain.personal_data import PersonalData
from domain.provenance import Reason
from domain.values import free_text

if TYPE_CHECKING:
    from application.app import Relais


#: An advisor's free text on a conversation (a correction's note, a reason to discard): the forms' maxlength.
MAX_NOTE = 500


@dataclass(frozen=True)
class OutreachDraft:
    """What the advisor reviewed: the people chosen and the exact first message, as edited."""

    offer_id: UUID
    recipients: tuple[UUID, ...]
    text: str
    requirement: str = ""  # the employer's specific requirement, asked as the last question


class OutreachCommands:
    def approve_outreach(self: Relais, draft: OutreachDraft, caller: Caller) -> UUID:
        """The advisor's approval: nothing is sent before it, and only to contactable people of the agency."""
        caller.require_role("advisor")
        offer: Offer = self._get(draft.offer_id, Offer)
        caller.require_agency(offer.agency_id)
        offer.ensure_open()
        self._require_recipients(draft.recipients, offer.agency_id)
        outreach = Outreach.approve(offer.id, offer.agency_id, offer.terms.title, tuple(draft.recipients),
                                    draft.text, draft.requirement, caller.provenance, self._now())
        self._save(outreach)
        return outreach.id

    def _require_recipients(self: Relais, recipients: tuple[UUID, ...], agency_id: str) -> None:
        """Checked in one read of the read model (1,000 people in one query, not 1,000 loads). Each tick
        catches the read models up and reads consent again before sending, and a STOP also stops the
        conversations in the outreach aggregates themselves (docs/adr/0012-outreach.md)."""
        if self.outreach_directory is None:
            raise RuntimeError("no OutreachDirectory configured")
        status = self.outreach_directory.contact_status(recipients)
        for candidate_id in recipients:
            agency, contactable = status.get(candidate_id, ("", False))
            if agency != agency_id:
                raise InvalidValueError({"recipients": "Une personne choisie n'est pas suivie par l'agence de l'offre."})
            if not contactable:
                raise NotContactableError(
                    "Une personne choisie n'a pas consenti aux SMS ou a demandé à ne plus être contactée."
                )

    def correct_reading(
        self: Relais, outreach_id: UUID, candidate_id: UUID, suggestion_id: UUID, intent: str,
        needs: tuple[str, ...], note: str, caller: Caller,
    ) -> None:
        """The advisor corrects the AI's reading of a reply (an event referencing the suggestion)."""
        caller.require_role("advisor")
        outreach: Outreach = self._get(outreach_id, Outreach)
        caller.require_agency(outreach.agency_id)
        if len(note) > MAX_NOTE:
            raise InvalidValueError({"note": f"La précision fait au plus {MAX_NOTE} caractères."})
        free_text(note, "note", "La précision")
        outreach.correct_reading(candidate_id, suggestion_id, intent, tuple(sorted(set(needs))),
                                 PersonalData(str(candidate_id), note.strip()), caller.provenance, self._now())
        self._save(outreach)

    def conclude_conversation(
        self: Relais, outreach_id: UUID, candidate_id: UUID, outcome: str, reason: Reason | None, caller: Caller
    ) -> None:
        """Mark the person "mis en relation" or "écarté" (with a reason)."""
        caller.require_role("advisor")
        outreach: Outreach = self._get(outreach_id, Outreach)
        caller.require_agency(outreach.agency_id)
        if reason is not None and len(reason.text) > MAX_NOTE:
            raise InvalidValueError({"reason_text": f"La précision fait au plus {MAX_NOTE} caractères."})
        outreach.conclude(candidate_id, outcome, reason, caller.provenance, self._now())
        self._save(outreach)


# Closed lists the web needs (the web never imports the domain).
from domain.conversation import DISCARD_REASONS, OUTCOMES, QUESTIONS  # noqa: E402

__all__ = ["DISCARD_REASONS", "OUTCOMES", "QUESTIONS", "OutreachCommands", "OutreachDraft"]
