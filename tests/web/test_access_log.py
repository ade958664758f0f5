"""The server's access log (web/cli_serve.py `AccessLog`, which replaces uvicorn's): one line per request with
the method, the path, the status and the duration, never the query string where searched names travel
(review finding 3)."""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from litestar.testing import TestClient

from tests.web.conftest import Captured, login
from web.app import create_app
from web.cli_serve import AccessLog

SEARCHED = "Canari-4f1e"


def test_searches_leave_no_name_in_the_access_log_which_keeps_method_path_status_and_duration(
    services: Any, open_account: Callable[..., str]
) -> None:
    open_account("alice", "advisor")
    open_account("aude", "auditor")
    apps = [AccessLog(create_app(services)) for _ in range(2)]
    captured, root = Captured(), logging.getLogger()
    root.addHandler(captured)
    try:
        with TestClient(apps[0], base_url="http://testserver.local") as client:
            assert login(client, "alice").status_code == 303
            assert client.get(f"/conseiller/demandeurs?q={SEARCHED}&page=1").status_code == 200
            assert client.get("/conseiller/demandeurs?q=06+12+34+56+78").status_code == 200
        with TestClient(apps[1], base_url="http://testserver.local") as client:
            assert login(client, "aude").status_code == 303
            assert client.get(f"/audit/historique?personne={SEARCHED}").status_code == 200
            assert client.get("/nulle-part?q=Canari").status_code == 404
    finally:
        root.removeHandler(captured)

    lines = "\n".join(r.getMessage() for r in captured.records if r.name == "relais.access")
    assert re.search(r"^GET /conseiller/demandeurs 200 \d+\.\d ms$", lines, re.MULTILINE), lines
    assert re.search(r"^GET /audit/historique 200 \d+\.\d ms$", lines, re.MULTILINE), lines
    assert re.search(r"^POST /connexion 303 \d+\.\d ms$", lines, re.MULTILINE), lines
    assert re.search(r"^GET /nulle-part 404 \d+\.\d ms$", lines, re.MULTILINE), lines
    # Every line is exactly method, path, status and duration: no query string, so no searched name or phone.
    # (The phone is not looked for as bare digits: a duration such as "56.2 ms" would match them.)
    assert all(re.fullmatch(r"[A-Z]+ /[^ ?]* \d{3} \d+\.\d ms", line) for line in lines.splitlines()), lines
    assert "Canari" not in captured.text() and "12+34" not in captured.text() and "12 34" not in captured.text()
