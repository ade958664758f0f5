"""The composition root: the one place where adapters are chosen and wired."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from application.app import Relais
from application.projections.accounts import AccountProjection
from application.projections.ai_oversight import AiOversightProjection
from application.projections.candidates import CandidateListProjection
from application.projections.offers import OfferListProjection
from application.projections.runner import ProjectionRunner
from application.projections.shortlists import ShortlistProjection
from application.queries.accounts import AccountQueries, ReadModelDirectory
from application.queries.candidates import CandidateQueries
from application.queries.offers import OfferQueries
from application.queries.oversight import OversightQueries
from application.queries.pool import ReadModelCandidatePool
from application.queries.shortlists import ShortlistQueries
from infrastructure.audit_log import AuditLog
from infrastructure.clock import SystemClock
from infrastructure.database import PostgresDatabase, SQLiteDatabase, open_database
from infrastructure.gazetteer import GeonamesGazetteer
from infrastructure.migrations import migrate
from infrastructure.mistral_ranker import MistralCandidateRanker
from infrastructure.offline_ranker import Bm25CandidateRanker
from infrastructure.passwords import Argon2PasswordHasher
from infrastructure.personal_data import DatabaseKeyVault, EncryptedPersonalData
from infrastructure.settings import Settings

log = logging.getLogger(__name__)


def projections() -> list[Any]:
    return [
        CandidateListProjection(), OfferListProjection(), AccountProjection(), ShortlistProjection(),
        AiOversightProjection(),
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
    gazetteer: GeonamesGazetteer
    clock: Any
    passwords: Argon2PasswordHasher
    #: Adapters this process opened and must close (e.g. the Mistral ranker's HTTP client).
    closing: list[Any] = field(default_factory=list)
    #: The log's hash chain, signed checkpoints and verifiable export (docs/adr/0014).
    audit: AuditLog | None = None

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
    gazetteer: GeonamesGazetteer,
    create_table: bool = False,
    ranker: Any = None,
) -> Relais:
    """`ranker`: a CandidateRanker; by default the offline one. Another ranker falls back on it."""
    vault = DatabaseKeyVault(database, settings.secret_key, clock)
    offline = Bm25CandidateRanker()
    return Relais(
        clock=clock,
        passwords=passwords,
        key_vault=vault,
        personal_data_transcoding=EncryptedPersonalData(vault),
        gazetteer=gazetteer,
        directory=ReadModelDirectory(database),
        env=settings.database.eventsourcing_env(create_table=create_table),
        candidate_pool=ReadModelCandidatePool(database),
        ranker=ranker or offline,
        fallback_ranker=offline if ranker is not None else None,
    )


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Any = None,
    passwords: Argon2PasswordHasher | None = None,
    run_migrations: bool = True,
    synchronous_projections: bool = True,
    ranker: Any = None,
) -> Services:
    settings = settings or Settings.from_env()
    clock = clock or SystemClock()
    passwords = passwords or Argon2PasswordHasher()
    gazetteer = GeonamesGazetteer()
    database = open_database(settings.database)
    if run_migrations:
        applied = migrate(
            database, lambda: build_app(settings, database, clock, passwords, gazetteer, create_table=True).close()
        )
        if applied:
            log.info("migrations applied: %s", ", ".join(applied))
    closing: list[Any] = []
    if ranker is None and settings.mistral is not None:
        # MISTRAL_API_KEY is set: rank with Mistral, offline when it fails (docs/adr/0010-mistral.md).
        ranker = MistralCandidateRanker.from_settings(settings.mistral, database)
        closing.append(ranker)
        log.info("AI: Mistral (%s, %s) at %s", settings.mistral.embed_model, settings.mistral.chat_model,
                 settings.mistral.server_url or "the SDK's default server")
    app = build_app(settings, database, clock, passwords, gazetteer, ranker=ranker)
    runner = ProjectionRunner(app.recorder, app.mapper, database, projections())
    if synchronous_projections:
        app.after_save = runner.catch_up
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
        audit=AuditLog.build(settings, database, app, clock),
    )
