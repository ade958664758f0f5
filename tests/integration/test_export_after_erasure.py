"""Exports made after a person's erasure show "[effacé]", and both the log and the exports still verify."""
from __future__ import annotations

from pathlib import Path

from application.values import Reason
from infrastructure.bootstrap import Services
from infrastructure.export_verifier import verify_export
from tests.integration.helpers import advisor, compliance, details

CANARY_NAME, CANARY_PHONE = "Zébulon-Canari", "06 99 88 77 66"


def test_an_export_after_erasure_shows_the_placeholder_and_everything_still_verifies(services: Services, tmp_path: Path) -> None:
    audit = services.audit
    assert audit is not None
    kept = services.app.register_candidate(details(last_name="Gardé", phone="06 11 22 33 44"), True, advisor())
    erased = services.app.register_candidate(details(last_name=CANARY_NAME, phone=CANARY_PHONE), True, advisor())
    audit.write_checkpoint(force=True)
    before = audit.exporter.export(tmp_path / "before")
    text = (tmp_path / "before" / "events.jsonl").read_text(encoding="utf-8")
    assert CANARY_NAME in text and "+33699887766" in text and "Gardé" in text

    services.app.erase_candidate(erased, Reason("demande_rgpd", "courrier du 2 mars"), "personne", compliance())
    after = audit.exporter.export(tmp_path / "after")
    for name in ("events.jsonl", "events.csv", "manifest.json"):
        content = (tmp_path / "after" / name).read_text(encoding="utf-8")
        assert CANARY_NAME not in content and "+33699887766" not in content, name
    text = (tmp_path / "after" / "events.jsonl").read_text(encoding="utf-8")
    assert '"last_name":"[effacé]"' in text and "Gardé" in text and str(kept) in text
    assert "PersonalDataErased" in text

    assert after.manifest.previous_head == before.manifest.head
    assert verify_export(tmp_path / "before", audit.key.public_key).ok
    assert verify_export(tmp_path / "after", audit.key.public_key).ok
    report = audit.verify()
    assert report.ok, report.problem
