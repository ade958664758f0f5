"""A web worker of `relais serve`, as uvicorn builds it in each process (web/cli_serve.py)."""
from __future__ import annotations

import gc

import pytest
from litestar.testing import TestClient

from infrastructure.bootstrap import bootstrap
from tests.web.conftest import make_settings
from web.cli_serve import worker_app


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()  # the test process keeps collecting everything, as before the test


def test_a_started_worker_answers_with_its_start_up_objects_left_out_of_collections(
    tmp_path, monkeypatch, unfrozen
) -> None:
    bootstrap(make_settings(tmp_path), run_migrations=True).close()  # `relais serve` migrates before workers start
    for name, value in {"RELAIS_DATA_DIR": str(tmp_path), "RELAIS_SEED_DEMO": "0", "RELAIS_SCHEDULER": "off"}.items():
        monkeypatch.setenv(name, value)
    gc.unfreeze()
    app = worker_app()
    assert gc.get_freeze_count() == 0  # building the app freezes nothing; starting it does
    with TestClient(app) as client:
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # the modules, templates and routes of the started app
        assert client.get("/health").status_code == 200
        answer = client.get("/conseiller/demandeurs", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/connexion")  # still guarded
        garbage = [[]]
        garbage[0].append(garbage)  # a cycle made after start-up is still collected
        del garbage
        assert gc.collect() >= 1 and frozen - 1_000 < gc.get_freeze_count() <= frozen  # the frozen stay frozen
