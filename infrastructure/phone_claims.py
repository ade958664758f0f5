"""Phone claims in the `phone_claims` table: one job seeker per number and agency (docs/adr/0004).

A claim is stored as HMAC-SHA256(key, [agency, E.164 number]), never as the number: the table
outlives no one (an erasure deletes the row), but while it exists it must not be a second,
unencrypted copy of everyone's phone. The key matters: there are only about 10**9 French
mobile numbers, so a plain hash would be reversed by trying them all.

Claims are written through the read-model database's connection of the current thread, so
inside a command's unit of work they commit with its events (docs/adr/0018): a concurrent
duplicate waits on the primary key, then is refused, and nothing of it is written.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from application.ports import Transaction
from application.queries.distinct import distinct_values
from application.transactions import joined
from infrastructure.database import PostgresDatabase, SQLiteDatabase
from infrastructure.settings import SettingsError

log = logging.getLogger(__name__)

#: Named by migrations/0035_phone_claims.sql: the rows of people registered before it.
BACKFILL_STEP = "phone_claims_backfill"
#: The primary key of `phone_claims` (migrations/0035), as the database names it in a violation.
CLAIM_CONSTRAINT = "phone_claims_pkey"
#: app_state key of a value derived from the claim key: a process started with another key would
#: not see anyone's claim and let every duplicate through, so it refuses to start instead.
KEY_CHECK = "phone_claims_key_check"

#: The agencies anyone is registered in, one index seek per agency: SELECT DISTINCT read all of
#: rm_candidates on each search, ~85 ms for 1,000,000 people on PostgreSQL (review 8, finding 4).
AGENCIES_WITH_PEOPLE = distinct_values("rm_candidates", "agency_id")


class PhoneClaimKeyError(SettingsError):
    """The phone claim key is not the one the stored claims were made with."""


class DatabasePhoneClaims:
    def __init__(self, database: SQLiteDatabase | PostgresDatabase, key: bytes, clock: Any) -> None:
        if len(key) != 32:
            raise ValueError("the phone claim key must be 32 bytes")
        self.database = database
        self._key = key
        self.clock = clock

    def claim(self, agency_id: str, phones: Mapping[UUID, str], *, replacing: bool = False) -> set[UUID]:
        if not phones:
            return set()
        # Sorted by claim: two transactions claiming several numbers take them in the same order,
        # so one waits for the other instead of both waiting for each other (a deadlock).
        wanted = sorted((self._claim_of(agency_id, phone), str(person)) for person, phone in phones.items())
        now = self.clock.now().isoformat()
        with joined(self.database) as tx:
            rows = tx.fetchall(
                "INSERT INTO phone_claims (claim, candidate_id, claimed_at) VALUES "
                + ", ".join(["(?, ?, ?)"] * len(wanted))
                + " ON CONFLICT (claim) DO NOTHING RETURNING claim, candidate_id",
                [value for claim, person in wanted for value in (claim, person, now)],
            )
            got = {(row["claim"], row["candidate_id"]) for row in rows}
            if not replacing:
                # New people (the port's contract) whose number no one held: nothing of them is stored.
                # Those already holding theirs were registered before (an import run twice at once).
                self.database.registering(person for _, person in got)
            holders = self._holders(tx, [claim for claim, person in wanted if (claim, person) not in got])
            # Not inserted: already the person's own (an unchanged number), or someone else's.
            accepted = [(claim, person) for claim, person in wanted
                        if (claim, person) in got or holders.get(claim) == person]
            if replacing and accepted:  # a changed number frees the one the person held before
                tx.execute(
                    f"DELETE FROM phone_claims WHERE candidate_id IN ({_marks(accepted)}) "
                    f"AND claim NOT IN ({_marks(accepted)})",
                    [person for _, person in accepted] + [claim for claim, _ in accepted],
                )
        return {UUID(person) for claim, person in wanted if (claim, person) not in accepted}

    def claim_new(self, agency_id: str, person: UUID, phone: str, refused: Exception) -> None:
        if not isinstance(self.database, PostgresDatabase) or self.database.command_pipeline() is None:
            if self.claim(agency_id, {person: phone}):
                raise refused
            return
        # Sent with what follows (the person's key and event), not waited for: a new person holds no
        # number, so the plain INSERT fails only if someone else does, and that fails the command.
        self.database.registering([str(person)])
        self.database.on_conflict(CLAIM_CONSTRAINT, refused)
        with joined(self.database) as tx, self.database.pipelined():
            tx.execute("INSERT INTO phone_claims (claim, candidate_id, claimed_at) VALUES (?, ?, ?)",
                       (self._claim_of(agency_id, phone), str(person), self.clock.now().isoformat()))

    def release(self, candidate_id: UUID) -> None:
        with joined(self.database) as tx:
            tx.execute("DELETE FROM phone_claims WHERE candidate_id = ?", (str(candidate_id),))

    def holders_of(self, phone: str) -> set[UUID]:
        # A claim names its agency, so a search across agencies asks for the claim of each agency anyone is
        # registered in: a few hundred digests at most, one indexed read, and the number never leaves memory.
        with self.database.read() as tx:
            agencies = [row["agency_id"] for row in tx.fetchall(AGENCIES_WITH_PEOPLE)]
            if not agencies:
                return set()
            holders = self._holders(tx, [self._claim_of(agency, phone) for agency in agencies])
        return {UUID(person) for person in holders.values()}

    def backfill(self, tx: Transaction) -> None:
        """The migration step: claim the numbers of the job seekers already registered.

        Read from `rm_candidates`, which commits with the events (docs/adr/0018). Two people of
        one agency with one number (the race this table closes) cannot both hold it: the first
        registered does, and the count of the others is logged for an advisor to merge them."""
        rows = tx.fetchall("SELECT id, agency_id, phone FROM rm_candidates WHERE erased = 0 ORDER BY registered_at, id")
        now = self.clock.now().isoformat()
        claimed = 0
        for row in rows:
            claimed += tx.execute(
                "INSERT INTO phone_claims (claim, candidate_id, claimed_at) VALUES (?, ?, ?) "
                "ON CONFLICT (claim) DO NOTHING",
                (self._claim_of(row["agency_id"], row["phone"]), row["id"], now),
            )
        if claimed < len(rows):
            log.warning("phone claims: %d job seekers share a number with someone registered before them in "
                        "their agency; only the first holds it", len(rows) - claimed)
        self._record_key_check(tx)

    def verify_key(self) -> None:
        """Refuse to run with a key other than the one the claims were made with."""
        with self.database.transaction() as tx:
            self._record_key_check(tx)
            row = tx.fetchone("SELECT value FROM app_state WHERE key = ?", (KEY_CHECK,))
        if row is None or not hmac.compare_digest(row["value"], self._key_check()):
            raise PhoneClaimKeyError(
                "RELAIS_PHONE_KEY (by default derived from RELAIS_SECRET_KEY) differs from the key the phone "
                "claims were made with: duplicate job seekers would go unnoticed. Start with the same key."
            )

    def _record_key_check(self, tx: Transaction) -> None:
        tx.execute("INSERT INTO app_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                   (KEY_CHECK, self._key_check()))

    def _key_check(self) -> str:
        return hmac.new(self._key, b"relais/phone-claims/key-check", hashlib.sha256).hexdigest()

    def _claim_of(self, agency_id: str, phone: str) -> str:
        # JSON: an agency id cannot run into the number ("a1" + "+336..." vs "a" + "1+336...").
        return hmac.new(self._key, json.dumps([agency_id, phone]).encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _holders(tx: Transaction, claims: list[str]) -> dict[str, str]:
        if not claims:
            return {}
        rows = tx.fetchall(f"SELECT claim, candidate_id FROM phone_claims WHERE claim IN ({_marks(claims)})", claims)
        return {row["claim"]: row["candidate_id"] for row in rows}


def _marks(items: list[Any]) -> str:
    return ", ".join("?" * len(items))
