"""The Relais application: one event store, one notification log, use cases by feature."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording, Transcoder, Transcoding

from application.accounts import AccountCommands
from application.audit.access import AuditAccessCommands
from application.audit.search_erasure import AuditSearchErasure
from application.candidates import CandidateCommands
from application.compliance import ComplianceCommands
from application.errors import NotFoundError, StaleEditError
from application.imports import ImportCommands
from application.log_exports import LogExportCommands
from application.matching import MatchingCommands
from application.offers import OfferCommands
from application.orjson_transcoder import OrjsonTranscoder
from application.oversight import OversightCommands
from application.ports import (
    AuditSearchIndex,
    CandidatePoolSource,
    CandidateRanker,
    Clock,
    Directory,
    ExportArchives,
    Gazetteer,
    PasswordHasher,
    PersonalKeyVault,
    PhoneClaims,
)
from application.ports import OutreachDirectory, OutreachSchedule, ReplyReader, SmsGateway
from application.transcodings import VALUE_TRANSCODINGS
from application.workflows import WorkflowCommands
from application.outreach import OutreachCommands
from application.outreach_inbound import OutreachInbound
from application.outreach_reading import OutreachReading
from application.outreach_sending import OutreachSending
from application.quiet_hours import QuietHours
from domain.commune_code import resolve_labels_with
from domain.conversation import FollowUpPolicy

APPLICATION_NAME = "Relais"


class Relais(
    CandidateCommands,
    OfferCommands,
    MatchingCommands,
    OversightCommands,
    AccountCommands,
    WorkflowCommands,
    ImportCommands,
    ComplianceCommands,
    LogExportCommands,
    AuditAccessCommands,
    AuditSearchErasure,
    OutreachCommands,
    OutreachSending,
    OutreachInbound,
    OutreachReading,
    Application[UUID],
):
    """All aggregates share one log, so that projections, audit and export see one order."""

    name = APPLICATION_NAME

    def __init__(
        self,
        *,
        clock: Clock,
        passwords: PasswordHasher,
        key_vault: PersonalKeyVault,
        personal_data_transcoding: Transcoding,
        gazetteer: Gazetteer,
        directory: Directory,
        phone_claims: PhoneClaims,
        env: dict[str, str] | None = None,
        candidate_pool: CandidatePoolSource | None = None,
        ranker: CandidateRanker | None = None,
        fallback_ranker: CandidateRanker | None = None,
        sms_gateway: SmsGateway | None = None,
        reply_reader: ReplyReader | None = None,
        fallback_reply_reader: ReplyReader | None = None,
        quiet_hours: QuietHours | None = None,
        follow_up_policy: FollowUpPolicy | None = None,
        outreach_schedule: OutreachSchedule | None = None,
        outreach_directory: OutreachDirectory | None = None,
        audit_searches: AuditSearchIndex | None = None,
    ) -> None:
        self.clock = clock
        self.passwords = passwords
        self.key_vault = key_vault
        self.gazetteer = gazetteer
        # Events written before the INSEE code was recorded are read with this gazetteer (docs/adr/0005).
        resolve_labels_with(gazetteer.commune_code)
        self.directory = directory
        #: One job seeker per number and agency; claimed in the command's unit of work (docs/adr/0004).
        self.phone_claims = phone_claims
        #: Matching: who may be considered, who ranks them, and who ranks when that model fails.
        self.candidate_pool = candidate_pool
        self.ranker = ranker
        self.fallback_ranker = fallback_ranker
        self._personal_data_transcoding = personal_data_transcoding
        #: Outreach by SMS: the gateway, who reads replies (and who reads when that fails), when
        #: sending is allowed, how follow-ups go, and the read models of the tick and inbound paths.
        self.sms_gateway = sms_gateway
        self.reply_reader = reply_reader
        self.fallback_reply_reader = fallback_reply_reader
        self.quiet_hours = quiet_hours
        self.follow_up_policy = follow_up_policy or FollowUpPolicy()
        self.outreach_schedule = outreach_schedule
        self.outreach_directory = outreach_directory
        #: The auditors' recorded searches, read when a person is erased (docs/adr/0015).
        self.audit_searches = audit_searches
        #: The export archives on the server, all deleted after each erasure (docs/adr/0017, session 6).
        self.export_archives: ExportArchives | None = None
        #: Called at the start of each outreach tick (the composition root gives the projection runner's
        #: catch-up), so that who may be contacted is read as of that instant.
        self.catch_up_read_models: Callable[[], object] | None = None
        #: Called after each save, in its transaction, with what the save recorded; the composition
        #: root updates the read models here so that a page shown right after a command already
        #: reflects it (the recordings spare it reading back the events it just wrote).
        self.after_save: Callable[[Sequence[Recording[UUID]]], object] | None = None
        #: Wraps each save: the composition root makes it one database transaction, so that a
        #: command's new keys, events and read-model updates commit together or not at all.
        self.unit_of_work: Callable[[], AbstractContextManager[object]] = nullcontext
        super().__init__(env=env)

    def construct_transcoder(self) -> Transcoder:
        """Reads with orjson, writes as the library does (application/orjson_transcoder.py)."""
        transcoder = OrjsonTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        for transcoding in VALUE_TRANSCODINGS:
            transcoder.register(transcoding)
        transcoder.register(self._personal_data_transcoding)

    # Helpers shared by the use-case mixins -------------------------------------------

    def _get(self, aggregate_id: UUID, kind: type[Aggregate]) -> Any:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFoundError(str(aggregate_id)) from None
        if not isinstance(aggregate, kind):
            raise NotFoundError(str(aggregate_id))
        return aggregate

    def _get_at_version(self, aggregate_id: UUID, kind: type[Aggregate], expected_version: int | None) -> Any:
        """Load for an edit made on `expected_version`; a newer version means a stale form."""
        aggregate = self._get(aggregate_id, kind)
        if expected_version is not None and aggregate.version != expected_version:
            raise StaleEditError(str(aggregate_id))
        return aggregate

    def _save(self, *aggregates: Aggregate | Iterable[Aggregate], joining: bool = False) -> None:
        """Save atomically; a concurrent change of the same aggregate is a stale edit.

        `joining`: the caller holds a unit of work open and lets any failure end it (see
        `_save_in_unit_of_work`)."""
        try:
            if joining:
                self._save_in_unit_of_work(*aggregates)
            else:
                self.save(*aggregates)  # type: ignore[arg-type]
        except IntegrityError:
            raise StaleEditError("concurrent change") from None

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        with self.unit_of_work():
            return self._save_in_unit_of_work(*objs, **kwargs)

    def _save_in_unit_of_work(self, *objs: Any, **kwargs: Any) -> Any:
        """`save` inside a unit of work the caller opened and ends: no savepoint of its own (two round
        trips on PostgreSQL), so a failure here must fail the caller's whole unit of work."""
        recordings = self._save_collected(*objs, **kwargs)
        if self.after_save is not None:
            self.after_save(recordings)
        return recordings

    def _save_collected(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """`Application.save` (eventsourcing 9.5.6, pinned), but an aggregate's events are collected
        without the library's `isinstance` checks against its typing Protocols (DomainEventProtocol,
        CollectEventsProtocol): on Python 3.11 each walks the protocol's attributes again, about 15 µs
        a save, a tenth of a registration's Python. Anything else goes through the library's own
        collection, one object at a time, so the events keep the order they were given in."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            if isinstance(obj, Aggregate):  # an aggregate is no event: what the library concludes, slowly
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            else:
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # deprecated in the library, still called by its save
        return recordings

    def _now(self) -> datetime:
        return self.clock.now()
