"""Fakes that implement the application's ports, for tests on in-memory persistence."""
from __future__ import annotations

import os
from uuid import UUID

from application.app import Relais
from infrastructure.personal_data import EncryptedPersonalData


class InMemoryKeyVault:
    """Per-person keys in a dict: same contract as the database vault."""

    def __init__(self) -> None:
        self.keys: dict[str, bytes] = {}

    def key_for(self, subject_id: str, *, create: bool) -> bytes | None:
        if subject_id not in self.keys and create:
            self.keys[subject_id] = os.urandom(32)
        return self.keys.get(subject_id)

    def destroy(self, subject_id: str) -> bool:
        return self.keys.pop(subject_id, None) is not None

    def purge_residues(self) -> None:
        pass


class FakeGazetteer:
    COMMUNES = ("Lyon", "Villeurbanne", "Paris", "Lille", "Saint-Denis")

    def canonical_commune(self, name: str) -> str | None:
        return next((c for c in self.COMMUNES if c.lower() == name.strip().lower()), None)

    def names(self) -> list[str]:
        return list(self.COMMUNES)


class FakeDirectory:
    """Tests say which phones and user names are taken."""

    def __init__(self) -> None:
        self.phones: dict[tuple[str, str], UUID] = {}
        self.usernames: set[str] = set()

    def candidate_with_phone(self, phone: str, agency_id: str) -> UUID | None:
        return self.phones.get((phone, agency_id))

    def account_exists(self, username: str) -> bool:
        return username in self.usernames


class FakePasswords:
    def hash(self, password: str) -> str:
        return "fake$" + password[::-1]

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == self.hash(password)

    def dummy_verify(self) -> None:
        pass


def in_memory_relais(clock, vault: InMemoryKeyVault | None = None, directory: FakeDirectory | None = None) -> Relais:
    vault = vault or InMemoryKeyVault()
    return Relais(
        clock=clock,
        passwords=FakePasswords(),
        key_vault=vault,
        personal_data_transcoding=EncryptedPersonalData(vault),  # type: ignore[arg-type]
        gazetteer=FakeGazetteer(),
        directory=directory or FakeDirectory(),
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
    )
