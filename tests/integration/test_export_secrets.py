"""An export holds no secret: staff accounts' password hashes are written "[masqué]" in events.jsonl
and events.csv, whether the exporting process or worker processes write them, on SQLite and
PostgreSQL; every line is still a CloudEvent and the export still verifies."""
from __future__ import annotations

import json
from pathlib import Path

from cloudevents.core.formats.json import JSONFormat

from application.secret_fields import MASKED
from infrastructure.bootstrap import Services
from infrastructure.export_verifier import verify_export
from tests.integration.helpers import admin
from tests.integration.test_export_decoding import a_day_of_work
from tests.integration.test_export_workers import exporters

PASSWORD = "un mot de passe assez long"


def accounts_opened_and_a_password_changed(services: Services) -> None:
    services.app.open_account("admin.secours", "admin", "", PASSWORD, admin())
    advisor_id = services.app.open_account("conseil.nord", "advisor", "paris-nord", PASSWORD, admin())
    services.app.change_password(advisor_id, "un autre mot de passe assez long", admin())


def test_neither_the_exporting_process_nor_the_workers_export_a_password_hash(services: Services, tmp_path: Path) -> None:
    accounts_opened_and_a_password_changed(services)
    a_day_of_work(services)
    assert services.audit is not None
    stored = b"".join(state for *_, state in services.audit.records.records())
    assert stored.count(b"$argon2id$") == 3  # the log keeps them (sign-in needs them): the export must not

    for exporter, folder in zip(exporters(services), ("alone", "workers"), strict=True):
        exporter.export(tmp_path / folder)
        jsonl = (tmp_path / folder / "events.jsonl").read_bytes()
        csv = (tmp_path / folder / "events.csv").read_bytes()
        assert b"$argon2" not in jsonl and b"$argon2" not in csv
        account_events = [
            JSONFormat().read(None, line) for line in jsonl.splitlines() if b'"type":"fr.relais.Account.' in line
        ]
        assert [(event.get_type(), event.get_data()["password_hash"]) for event in account_events] == [
            ("fr.relais.Account.Opened", MASKED), ("fr.relais.Account.Opened", MASKED),
            ("fr.relais.Account.PasswordChanged", MASKED),
        ]
        assert account_events[1].get_data()["username"] == "conseil.nord"  # the rest of the event is there
        assert csv.count(json.dumps(MASKED, ensure_ascii=False).replace('"', '""').encode("utf-8")) == 3
        for line in jsonl.splitlines():
            JSONFormat().read(None, line)
        assert verify_export(tmp_path / folder, services.audit.key.public_key).ok  # type: ignore[union-attr]
