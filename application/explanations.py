"""Explanation letters (GDPR Art. 15/22, AI Act Art. 86, CRPA R311-3-1-2), composed from the log.

A letter replays the recorded events about one person up to `as_of`: their profile as
matching saw it, every AI suggestion with its recorded output, and the advisor's
decision (application/letter_offers.py). No model is ever asked again. The composed
`Letter` is a list of worded sections that the printable page and the PDF lay out the
same way.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from application import letter_wording as w
from application.caller import Caller
from application.errors import NotFoundError
from application.letter import Block, Letter, Section, day, number
from application.letter_offers import OfferHistory, manual_addition_blocks, suggestion_blocks, suggestions_about
from application.letter_sms import events_until, outreach_ids_of, sms_blocks
from application.ports import Database
from domain.candidate import Candidate
from domain.explanation_letter import ExplanationLetter

if TYPE_CHECKING:
    from application.app import Relais

__all__ = ["Block", "ExplanationLetters", "Letter", "Section"]


class ExplanationLetters:
    """Produces (records) and composes letters; reads the log through the application."""

    def __init__(self, app: Relais, database: Database) -> None:
        self.app = app
        self.database = database

    def produce(self, caller: Caller, candidate_id: UUID) -> UUID:
        """Compose the letter as of now and record that it was produced; returns the letter id."""
        caller.require_role("compliance")
        as_of = self.app.clock.now()
        suggestions = suggestions_about(candidate_id, self._offer_histories(candidate_id, as_of))
        return self.app.record_explanation_letter(candidate_id, as_of, len(suggestions), caller)

    def compose(self, caller: Caller, letter_id: UUID) -> Letter:
        caller.require_role("compliance")
        letter: ExplanationLetter = self.app._get(letter_id, ExplanationLetter)
        candidate_id, as_of = letter.candidate_id, letter.as_of
        history = [e for e in self.app.repository.event_store.get(candidate_id) if e.timestamp <= as_of]
        if not history or not isinstance(history[0], Candidate.Registered):
            raise NotFoundError(str(candidate_id))
        profile = next(e.profile for e in reversed(history) if hasattr(e, "profile"))
        erased = any(isinstance(e, Candidate.PersonalDataErased) for e in history) or profile.last_name.erased
        agency = history[0].agency_id
        recipient = f"{profile.first_name.value} {profile.last_name.value}"
        offers = self._offer_histories(candidate_id, as_of)
        suggestions = suggestions_about(candidate_id, offers)
        additions = manual_addition_blocks(candidate_id, offers)
        sms = sms_blocks(candidate_id, self._outreaches(candidate_id, as_of))
        header = (
            f"Relais — agence {agency}",
            f"Le {day(letter.created_on)}",
            f"À l'attention de {recipient}",
            f"Référence : {letter_id}",
            w.SUBJECT,
        )
        numbered = (
            Section("Le rôle de l'IA dans les décisions", tuple(Block("p", t) for t in w.CONTRIBUTION)),
            _data_section(profile),
            Section("Les opérations effectuées et leurs paramètres", (
                Block("p", "Pour chaque demande de liste, Relais effectue trois opérations :"),
                *(Block("li", t) for t in w.OPERATIONS),
                Block("p", w.WEIGHTING),
            )),
            Section("Les suggestions de l'IA qui vous concernent", suggestion_blocks(suggestions)),
            *([Section("Les ajouts faits par un conseiller sans suggestion de l'IA", additions)] if additions else []),
            *([Section("Vos réponses par SMS et leur lecture par l'IA", sms)] if sms else []),
        )
        sections = (
            Section("", tuple(Block("p", t.format(as_of=day(as_of))) for t in w.INTRODUCTION)),
            # Only the sections present are numbered, so a letter never skips a number.
            *(Section(f"{n}. {s.heading}", s.blocks) for n, s in enumerate(numbered, start=1)),
            Section("Vos droits et comment demander un réexamen humain", (
                *(Block("p", t.format(agency=agency)) for t in w.RIGHTS),
                Block("p", w.CLOSING),
                Block("p", w.SIGNATURE),
            )),
        )
        return Letter(
            letter_id=str(letter_id), candidate_id=str(candidate_id), agency_id=agency, recipient=recipient,
            produced_at=letter.created_on, as_of=as_of, suggestion_count=len(suggestions), erased=erased,
            header=header, sections=sections,
        )

    def _outreaches(self, candidate_id: UUID, as_of: datetime) -> list[tuple[str, str, list[Any]]]:
        """(offer title, outreach id, its events up to `as_of`) of every outreach that contacted the person."""
        with self.database.read() as tx:
            rows = tx.fetchall("SELECT outreach_id FROM rm_outreach_conversations WHERE candidate_id = ?",
                               (str(candidate_id),))
        found = []
        for outreach_id in outreach_ids_of(rows):
            events = events_until(self.app.repository.event_store, outreach_id, as_of)
            if events:
                title = next((e.offer_title for e in events if hasattr(e, "offer_title")), "")
                found.append((title, str(outreach_id), events))
        return found

    def _offer_histories(self, candidate_id: UUID, as_of: datetime) -> list[OfferHistory]:
        """The events, up to `as_of`, of every offer that suggested or added the person.

        The read models only say which offers to read; every fact comes from their events."""
        with self.database.read() as tx:
            rows = tx.fetchall(
                "SELECT offer_id FROM rm_suggestions WHERE candidate_id = ? "
                "UNION SELECT offer_id FROM rm_manual_additions WHERE candidate_id = ?",
                (str(candidate_id), str(candidate_id)),
            )
        found = []
        for offer_id in sorted({row["offer_id"] for row in rows}):
            events = [e for e in self.app.repository.event_store.get(UUID(offer_id)) if e.timestamp <= as_of]
            if events:
                found.append((offer_id, events))
        return found


def _data_section(profile: Any) -> Section:
    items = [
        f"commune de résidence : {profile.commune}",
        f"métiers recherchés (codes ROME) : {', '.join(profile.rome_codes)}",
        f"compétences : {', '.join(profile.skills) or 'aucune indiquée'}",
        f"disponible à partir du {day(profile.available_from)}",
        f"rayon de mobilité : {number(profile.mobility_km)} km",
        f"types de contrat acceptés : {', '.join(map(w.contract, profile.contract_types)) or 'tous'}",
        "durée hebdomadaire maximale : "
        + (f"{number(profile.max_hours_per_week)} heures" if profile.max_hours_per_week else "sans limite"),
        "salaire annuel minimum souhaité : "
        + (f"{number(profile.salary_min_expected)} €" if profile.salary_min_expected else "non indiqué"),
    ]
    return Section("Les données utilisées et leur source", (
        Block("p", w.DATA_INTRO), *(Block("li", i) for i in items), Block("p", w.DATA_NOT_SENT),
    ))
