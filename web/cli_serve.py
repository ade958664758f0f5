"""`relais serve`: migrate and seed once, then serve with RELAIS_WEB_WORKERS processes.

The parent prepares the database (migrations, demo seed) before any worker starts, since
several processes must not create tables at once. Each worker then builds its own services
(connections do not cross a fork), keeps its read models current with its own projection
poller (tracking makes catch-up exactly-once across processes), and starts a scheduler
candidate: the leader lock (infrastructure/leadership.py) lets only one of them run jobs.
Workers are stateless: sessions, throttle counters and simulated phones live in the database.
"""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from infrastructure.settings import Settings

if TYPE_CHECKING:
    from litestar import Litestar

    from infrastructure.scheduler import LeaderScheduler

#: uvicorn imports the app factory by name in every worker process.
WORKER_APP_FACTORY = "web.cli_serve:worker_app"
#: uvicorn's supervisor kills a worker that does not answer its ping within this time, and
#: starts another. A new worker imports the whole app first (spawn re-imports `web.cli`); on a
#: busy machine that took longer than uvicorn's 5 s, and workers were killed and restarted
#: forever without ever serving.
WORKER_HEALTHCHECK_SECONDS = 60


def worker_app() -> Litestar:
    """One worker's app; its poller and scheduler candidate live as long as the server does."""
    from infrastructure.bootstrap import bootstrap
    from infrastructure.poller import ProjectionPoller
    from web.app import create_app
    from web.cli_scheduler import start_in_process_scheduler

    services = bootstrap(Settings.from_env(), run_migrations=False)
    poller = ProjectionPoller(services.projections, services.settings.projection_poll_seconds)
    schedulers: list[LeaderScheduler] = []

    def start() -> None:
        poller.start()
        scheduler = start_in_process_scheduler(services)  # None with RELAIS_SCHEDULER=off
        if scheduler is not None:
            schedulers.append(scheduler)

    def stop() -> None:
        for scheduler in schedulers:
            scheduler.stop()
        poller.stop()
        services.close()

    app = create_app(services)
    app.on_startup.append(start)
    app.on_shutdown.append(stop)
    return app


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
        log_level=settings.log_level.lower(), **forwarded_options(settings), server_header=False,
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
