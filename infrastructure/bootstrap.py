"""The composition root: the one place where adapters are chosen and wired."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from application.app import Relais
from application.projections.accounts import AccountProjection
from application.projections.candidates import CandidateListProjection
from application.projections.offers import OfferListProjection
from application.projections.runner import ProjectionRunner
from application.queries.accounts import AccountQueries, ReadModelDirectory
from application.queries.candidates import CandidateQueries
from application.queries.offers import OfferQueries
from infrastructure.clock import SystemClock
from infrastructure.database import PostgresDatabase, SQLiteDatabase, open_database
from infrastructure.gazetteer import GeonamesGazetteer
from infrastructure.migrations import migrate
from infrastructure.passwords import Argon2PasswordHasher
from infrastructure.personal_data import DatabaseKeyVault, EncryptedPersonalData
from infrastructure.settings import Settings

log = logging.getLogger(__name__)


def projections() -> list[Any]:
    return [CandidateListProjection(), OfferListProjection(), AccountProjection()]


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
    gazetteer: GeonamesGazetteer
    clock: Any
    passwords: Argon2PasswordHasher
    extras: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        self.app.close()
        self.database.close()


def build_app(
    settings: Settings,
    database: SQLiteDatabase | PostgresDatabase,
    clock: Any,
    passwords: Argon2PasswordHasher,
    gazetteer: GeonamesGazetteer,
    create_table: bool = False,
) -> Relais:
    vault = DatabaseKeyVault(database, settings.secret_key, clock)
    return Relais(
        clock=clock,
        passwords=passwords,
        key_vault=vault,
        personal_data_transcoding=EncryptedPersonalData(vault),
        gazetteer=gazetteer,
        directory=ReadModelDirectory(database),
        env=settings.database.eventsourcing_env(create_table=create_table),
    )


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Any = None,
    passwords: Argon2PasswordHasher | None = None,
    run_migrations: bool = True,
    synchronous_projections: bool = True,
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
    app = build_app(settings, database, clock, passwords, gazetteer)
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
        gazetteer=gazetteer,
        clock=clock,
        passwords=passwords,
    )
