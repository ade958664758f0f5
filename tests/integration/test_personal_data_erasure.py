"""Crypto-shredding on a real store: personal data is never stored in clear, and once a
person's key is deleted no clear copy of them remains anywhere, not even after a rebuild."""
from __future__ import annotations

import logging
import secrets
import subprocess
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

import pytest

from application.caller import Caller
from application.errors import AlreadyErasedError
from application.values import ERASED_PLACEHOLDER, Reason
from domain.candidate import Candidate
from infrastructure.bootstrap import Services
from tests.integration.helpers import advisor, compliance, details, domain_events, notifications

PG_DUMP = "/usr/bin/pg_dump"


class Canary:
    """A person whose name and number appear nowhere else, so any copy of them is found."""

    def __init__(self) -> None:
        self.token = secrets.token_hex(6)
        self.first_name = "Zoé"
        self.last_name = f"Canari-{self.token}"
        digits = f"{secrets.randbelow(10**7):07d}"
        self.phone_typed = f"06 8{digits[0]} {digits[1:3]} {digits[3:5]} {digits[5:]}"
        self.phone_e164 = f"+3368{digits}"
        self.note = f"Rappeler {self.last_name} le matin"

    def needles(self) -> dict[str, bytes]:
        """Every form in which a clear copy could be stored."""
        found: dict[str, bytes] = {}
        for text in (self.last_name, f"{self.first_name} {self.last_name}", self.phone_e164, self.phone_e164[1:]):
            found[f"{text} (utf-8)"] = text.encode("utf-8")
            found[f"{text} (utf-16)"] = text.encode("utf-16-le")
        found["canary token"] = self.token.encode()
        found["search key"] = f"zoe canari-{self.token}".encode()
        return found

    def register(self, services: Services) -> UUID:
        return services.app.register_candidate(
            details(first_name=self.first_name, last_name=self.last_name, phone=self.phone_typed, notes=self.note),
            sms_consent=True,
            caller=advisor(),
        )


def stored_bytes(services: Services, tmp_path: Path) -> dict[str, bytes]:
    """What an attacker with the data folder would read: every file in it (SQLite database, journal, keys,
    export archives unpacked, export job folders, anything), and a dump on PostgreSQL."""
    found = data_folder_bytes(services.settings.data_dir)
    if services.database.dialect == "sqlite":
        return found
    url = services.settings.database
    dump = subprocess.run(
        [PG_DUMP, "-h", url.host, "-p", str(url.port), "-U", url.user or "postgres", "--no-owner", url.dbname],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    return {**found, "pg_dump": dump}


def data_folder_bytes(root: Path) -> dict[str, bytes]:
    """Every file under `root`, and each member of a zip archive unpacked (its deflated bytes hide the text)."""
    found: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        name = str(path.relative_to(root))
        found[name] = path.read_bytes()
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                found.update({f"{name}:{member}": archive.read(member) for member in archive.namelist()})
    return found


def exported_from_the_page(services: Services) -> Path:
    """An export as the compliance page makes it (a job writing a zip under data/exports); its archive."""
    audit = services.audit
    assert audit is not None
    job_id = audit.jobs.start(Caller("dpo-1", "compliance", "", "req-export"), None, None)
    for _ in range(2000):
        job = audit.jobs.get(job_id)
        assert job is not None and job.status in ("running", "done"), job
        if job.status == "done":
            archive = audit.jobs.archive_path(job)
            assert archive is not None
            return archive
        time.sleep(0.01)
    raise AssertionError("the export job did not finish")


def log_hits(caplog: pytest.LogCaptureFixture, canary: Canary) -> list[str]:
    """The canary in anything the process logged (at any level) while the test ran."""
    text = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    return [needle for needle, raw in canary.needles().items()
            if "utf-16" not in needle and raw.decode("utf-8") in text]


def hits(blobs: dict[str, bytes], canary: Canary) -> list[str]:
    return [f"{needle} in {name}" for name, blob in blobs.items() for needle, raw in canary.needles().items() if raw in blob]


def test_personal_data_is_encrypted_in_every_stored_event(services: Services) -> None:
    canary = Canary()
    candidate_id = canary.register(services)
    services.app.change_candidate_profile(
        candidate_id, 1, details(first_name=canary.first_name, last_name=canary.last_name, phone=canary.phone_typed,
                                 notes=f"{canary.note}, permis B"), advisor()
    )
    records = [n for n in notifications(services) if n.originator_id == candidate_id]
    assert len(records) == 2
    for record in records:
        for needle, raw in canary.needles().items():
            assert raw not in record.state, f"{needle} stored in clear in {record.topic}"
        assert b"Villeurbanne" in record.state  # the commune is not personal: the search above could find text
    # ...and yet the history decodes with the person's key.
    assert services.app.repository.get(candidate_id).profile.notes.value == f"{canary.note}, permis B"


def test_an_erased_person_shows_as_erased_everywhere_and_no_clear_copy_remains(
    make_services: Callable[..., Services], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    services = make_services()
    canary, witness = Canary(), Canary()
    candidate_id = canary.register(services)
    witness_id = services.app.register_candidate(
        details(first_name="Témoin", last_name=witness.last_name, phone="06 55 44 33 22"), sms_consent=True,
        caller=advisor(),
    )
    services.app.change_candidate_profile(
        candidate_id, 1, details(first_name=canary.first_name, last_name=canary.last_name, phone=canary.phone_typed,
                                 commune="Bron", notes=canary.note), advisor()
    )
    # Control: the read model holds the clear name, so the search below can see it.
    assert hits(stored_bytes(services, tmp_path), canary), "the canary should be readable before erasure"
    # ...and so does an export archive prepared for download (the canary's number among its lines).
    archive = exported_from_the_page(services)
    assert [h for h in hits(stored_bytes(services, tmp_path), canary) if h.endswith("events.jsonl")]

    dpo = compliance()
    services.app.erase_candidate(candidate_id, Reason("demande_rgpd", "courriel du 3/12"), "personne", dpo)

    view = services.candidates.get(advisor(), candidate_id)
    assert (view.first_name, view.last_name, view.phone, view.notes) == (ERASED_PLACEHOLDER,) * 4
    assert (view.erased, view.sms_consent, view.commune) == (True, False, "Bron")
    assert services.candidates.get(dpo, candidate_id).last_name == ERASED_PLACEHOLDER
    assert services.candidates.search(advisor(), canary.last_name).items == []
    assert services.candidates.search(advisor(), "zoe").items == []

    aggregate = services.app.repository.get(candidate_id)
    assert aggregate.erased is True
    assert {aggregate.profile.first_name.value, aggregate.profile.last_name.value, aggregate.profile.phone.value,
            aggregate.profile.notes.value} == {ERASED_PLACEHOLDER}
    history = [e for e in domain_events(services) if e.originator_id == candidate_id]
    assert [type(e) for e in history] == [Candidate.Registered, Candidate.ProfileChanged, Candidate.PersonalDataErased]
    assert history[0].profile.last_name.value == ERASED_PLACEHOLDER
    assert history[1].profile.commune == "Bron"
    assert (history[2].provenance.actor_id, history[2].provenance.actor_role, history[2].reason.code) == (
        dpo.actor_id, "compliance", "demande_rgpd",
    )

    # Someone else is untouched, in the read model and in the log.
    witness_view = services.candidates.get(advisor(), witness_id)
    assert (witness_view.first_name, witness_view.last_name, witness_view.erased) == ("Témoin", witness.last_name, False)
    assert services.app.repository.get(witness_id).profile.phone.value == "+33655443322"

    assert hits(stored_bytes(services, tmp_path), canary) == []  # the archive went with the erasure
    assert not archive.exists()
    assert hits(stored_bytes(services, tmp_path), witness), "the witness's clear read-model row should remain"

    # A rebuild from the log, here and in another process, brings nobody back.
    services.projections.rebuild()
    other_process = make_services()
    other_process.projections.rebuild()
    for reader in (services, other_process):
        view = reader.candidates.get(advisor(), candidate_id)
        assert (view.first_name, view.last_name, view.phone, view.erased) == (ERASED_PLACEHOLDER,) * 3 + (True,)
        assert reader.candidates.get(advisor(), witness_id).last_name == witness.last_name
    services.database.checkpoint()
    assert hits(stored_bytes(services, tmp_path), canary) == []

    with pytest.raises(AlreadyErasedError):
        services.app.erase_candidate(candidate_id, Reason("demande_rgpd"), "personne", dpo)
    assert log_hits(caplog, canary) == []
    assert "export" in caplog.text  # control: the log was captured (the export job and the erasure logged)
