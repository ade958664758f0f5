"""The export's fast decoding of stored events gives exactly what the application's own mapper
decodes (personal data included), for every kind of event a realistic day produces."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from application.values import Reason
from domain.personal_data import PersonalData
from infrastructure.bootstrap import Services
from tests.integration.helpers import admin, advisor, compliance, details, mobile, notifications, terms
from tests.integration.test_matching import CRITERIA

ROOT = Path(__file__).resolve().parents[2]


def as_json(value: Any) -> Any:
    """A domain value as the export writes it."""
    if isinstance(value, PersonalData):
        return value.value  # "[effacé]" once erased
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    return value


def a_day_of_work(services: Services) -> None:
    people = [services.app.register_candidate(details(phone=mobile(n), last_name=f"Nom{n}",
                                                      skills=("nettoyage de locaux", "tri des déchets")), True, advisor())
              for n in range(4)]
    services.app.set_sms_consent(people[0], False, Reason("stop_sms"), advisor())
    offer_id = services.app.publish_offer(terms(), advisor())
    services.app.request_shortlist(offer_id, CRITERIA, advisor())
    services.app.close_offer(offer_id, Reason("pourvue"), advisor())
    services.app.switch_ai(False, Reason("incident", "test"), admin())
    services.app.erase_candidate(people[1], Reason("demande_rgpd", "courrier"), "personne", compliance())


def test_every_event_decodes_as_the_application_decodes_it(services: Services) -> None:
    a_day_of_work(services)
    assert services.audit is not None
    decoder = services.audit.exporter.decoders()
    topics = set()
    for record in notifications(services):
        event = services.app.mapper.to_domain_event(record)
        expected = as_json({k: v for k, v in event.__dict__.items() if k not in ("originator_id", "originator_version")})
        if getattr(type(event), "class_version", 1) > 1:  # stored with the event; the mapper uses it to upcast
            expected["class_version"] = type(event).class_version
        assert decoder.decode(record.state) == expected, record.topic
        topics.add(record.topic.rpartition(":")[2])
    assert {"Candidate.Registered", "Candidate.ConsentWithdrawn", "Offer.Published", "Candidate.PersonalDataErased"} <= topics
    assert len(topics) >= 6


def test_the_standalone_verifier_accepts_an_export_and_rejects_a_changed_one(services: Services, tmp_path: Path) -> None:
    a_day_of_work(services)
    assert services.audit is not None
    services.audit.exporter.export(tmp_path / "out")
    (tmp_path / "key.pem").write_text(services.audit.key.public_pem())
    script = [sys.executable, str(ROOT / "docs" / "verify_export.py"), str(tmp_path / "out"), str(tmp_path / "key.pem")]
    good = subprocess.run(script, capture_output=True, text=True, timeout=60)
    assert good.returncode == 0, good.stdout + good.stderr
    jsonl = tmp_path / "out" / "events.jsonl"
    intact = jsonl.read_bytes()
    jsonl.write_bytes(intact.replace(b"Nom2", b"Nom3", 1))
    bad = subprocess.run(script, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "chain head differs" in bad.stdout

    lines = intact.splitlines(keepends=True)
    without_sequence = lines[2].replace(b'"sequence":', b'"sequenze":', 1)
    for third_line in (b"not json at all\n", without_sequence, b'["a list"]\n', b'{"sequence":"x"}\n', b"\xff\n"):
        jsonl.write_bytes(b"".join((*lines[:2], third_line, *lines[3:])))
        named = subprocess.run(script, capture_output=True, text=True, timeout=60)
        assert (named.returncode, named.stdout.strip(), named.stderr) == (1, "line 3: not a CloudEvent", ""), third_line


def test_the_standalone_verifier_names_a_missing_file_instead_of_crashing(services: Services, tmp_path: Path) -> None:
    def verify(folder: Path, key: Path) -> subprocess.CompletedProcess[str]:
        script = [sys.executable, str(ROOT / "docs" / "verify_export.py"), str(folder), str(key)]
        return subprocess.run(script, capture_output=True, text=True, timeout=60)

    assert services.audit is not None
    services.audit.exporter.export(tmp_path / "out")
    key = tmp_path / "key.pem"
    key.write_text(services.audit.key.public_pem())
    (tmp_path / "empty").mkdir()
    empty = verify(tmp_path / "empty", key)
    assert empty.returncode == 1 and "Traceback" not in empty.stderr
    assert "missing manifest.json, manifest.sig, events.jsonl" in empty.stdout
    (tmp_path / "out" / "events.csv").unlink()
    no_csv = verify(tmp_path / "out", key)
    assert (no_csv.returncode, no_csv.stdout.strip()) == (1, "missing events.csv (the manifest names it)")
    no_key = verify(tmp_path / "out", tmp_path / "absent.pem")
    assert no_key.returncode != 0 and "usage" in no_key.stderr and "Traceback" not in no_key.stderr
