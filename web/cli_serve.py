"""`relais serve`: migrate and seed once, then serve with RELAIS_WEB_WORKERS processes.

The parent prepares the database (migrations, demo seed) before any worker starts, since
several processes must not create tables at once. Each worker then builds its own services
(connections do not cross a fork), keeps its read models current with its own projection
poller (tracking makes catch-up exactly-once across processes), and starts a scheduler
candidate: the leader lock (infrastructure/leadership.py) lets only one of them run jobs.
Workers are stateless: sessions, throttle counters and simulated phones live in the database.

The access log is Relais's own (`AccessLog`): method, path, status and duration, never the query
string, where searched names travel (`?q=…`, `?personne=…`); uvicorn's, which writes it, is off.
"""
from __future__ import annotations

import argparse
import gc
import logging
import time
from typing import TYPE_CHECKING, Any

from infrastructure.settings import Settings

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

    from infrastructure.scheduler import LeaderScheduler

#: uvicorn imports the app factory by name in every worker process.
WORKER_APP_FACTORY = "web.cli_serve:worker_app"
#: uvicorn's supervisor kills a worker that does not answer its ping within this time, and
#: starts another. A new worker imports the whole app first (spawn re-imports `web.cli`); on a
#: busy machine that took longer than uvicorn's 5 s, and workers were killed and restarted
#: forever without ever serving.
WORKER_HEALTHCHECK_SECONDS = 60

access_log = logging.getLogger("relais.access")


def settle_heap() -> None:
    """Collect once, then leave every object alive after start-up out of later collections.

    A worker holds about 175,000 objects the collector tracks (modules, templates, the app's
    routes and caches), nearly all of them kept until it stops. A full collection walks them
    all: about 110 ms of CPU during which the worker answers nobody, whenever enough survivors
    have piled up. `gc.freeze()` takes them out of that walk; what is created later is
    collected as before (docs/adr/0019, session 6). The collection first frees start-up's
    garbage, which would otherwise stay frozen for good.
    """
    gc.collect()
    gc.freeze()


class AccessLog:
    """One line per HTTP request: method, path, status, duration. The query string is left out: it carries what
    people type in searches (names, numbers), which must not stay in clear in the server's log (DESIGN §4,
    docs/adr/0017, session 6). The path names records by their ids only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [0]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            # No status: the app raised before answering, and the server answers 500.
            access_log.info("%s %s %d %.1f ms", scope.get("method", "?"), scope.get("path", ""), status[0] or 500,
                            (time.perf_counter() - started) * 1000)


def worker_app() -> AccessLog:
    """One worker's app, behind the access log; its poller and scheduler candidate live as long as the server does."""
    from infrastructure.bootstrap import bootstrap
    from infrastructure.poller import ProjectionPoller
    from web.app import create_app
    from web.cli_scheduler import start_in_process_scheduler

    services = bootstrap(Settings.from_env(), run_migrations=False)
    # RELAIS_LOG_LEVEL holds for the access log too (its lines are INFO; `relais serve` configures the
    # root logger at INFO before the settings are read): WARNING turns them off.
    access_log.setLevel(services.settings.log_level)
    poller = ProjectionPoller(services.projections, services.settings.projection_poll_seconds)
    schedulers: list[LeaderScheduler] = []

    def start() -> None:
        poller.start()
        scheduler = start_in_process_scheduler(services)  # None with RELAIS_SCHEDULER=off
        if scheduler is not None:
            schedulers.append(scheduler)
        settle_heap()

    def stop() -> None:
        for scheduler in schedulers:
            scheduler.stop()
        poller.stop()
        services.close()

    app = create_app(services)
    app.on_startup.append(start)
    app.on_shutdown.append(stop)
    return AccessLog(app)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from infrastructure.bootstrap import bootstrap
    from infrastructure.demo import seed_demo

    services = bootstrap(Settings.from_env(), run_migrations=True)
    settings = services.settings
    try:
        if settings.seed_demo:
            logins = seed_demo(services, settings.data_dir / "demo-logins.txt")
            if logins:
                print(f"Démo initialisée. Comptes (aussi dans {settings.data_dir / 'demo-logins.txt'}) :")
                for role, username, password in logins:
                    print(f"  {role:<11} {username:<22} {password}")
    finally:
        services.close()
    workers = settings.web_workers
    print(
        f"Relais écoute sur http://{settings.host}:{settings.port} ({settings.database.describe()}, "
        f"{workers} processus web)",
        flush=True,
    )
    uvicorn.run(
        WORKER_APP_FACTORY, factory=True, workers=workers, host=settings.host, port=settings.port,
        log_level=settings.log_level.lower(), **forwarded_options(settings), server_header=False, access_log=False,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )
    return 0


def forwarded_options(settings: Settings) -> dict[str, Any]:
    """uvicorn reads X-Forwarded-For/-Proto only from RELAIS_TRUSTED_PROXIES, and from nobody when it is
    empty: the client address (the sign-in throttle's key) and the scheme (Secure cookies) are then
    the proxy's client's, not the proxy's, and no other peer can forge them."""
    if not settings.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": list(settings.trusted_proxies)}


def add_serve_command(commands: Any) -> None:
    help_text = "migrate, seed the demo if asked, and serve the web app (RELAIS_WEB_WORKERS processes)"
    commands.add_parser("serve", help=help_text).set_defaults(func=cmd_serve)
