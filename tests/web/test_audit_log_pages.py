"""The auditors' integrity page, the compliance export download, and the published signing key."""
from __future__ import annotations

import io
import time
import zipfile
from html import unescape
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from infrastructure.export_verifier import verify_export
from infrastructure.signing_key import load_public_pem
from tests.web.conftest import HTMX, candidate_form, created_id, post
from web.app import template_environment


def seed(signed_in: Any, count: int = 3) -> None:
    advisor = signed_in("advisor")
    for n in range(count):
        response = post(advisor, "/conseiller/demandeurs/nouveau", candidate_form(phone=f"06 12 34 56 7{n}"))
        assert response.status_code == 303, response.text


@pytest.mark.parametrize("role", ["auditor", "compliance"])
def test_auditors_and_compliance_see_the_log_intact(signed_in: Any, services: Any, role: str) -> None:
    seed(signed_in)
    services.audit.write_checkpoint(force=True)
    response = signed_in(role).get("/audit/integrite")
    assert response.status_code == 200
    assert "Journal intact" in response.text and services.audit.key.key_id in response.text
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("role", ["advisor", "admin"])
def test_other_roles_cannot_open_the_integrity_page_nor_the_exports(signed_in: Any, role: str) -> None:
    client = signed_in(role)
    assert client.get("/audit/integrite").status_code == 403
    assert client.get("/conformite/export").status_code == 403
    assert post(client, "/conformite/export", {}).status_code == 403


def test_the_integrity_page_names_a_record_altered_in_the_database(signed_in: Any, services: Any) -> None:
    seed(signed_in)
    services.audit.write_checkpoint(force=True)
    with services.database.transaction() as tx:
        tx.execute("DELETE FROM stored_events WHERE rowid = 2")
    response = signed_in("auditor").get("/audit/integrite")
    assert response.status_code == 200
    assert "Journal altéré" in response.text
    assert "n° 2" in response.text and "enregistrement supprimé" in response.text
    # What the check had read when it stopped, not a count of verified records that includes the bad one.
    assert "Enregistrements lus jusqu'au problème" in response.text and "Enregistrements vérifiés" not in response.text


def test_the_integrity_page_fails_when_sealed_records_were_edited_and_their_checkpoints_deleted(
    signed_in: Any, services: Any,
) -> None:
    seed(signed_in)
    services.audit.write_checkpoint(force=True)
    auditor = signed_in("auditor")
    assert "point de contrôle n° 1, jusqu'au n°" in auditor.get("/audit/integrite").text  # the mark, shown
    with services.database.transaction() as tx:
        tx.execute("UPDATE stored_events SET originator_version = originator_version + 40 WHERE rowid = 2")
        tx.execute("DELETE FROM log_checkpoints")
    response = auditor.get("/audit/integrite")
    assert response.status_code == 200
    assert "Journal altéré" in response.text and "Journal intact" not in response.text
    assert "Points de contrôle supprimés de la base" in response.text and "ne peut pas être nommé" in response.text
    assert "checkpoint 1 is missing" in response.text
    assert services.audit.checkpoints.count() == 0  # the page never seals

def test_the_public_key_is_published_without_sign_in(client: Any, services: Any) -> None:
    response = client.get("/compliance/export-key")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-pem-file")
    assert response.text == services.audit.key.public_pem()
    load_public_pem(response.content)


def test_an_auditor_may_not_export(signed_in: Any) -> None:
    auditor = signed_in("auditor")
    assert auditor.get("/conformite/export").status_code == 403
    assert post(auditor, "/conformite/export", {}).status_code == 403


def test_a_wrong_period_is_shown_in_place_with_422(signed_in: Any) -> None:
    officer = signed_in("compliance")
    response = post(officer, "/conformite/export", {"since": "2026-03-01", "until": "2026-02-01"})
    assert response.status_code == 422
    assert "La date de fin doit suivre la date de début." in response.text
    response = post(officer, "/conformite/export", {"since": "mars"})
    assert response.status_code == 422 and "pas une date valide" in response.text
    for period in ({"until": "9999-12-31"}, {"since": "0001-01-01"}):
        response = post(officer, "/conformite/export", period)
        assert response.status_code == 422, period
    response = post(officer, "/conformite/export", {"since": "2099-01-01"})  # as the history search words it
    assert response.status_code == 422 and "à venir" in response.text
    assert post(officer, "/conformite/export", {"since": "01/02/2026", "until": ""}).status_code == 303


def test_an_unknown_export_is_a_404(signed_in: Any) -> None:
    officer = signed_in("compliance")
    assert officer.get("/conformite/export/nope").status_code == 404
    assert officer.get("/conformite/export/nope/archive").status_code == 404


def wait_until_done(client: Any, url: str) -> str:
    for _ in range(200):
        fragment = client.get(url, headers=HTMX)
        assert fragment.status_code == 200
        if "hx-trigger" not in fragment.text:
            return fragment.text
        assert "<html" not in fragment.text and "<progress" in fragment.text
        time.sleep(0.05)
    raise AssertionError("the export did not finish")


def test_compliance_exports_from_the_ui_follows_progress_and_downloads_a_verifiable_zip(
    signed_in: Any, services: Any, tmp_path: Path
) -> None:
    seed(signed_in)
    officer = signed_in("compliance")
    assert officer.get("/conformite/export").status_code == 200
    started = post(officer, "/conformite/export", {"since": "", "until": ""})
    assert started.status_code == 303
    job_url = started.headers["location"]
    job_id = created_id(started)
    done = wait_until_done(officer, job_url)
    assert "Export prêt" in done and f"{job_url}/archive" in done
    page = officer.get(job_url)
    assert page.status_code == 200 and "<html" in page.text and "Télécharger" in page.text
    download = officer.get(f"{job_url}/archive")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert sorted(archive.namelist()) == ["events.csv", "events.jsonl", "manifest.json", "manifest.sig"]
        archive.extractall(tmp_path)
    report = verify_export(tmp_path, services.audit.key.public_key)
    # Everything up to the export, which is itself recorded after it, by the officer who took it.
    assert report.ok and report.count == services.app.recorder.max_notification_id() - 1
    (made,) = [n for n in services.app.recorder.select_notifications(start=0, limit=10_000)
               if n.topic.endswith("LogExport.Made")]
    event = services.app.mapper.to_domain_event(made)
    assert (event.export_id, event.count, event.provenance.actor_role) == (job_id, report.count, "compliance")
    assert "Martin" in (tmp_path / "events.jsonl").read_text(encoding="utf-8")
    assert not (services.audit.jobs.directory / job_id).exists()  # the unpacked folder is gone
    listing = officer.get("/conformite/export")
    assert job_id in listing.text and "terminé" in listing.text
    assert signed_in("auditor").get(f"{job_url}/archive").status_code == 403


def test_archives_are_purged_after_a_day_and_all_at_once_after_an_erasure(services: Any, clock: Any) -> None:
    import os

    jobs = services.audit.jobs
    jobs.directory.mkdir(parents=True, exist_ok=True)
    old, fresh = jobs.directory / "relais-export-old.zip", jobs.directory / "relais-export-new.zip"
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    day_ago = old.stat().st_mtime - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    services.audit.scheduled_jobs()
    assert not old.exists() and fresh.exists()
    jobs.discard_all("someone")
    assert not fresh.exists()


def test_an_erasure_deletes_a_prepared_archive_at_once_and_the_pages_and_report_say_so(
    signed_in: Any, services: Any, clock: Any
) -> None:
    advisor = signed_in("advisor")
    person = created_id(post(advisor, "/conseiller/demandeurs/nouveau", candidate_form(phone="06 12 34 56 70")))
    officer = signed_in("compliance")
    started = post(officer, "/conformite/export", {"since": "", "until": ""})
    job_url, job_id = started.headers["location"], created_id(started)
    wait_until_done(officer, job_url)
    archive = services.audit.jobs.archive_path(services.audit.jobs.get(job_id))
    assert archive is not None and archive.is_file()

    clock.advance(seconds=1)
    erased = post(officer, f"/conformite/personnes/{person}/effacement",
                  {"reason": "demande_rgpd", "requester": "personne", "confirm": "on"})
    assert erased.status_code == 303
    # Gone from the disk before anyone asks for it: it held the person's name in clear.
    assert not archive.exists() and list(services.audit.jobs.directory.iterdir()) == []
    report = unescape(officer.get(f"/conformite/personnes/{person}/effacement").text)
    assert "1 archive d'export supprimée par cet effacement" in report
    assert "aucune archive antérieure sur le serveur" in report
    assert officer.get(f"{job_url}/archive").status_code == 404
    assert "Archive supprimée" in officer.get(job_url).text
    assert "supprimé (effacement)" in officer.get("/conformite/export").text
    # The chain of exports goes on: the next export names the deleted one's head as its previous head.
    head = services.audit.jobs.get(job_id).head
    assert head and services.audit.exporter.previous_head().hex() == head
def test_after_a_rotation_the_page_and_the_public_keys_show_the_current_then_the_previous_key(
    signed_in: Any, client: Any, services: Any
) -> None:
    import secrets

    from infrastructure.key_ring import KeyRing
    from infrastructure.signing_key import SigningKey, key_id_of, load_public_pems

    current = services.audit.key
    previous, intruder = (SigningKey.from_seed(secrets.token_bytes(32)) for _ in range(2))
    # The key this server used before: it handed over to the current key, which vouches for it.
    KeyRing(services.database, previous, (), services.clock).rotate(current)
    with services.database.transaction() as tx:  # a key row written with SQL, vouched for by no one
        tx.execute("INSERT INTO signing_keys (key_id, public_key, first_used_at) VALUES (?, 'AAAA', '2026-01-01')",
                   (intruder.key_id,))
    services.audit.keys._cached = None  # as a few seconds later
    keys = client.get("/compliance/export-key")
    assert [key_id_of(k) for k in load_public_pems(keys.content)] == [current.key_id, previous.key_id]
    assert keys.text.startswith(current.public_pem())  # a tool reading one PEM still gets the current key
    page = signed_in("auditor").get("/audit/integrite").text.split('id="cles"')[1]
    assert page.index(current.key_id) < page.index(previous.key_id) < page.index(intruder.key_id)
    assert "actuelle" in page and "précédente" in page and "non reconnue" in page


def test_a_log_edited_with_sql_is_not_exported_from_the_ui_and_the_officer_is_told_why(
    signed_in: Any, services: Any
) -> None:
    seed(signed_in)
    services.audit.seal(force=True)
    table, column = ("stored_events", "rowid") if services.database.dialect == "sqlite" else ("relais_events", "notification_id")
    with services.database.transaction() as tx:
        tx.execute(f"UPDATE {table} SET originator_version = originator_version + 40 WHERE {column} = 2")
    officer = signed_in("compliance")
    started = post(officer, "/conformite/export", {"since": "", "until": ""})
    assert started.status_code == 303
    done = wait_until_done(officer, started.headers["location"])
    assert "Export refusé" in done and "contrôle d'intégrité" in done and 'href="/audit/integrite"' in done
    assert "Télécharger" not in done
    assert not list(services.audit.jobs.directory.glob("*.zip"))


def test_an_export_that_meets_a_record_it_cannot_read_stops_and_the_officer_is_told_why(
    signed_in: Any, services: Any
) -> None:
    seed(signed_in)
    table, column = ("stored_events", "rowid") if services.database.dialect == "sqlite" else ("relais_events", "notification_id")
    with services.database.transaction() as tx:  # altered before it was sealed: the log itself verifies
        tx.execute(f"UPDATE {table} SET state = CAST('not json' AS BLOB) WHERE {column} = 2" if table == "stored_events"
                   else f"UPDATE {table} SET state = convert_to('not json', 'UTF8') WHERE {column} = 2")
    services.audit.seal(force=True)
    officer = signed_in("compliance")
    started = post(officer, "/conformite/export", {"since": "", "until": ""})
    assert started.status_code == 303
    done = wait_until_done(officer, started.headers["location"])
    assert "Export arrêté" in done and "ne se lit pas" in done and "Rien n'a été exporté" in done
    assert "Télécharger" not in done and "UndecodableRecord" not in done
    assert not list(services.audit.jobs.directory.iterdir())  # no archive, no folder with lines in clear


def test_once_a_check_finds_the_log_altered_every_auditor_and_compliance_page_says_so_until_it_passes_again(
    signed_in: Any, services: Any, clock: Any
) -> None:
    seed(signed_in)
    services.audit.seal(force=True)
    auditor = signed_in("auditor")
    assert "Journal altéré" not in auditor.get("/audit/historique").text
    table, column = ("stored_events", "rowid") if services.database.dialect == "sqlite" else ("relais_events", "notification_id")
    with services.database.read() as tx:
        original = tx.fetchone(f"SELECT state FROM {table} WHERE {column} = 2")["state"]
    with services.database.transaction() as tx:
        tx.execute(f"UPDATE {table} SET originator_version = originator_version + 40 WHERE {column} = 2")
    assert "Journal altéré" not in auditor.get("/audit/historique").text  # not checked since: nothing known yet
    assert auditor.get("/audit/integrite").status_code == 200  # the check, as an auditor runs it
    for who, page in (("auditor", "/audit/historique"), ("auditor", "/audit"), ("compliance", "/conformite")):
        text = signed_in(who).get(page).text
        assert "Journal altéré" in text and "enregistrement modifié, enregistrement n° 2" in text, (who, page)
        assert 'href="/audit/integrite"' in text
    assert "Journal altéré" not in signed_in("advisor").get("/conseiller").text  # not a page that replays the log
    with services.database.transaction() as tx:  # restored from a backup
        tx.execute(f"UPDATE {table} SET originator_version = originator_version - 40, state = ? WHERE {column} = 2",
                   (original,))
    assert services.audit.verify().ok
    assert "Journal altéré" not in auditor.get("/audit/historique").text


def test_the_scheduler_checks_the_whole_log_once_a_day_when_no_one_else_has(services: Any, clock: Any) -> None:
    assert services.audit.checks.latest() is None
    services.audit.scheduled_jobs()
    first = services.audit.checks.latest()
    assert first is not None and first.ok and first.checked_at == clock.now()
    clock.advance(hours=23)
    services.audit.scheduled_jobs()
    assert services.audit.checks.latest() == first  # checked less than a day ago: not again
    clock.advance(hours=1)
    services.audit.scheduled_jobs()
    assert services.audit.checks.latest().checked_at == clock.now()


def test_an_export_of_one_event_is_counted_in_the_singular() -> None:
    status = template_environment().get_template("compliance/_export_status.html")
    job = SimpleNamespace(id="j1", status="running", done=0, total=1, percent=0, count=0, head="", error="")
    assert "Préparation… 0 / 1 événement lu (0 %)." in status.render(job=job, available=True)
    done = status.render(job=SimpleNamespace(**{**vars(job), "status": "done", "count": 1}), available=True)
    assert "Export prêt : 1 événement." in done
