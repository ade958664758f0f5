"""Browser tests: a real headless Debian Chromium driven by pytest-playwright,
against the app served by a subprocess (`python -m web.cli serve`).

Run them as their own pytest process (`pytest tests/e2e -m e2e`): pytest-asyncio
and pytest-playwright clash in one process.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parents[1]
HEALTH_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
DEMO_LOGINS_FILE = "demo-logins.txt"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


# ------------------------------------------------------------------ marking


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/e2e with `e2e` (before `-m` deselects)."""
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


# ------------------------------------------------------------------ browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch options, pointed at Debian's Chromium."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        reason = f"{CHROMIUM} is missing: install Debian's chromium (`make test-deps`)"
        if _in_ci():
            pytest.fail(reason + " -- browser tests are mandatory when CI=true", pytrace=False)
        pytest.skip(reason)
    return {
        "headless": True,
        **browser_type_launch_args,  # --headed / --slowmo still apply
        "executable_path": CHROMIUM,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


# ------------------------------------------------------------------ live server


@dataclass(frozen=True)
class LiveServer:
    url: str
    data_dir: Path
    log_path: Path
    process: subprocess.Popen


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, limit: int = 8000) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(could not read {path}: {exc})"
    return text[-limit:] if len(text) > limit else text


def _health_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app in a subprocess on a free loopback port, with the demo data seeded."""
    data_dir = tmp_path_factory.mktemp("relais-live")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "RELAIS_DATA_DIR": str(data_dir),
        "RELAIS_DATABASE_URL": f"sqlite:///{data_dir}/relais.sqlite",
        "RELAIS_PORT": str(port),
        "RELAIS_HOST": "127.0.0.1",
        "RELAIS_SEED_DEMO": "1",
        "PYTHONUNBUFFERED": "1",
        # Outreach: SMS may go out at any hour in the browser tests, and the tick runs every second.
        "RELAIS_QUIET_ALLOWED_DAYS": "1-7",
        "RELAIS_QUIET_ALLOWED_FROM": "00:00",
        "RELAIS_QUIET_ALLOWED_UNTIL": "24:00",
        "RELAIS_QUIET_HOLIDAYS": "none",
        "RELAIS_OUTREACH_TICK_SECONDS": "1",
    }
    stdout_path = data_dir / "server.stdout.log"
    log_path = data_dir / "server.stderr.log"
    with open(stdout_path, "wb") as out, open(log_path, "wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "serve"],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while True:
            if _health_ok(f"{url}/health"):
                break
            code = process.poll()
            if code is not None or time.monotonic() > deadline:
                what = (
                    f"exited with code {code}"
                    if code is not None
                    else f"did not answer 200 on /health within {HEALTH_TIMEOUT_S:.0f} s"
                )
                _stop(process)
                pytest.fail(
                    f"live server ({url}) {what}\n"
                    f"--- stderr ---\n{_tail(log_path)}\n"
                    f"--- stdout ---\n{_tail(stdout_path)}",
                    pytrace=False,
                )
            time.sleep(0.2)
        yield LiveServer(url=url, data_dir=data_dir, log_path=log_path, process=process)
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def base_url(pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> str:
    """`page.goto("/path")` goes to the live server unless --base-url is given."""
    configured = pytestconfig.getoption("--base-url", default=None)
    if not configured:
        try:
            configured = pytestconfig.getini("base_url")
        except ValueError:
            configured = None
    if configured:
        return configured
    return request.getfixturevalue("live_server").url


@pytest.fixture(scope="session")
def demo_logins(live_server: LiveServer) -> dict[str, tuple[str, str]]:
    """role -> (username, password), from <data_dir>/demo-logins.txt."""
    path = live_server.data_dir / DEMO_LOGINS_FILE
    deadline = time.monotonic() + 10.0
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    if not path.exists():
        pytest.fail(
            f"{path} was not written by the app (RELAIS_SEED_DEMO=1)\n"
            f"--- server stderr ---\n{_tail(live_server.log_path)}",
            pytrace=False,
        )
    logins: dict[str, tuple[str, str]] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(maxsplit=2)
        if len(parts) != 3:
            pytest.fail(f"{path}:{number}: expected 'role username password', got {line!r}")
        role, username, password = parts
        logins[role] = (username, password)
    if not logins:
        pytest.fail(f"{path} lists no login")
    return logins
