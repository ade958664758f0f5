"""The composition root: the one place where adapters are chosen and wired."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from application.app import Relais
from application.projections.accounts import AccountProjection
from application.projections.audit_searches import AuditSearchProjection
from application.projections.ai_oversight import AiOversightProjection
from application.projections.event_index import EventIndexProjection
from application.projections.candidates import CandidateListProjection
from application.projections.compliance import ComplianceRegisterProjection, PersonActivityProjection
from application.projections.offers import OfferListProjection
from application.projections.oversight_figures import OversightFiguresProjection
from application.projections.runner import ProjectionRunner
from application.projections.shortlists import ShortlistProjection
from application.audit.decisions import DecisionQueries
from application.audit.timeline import TimelineQueries
from application.queries.accounts import AccountQueries, ReadModelDirectory
from application.queries.candidates import CandidateQueries
from application.queries.history import HistoryQueries
from application.queries.offers import OfferQueries
from application.queries.oversight import OversightQueries
from application.queries.pool import ReadModelCandidatePool
from application.queries.shortlists import ShortlistQueries
from application.projections.outreach import OutreachProjection
from application.queries.outreach import OutreachQueries
from infrastructure.audit_log import AuditLog
from infrastructure.audit_searches import DatabaseAuditSearches
from infrastructure.clock import SystemClock
from infrastructure.database import PostgresDatabase, SQLiteDatabase, open_database
from infrastructure.event_store import share_transactions
from infrastructure import figure_commune_codes
from infrastructure.gazetteer import InseeGazetteer
from infrastructure.migrations import migrate
from infrastructure.mistral_ranker import MistralCandidateRanker
from infrastructure.offline_ranker import Bm25CandidateRanker
from infrastructure.passwords import Argon2PasswordHasher
from infrastructure.personal_data import DatabaseKeyVault, EncryptedPersonalData
from infrastructure.phone_claims import BACKFILL_STEP, DatabasePhoneClaims
from infrastructure.settings import Settings
from infrastructure.unit_of_work import unit_of_work
from infrastructure.outreach_wiring import build_reply_reader, build_sms_gateway, outreach_adapters
from infrastructure.sms_simulator import SimulatorErasure, SimulatorSmsGateway

log = logging.getLogger(__name__)


def projections() -> list[Any]:
    return [
        CandidateListProjection(), OfferListProjection(), AccountProjection(), ShortlistProjection(),
        AiOversightProjection(),
        OversightFiguresProjection(),
        PersonActivityProjection(), ComplianceRegisterProjection(),
        EventIndexProjection(), AuditSearchProjection(),
        OutreachProjection(), SimulatorErasure(),
    ]


@dataclass
class Services:
    """Everything the web layer and the command line use, built once per process."""

    settings: Settings
    app: Relais
    database: SQLiteDatabase | PostgresDatabase
    projections: ProjectionRunner
    candidates: CandidateQueries
    offers: OfferQueries
    accounts: AccountQueries
    shortlists: ShortlistQueries
    oversight: OversightQueries
    gazetteer: InseeGazetteer
    clock: Any
    passwords: Argon2PasswordHasher
    #: Adapters this process opened and must close (e.g. the Mistral ranker's HTTP client).
    closing: list[Any] = field(default_factory=list)
    #: The auditor's history search, timelines and decisions beside suggestions (issue 5).
    history: HistoryQueries | None = None
    timelines: TimelineQueries | None = None
    decisions: DecisionQueries | None = None
    outreach: OutreachQueries | None = None
    #: The simulated phones, when the simulator is the SMS gateway (None otherwise).
    sms_simulator: SimulatorSmsGateway | None = None
    #: The log's hash chain, signed checkpoints and verifiable export (docs/adr/0014).
    audit: AuditLog | None = None
    #: The migrations this process applied as it started (`relais migrate` lists them).
    migrations_applied: tuple[str, ...] = ()

    def close(self) -> None:
        for owned in self.closing:
            owned.close()
        self.app.close()
        self.database.close()


def build_app(
    settings: Settings,
    database: SQLiteDatabase | PostgresDatabase,
    clock: Any,
    passwords: Argon2PasswordHasher,
    gazetteer: InseeGazetteer,
    create_table: bool = False,
    ranker: Any = None,
    sms_gateway: Any = None,
    reply_reader: Any = None,
) -> Relais:
    """`ranker`: a CandidateRanker; by default the offline one. Another ranker falls back on it.
    `sms_gateway` and `reply_reader`: by default the simulator and the offline reader."""
    vault = DatabaseKeyVault(database, settings.secret_key, clock)
    offline = Bm25CandidateRanker()
    app = Relais(
        clock=clock,
        passwords=passwords,
        key_vault=vault,
        personal_data_transcoding=EncryptedPersonalData(vault),
        gazetteer=gazetteer,
        directory=ReadModelDirectory(database),
        phone_claims=DatabasePhoneClaims(database, settings.phone_claim_key, clock),
        env=settings.database.eventsourcing_env(create_table=create_table),
        candidate_pool=ReadModelCandidatePool(database),
        ranker=ranker or offline,
        fallback_ranker=offline if ranker is not None else None,
        **outreach_adapters(settings.outreach, database, clock, sms_gateway, reply_reader),
    )
    # Reads the events table the recorder names, so it is wired once the recorder exists.
    app.audit_searches = DatabaseAuditSearches(database, app.recorder)
    return app


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Any = None,
    passwords: Argon2PasswordHasher | None = None,
    run_migrations: bool = True,
    synchronous_projections: bool = True,
    ranker: Any = None,
    sms_gateway: Any = None,
    reply_reader: Any = None,
) -> Services:
    settings = settings or Settings.from_env()
    clock = clock or SystemClock()
    passwords = passwords or Argon2PasswordHasher()
    gazetteer = InseeGazetteer()
    database = open_database(settings.database)
    phone_claims = DatabasePhoneClaims(database, settings.phone_claim_key, clock)
    applied: list[str] = []
    if run_migrations:
        applied = migrate(
            database, lambda: build_app(settings, database, clock, passwords, gazetteer, create_table=True).close(),
            steps={BACKFILL_STEP: phone_claims.backfill,
                   figure_commune_codes.STEP: lambda tx: figure_commune_codes.backfill(tx, gazetteer.commune_code)},
        )
        if applied:
            log.info("migrations applied: %s", ", ".join(applied))
    try:
        phone_claims.verify_key()
    except Exception:
        database.close()
        raise
    closing: list[Any] = []
    if ranker is None and settings.mistral is not None:
        # MISTRAL_API_KEY is set: rank with Mistral, offline when it fails (docs/adr/0010-mistral.md).
        ranker = MistralCandidateRanker.from_settings(settings.mistral, database)
        closing.append(ranker)
        log.info("AI: Mistral (%s, %s) at %s", settings.mistral.embed_model, settings.mistral.chat_model,
                 settings.mistral.server_url or "the SDK's default server")
    if sms_gateway is None and (sms_gateway := build_sms_gateway(settings)) is not None:
        closing.append(sms_gateway)  # RELAIS_SMS_PROVIDER=twilio (docs/adr/0013)
    if reply_reader is None and (reply_reader := build_reply_reader(settings)) is not None:
        closing.append(reply_reader)  # MISTRAL_API_KEY: replies read by Mistral, offline when it fails
    app = build_app(settings, database, clock, passwords, gazetteer, ranker=ranker, sms_gateway=sms_gateway,
                    reply_reader=reply_reader)
    audit = AuditLog.build(settings, database, app, clock)
    # Every erasure deletes the export archives (clear copies); a job killed mid-export is failed and its folder
    # (events.jsonl in clear) deleted now, at start-up (docs/adr/0017, session 6).
    app.export_archives = audit.jobs
    audit.jobs.purge()
    runner = ProjectionRunner(app.recorder, app.mapper, database, projections())
    if run_migrations and applied:
        # A migration may send a projection back to the log's start (0056 does, to fill a new column): it
        # replays now, before this process serves or commands anything, not inside the first command's
        # transaction while every other writer waits (review 8, finding 5).
        runner.catch_up()
    share_transactions(app.recorder, database)
    vault = app.key_vault
    app.unit_of_work = lambda: unit_of_work(database, vault)
    if synchronous_projections:
        app.after_save = runner.apply_pending
    app.catch_up_read_models = runner.catch_up
    timelines = TimelineQueries(app)
    return Services(
        settings=settings,
        app=app,
        database=database,
        projections=runner,
        candidates=CandidateQueries(database),
        offers=OfferQueries(database),
        accounts=AccountQueries(database),
        shortlists=ShortlistQueries(database),
        oversight=OversightQueries(database),
        gazetteer=gazetteer,
        clock=clock,
        passwords=passwords,
        closing=closing,
        history=HistoryQueries(database, app.phone_claims),
        timelines=timelines,
        decisions=DecisionQueries(timelines),
        outreach=OutreachQueries(database),
        sms_simulator=app.sms_gateway if isinstance(app.sms_gateway, SimulatorSmsGateway) else None,
        audit=audit,
        migrations_applied=tuple(applied),
    )
