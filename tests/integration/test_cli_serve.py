"""`relais serve` with several web worker processes, as an operator runs it (RELAIS_WEB_WORKERS)."""
from __future__ import annotations

import html
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from application.caller import Caller
from infrastructure.bootstrap import bootstrap
from infrastructure.passwords import Argon2PasswordHasher
from tests.conftest import settings_for

PASSWORD = "correct horse battery staple"
WORKERS = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def open_advisor(data_dir: Path, store: str | None) -> None:
    services = bootstrap(settings_for(data_dir, store), passwords=Argon2PasswordHasher(time_cost=1, memory_cost=64))
    try:
        services.app.open_account("conseil", "advisor", "lyon-est", PASSWORD, Caller.cli("test", "test"))
    finally:
        services.close()


def serve(data_dir: Path, store: str | None, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    env.update(
        RELAIS_DATA_DIR=str(data_dir), RELAIS_SEED_DEMO="0", RELAIS_PORT=str(port), RELAIS_WEB_WORKERS=str(WORKERS),
        RELAIS_SCHEDULER_ELECTION_SECONDS="1", RELAIS_LOG_LEVEL="INFO",
    )
    if store:
        env["RELAIS_DATABASE_URL"] = store
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "web.cli", "serve"], env=env, cwd=data_dir.parent,
                                stdout=out, stderr=subprocess.STDOUT)


def get(port: int, path: str, cookie: str = "") -> http.client.HTTPResponse:
    """On a new connection each time: the kernel hands it to whichever worker accepts first."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    response.read()
    return response


def wait_until_every_worker_is_up(process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        if log.read_text().count("Application startup complete") == WORKERS:
            return
        time.sleep(0.2)
    raise AssertionError(f"relais serve did not start {WORKERS} workers\n{log.read_text()}")


def signed_in_cookie(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/connexion")
    response = connection.getresponse()
    page = response.read().decode()
    cookies = dict(h.split(";", 1)[0].split("=", 1) for h in response.headers.get_all("set-cookie") or [])
    token = html.unescape(re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    form = urllib.parse.urlencode({"_csrf_token": token, "username": "conseil", "password": PASSWORD})
    connection.request("POST", "/connexion", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
    response = connection.getresponse()
    response.read()
    assert response.status == 303, response.status
    session = next(h for h in response.headers.get_all("set-cookie") or [] if h.startswith("relais_session="))
    return session.split(";", 1)[0]


def test_several_workers_share_sessions_and_only_one_runs_the_scheduled_jobs(tmp_path: Path, store: str | None) -> None:
    data_dir = tmp_path / "data"
    open_advisor(data_dir, store)
    port, log = free_port(), tmp_path / "serve.log"
    process = serve(data_dir, store, port, log)
    try:
        wait_until_every_worker_is_up(process, log)
        cookie = signed_in_cookie(port)
        # Many fresh connections land on both workers: each knows the session opened by one of them.
        statuses = {get(port, "/conseiller/demandeurs", cookie).status for _ in range(30)}
        assert statuses == {200}
        # A search: the name typed travels in the query string, which the access log leaves out.
        assert get(port, "/conseiller/demandeurs?q=Canari-serve&page=1", cookie).status == 200
        assert get(port, "/conseiller/demandeurs").status in (302, 303, 401)  # no session: no page
        time.sleep(3)  # several elections
        while_serving = log.read_text()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    output = log.read_text()
    assert process.returncode == 0, output
    assert len(set(re.findall(r"Started server process \[(\d+)\]", output))) == WORKERS, output
    assert while_serving.count("scheduler started") == WORKERS, output  # a candidate in each worker...
    assert while_serving.count("this process leads") == 1, output  # ...and one leader among them
    assert output.count("Application shutdown complete") == WORKERS, output
    assert re.search(r"GET /conseiller/demandeurs 200 \d+\.\d ms", output), output  # method, path, status, time
    assert "Canari" not in output and "?q=" not in output, output
