"""Explanation letters (GDPR Art. 15/22, AI Act Art. 86, CRPA R311-3-1-2), composed from the log.

A letter replays the recorded events about one person up to `as_of`: their profile as
matching saw it, every AI suggestion with its recorded output, and the advisor's
decision. No model is ever asked again. The composed `Letter` is a list of worded
sections that the printable page and the PDF lay out the same way.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from application import letter_wording as w
from application.caller import Caller
from application.errors import NotFoundError
from application.ports import Database
from domain.candidate import Candidate
from domain.explanation_letter import ExplanationLetter
from domain.offer import Offer

if TYPE_CHECKING:
    from application.app import Relais

PARIS_FORMAT = "%d/%m/%Y"


@dataclass(frozen=True)
class Block:
    """One line of a section: a paragraph ("p"), a list item ("li"), a sub-heading ("h3"),
    or a text recorded from a model ("model"), shown as a quotation and never interpreted."""

    kind: str
    text: str


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Letter:
    letter_id: str
    candidate_id: str
    agency_id: str
    recipient: str
    produced_at: datetime
    as_of: datetime
    suggestion_count: int
    erased: bool
    header: tuple[str, ...]
    sections: tuple[Section, ...] = field(default=())


@dataclass
class _Suggestion:
    offer_title: str
    event: Any
    superseded: bool = False
    decision: Any = None


def _day(moment: datetime) -> str:
    return moment.strftime(PARIS_FORMAT)


def _check(check: Any) -> str:
    text = f"{w.label(w.CRITERION_LABELS, check.key)} : {check.value}"
    return f"{text} (demandé : {check.limit})" if check.limit else text


class ExplanationLetters:
    """Produces (records) and composes letters; reads the log through the application."""

    def __init__(self, app: Relais, database: Database) -> None:
        self.app = app
        self.database = database

    def produce(self, caller: Caller, candidate_id: UUID) -> UUID:
        """Compose the letter as of now and record that it was produced; returns the letter id."""
        caller.require_role("compliance")
        as_of = self.app.clock.now()
        suggestions = self._suggestions(candidate_id, self._offer_events(candidate_id, as_of))
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
        offers = self._offer_events(candidate_id, as_of)
        suggestions = self._suggestions(candidate_id, offers)
        additions = self._manual_additions(candidate_id, offers)
        header = (
            f"Relais — agence {agency}",
            f"Le {_day(letter.created_on)}",
            f"À l'attention de {recipient}",
            f"Référence : {letter_id}",
            w.SUBJECT,
        )
        sections = (
            Section("", tuple(Block("p", t.format(as_of=_day(as_of))) for t in w.INTRODUCTION)),
            Section("1. Le rôle de l'IA dans les décisions", tuple(Block("p", t) for t in w.CONTRIBUTION)),
            self._data_section(profile),
            Section("3. Les opérations effectuées et leurs paramètres", (
                Block("p", "Pour chaque demande de liste, Relais effectue trois opérations :"),
                *(Block("li", t) for t in w.OPERATIONS),
                Block("p", w.WEIGHTING),
            )),
            Section("4. Les suggestions de l'IA qui vous concernent", self._suggestion_blocks(suggestions)),
            *([Section("5. Les ajouts faits par un conseiller sans suggestion de l'IA", additions)] if additions else []),
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

    # The person's data and the offers' events -------------------------------------------

    @staticmethod
    def _data_section(profile: Any) -> Section:
        items = [
            f"commune de résidence : {profile.commune}",
            f"métiers recherchés (codes ROME) : {', '.join(profile.rome_codes)}",
            f"compétences : {', '.join(profile.skills) or 'aucune indiquée'}",
            f"disponible à partir du {_day_of(profile.available_from)}",
            f"rayon de mobilité : {profile.mobility_km} km",
            f"types de contrat acceptés : {', '.join(profile.contract_types) or 'tous'}",
            "durée hebdomadaire maximale : "
            + (f"{profile.max_hours_per_week} heures" if profile.max_hours_per_week else "sans limite"),
            "salaire annuel minimum souhaité : "
            + (f"{profile.salary_min_expected} €" if profile.salary_min_expected else "non indiqué"),
        ]
        return Section("2. Les données utilisées et leur source", (
            Block("p", w.DATA_INTRO), *(Block("li", i) for i in items), Block("p", w.DATA_NOT_SENT),
        ))

    def _offer_ids(self, candidate_id: UUID) -> list[str]:
        with self.database.read() as tx:
            rows = tx.fetchall(
                "SELECT offer_id FROM rm_suggestions WHERE candidate_id = ? "
                "UNION SELECT offer_id FROM rm_manual_additions WHERE candidate_id = ?",
                (str(candidate_id), str(candidate_id)),
            )
        return sorted({row["offer_id"] for row in rows})

    def _offer_events(self, candidate_id: UUID, as_of: datetime) -> list[tuple[str, list[Any]]]:
        found = []
        for offer_id in self._offer_ids(candidate_id):
            events = [e for e in self.app.repository.event_store.get(UUID(offer_id)) if e.timestamp <= as_of]
            if events:
                found.append((offer_id, events))
        return found

    @staticmethod
    def _suggestions(candidate_id: UUID, offers: list[tuple[str, list[Any]]]) -> list[_Suggestion]:
        found: list[_Suggestion] = []
        for _, events in offers:
            title, mine = "", {}
            for event in events:
                if isinstance(event, Offer.Published | Offer.Changed):
                    title = event.terms.title
                elif isinstance(event, Offer.MatchRequested):
                    for pending in mine.values():
                        pending.superseded = pending.superseded or pending.decision is None
                elif isinstance(event, Offer.MatchSuggested) and event.candidate_id == candidate_id:
                    mine[event.suggestion_id] = _Suggestion(title, event)
                elif isinstance(event, Offer.SuggestionAccepted | Offer.SuggestionRejected) and (
                    event.suggestion_id in mine
                ):
                    mine[event.suggestion_id].decision = event
            found.extend(mine.values())
        return sorted(found, key=lambda s: s.event.timestamp)

    def _suggestion_blocks(self, suggestions: list[_Suggestion]) -> tuple[Block, ...]:
        if not suggestions:
            return (Block("p", w.NO_SUGGESTION),)
        blocks: list[Block] = []
        for s in suggestions:
            e, ai = s.event, s.event.ai
            blocks.append(Block("h3", f"Offre « {s.offer_title} » — suggestion du {_day(e.timestamp)}"))
            blocks.append(Block("li", f"modèle : {ai.model} (consigne {ai.prompt_id}, version {ai.prompt_version})"))
            if e.rationale_ai is not None:
                blocks.append(Block("li", f"explication rédigée par le modèle : {e.rationale_ai.model}"))
            if ai.fallback_reason:
                blocks.append(Block("li", "le modèle prévu n'a pas pu répondre (" + w.fallback(ai.fallback_reason)
                                    + ") : le classement hors ligne l'a remplacé"))
            blocks.append(Block("li", f"rang dans la liste : {e.rank} ; score : {e.score:.3f}"))
            blocks.append(Block("li", "critères remplis : " + ("; ".join(map(_check, e.criteria_met)) or "aucun")))
            blocks.append(Block("li", "critères non remplis : " + ("; ".join(map(_check, e.criteria_missed)) or "aucun")))
            if e.rationale:
                blocks.append(Block("p", "Explication enregistrée au moment de la suggestion :"))
                blocks.append(Block("model", e.rationale))
            blocks.append(Block("p", self._decision_text(s)))
        return tuple(blocks)

    @staticmethod
    def _decision_text(s: _Suggestion) -> str:
        d = s.decision
        if d is None:
            return w.SUPERSEDED if s.superseded else w.NO_DECISION
        verdict = "vous a retenu(e) pour cette offre" if isinstance(d, Offer.SuggestionAccepted) else (
            "ne vous a pas retenu(e) pour cette offre")
        text = f"Décision du conseiller, le {_day(d.timestamp)} : il {verdict}"
        if d.reason is not None:
            text += f" ; motif : {w.label(w.DECISION_REASON_LABELS, d.reason.code)}"
        if d.reason_text is not None:
            text += f" (« {d.reason_text.value} »)"
        return text + "."

    @staticmethod
    def _manual_additions(candidate_id: UUID, offers: list[tuple[str, list[Any]]]) -> tuple[Block, ...]:
        blocks: list[Block] = []
        for _, events in offers:
            title = ""
            for event in events:
                if isinstance(event, Offer.Published | Offer.Changed):
                    title = event.terms.title
                elif isinstance(event, Offer.CandidateAddedManually) and event.candidate_id == candidate_id:
                    text = (f"Offre « {title} », le {_day(event.timestamp)} : un conseiller vous a retenu(e) sans "
                            f"suggestion de l'IA ; motif : {w.label(w.DECISION_REASON_LABELS, event.reason.code)}")
                    if event.reason_text is not None:
                        text += f" (« {event.reason_text.value} »)"
                    blocks.append(Block("li", text + "."))
        return tuple(blocks)


def _day_of(day: Any) -> str:
    return day.strftime(PARIS_FORMAT)
