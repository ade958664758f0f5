#!/usr/bin/env python
"""The log's export and integrity check on PostgreSQL, against COPY ... TO STDOUT of the same table.

In one run, on a throwaway database on 127.0.0.1:5432:

1. 2,000 real events are made through the application (1,000 registrations, each followed by
   a consent withdrawal: one large event with encrypted personal data, one small one). Then the
   log is filled up to N events (1,000,000 by default) by COPY FROM STDIN of valid records:
   copies of those events' stored bytes under fresh originator ids (version 1 and 2 as in
   the originals), so that every record decodes and its personal data decrypts.
2. raw: `COPY relais_events TO STDOUT` read to the end by psycopg (the raw limit).
3. seal: `write_checkpoint()` in a subprocess, as the scheduler keeps a live log sealed.
4. export: what `relais export` runs (the command line's modules, then `export_log`: verify-log's
   check of the log, then the export; it builds the application only at the end, to record the
   export), in a subprocess: events/s, the check included, until
   the files are signed, ratio to the COPY rows/s, CPU seconds of the exporting process and of its
   workers. Memory is counted over the whole process tree (benchmarks/process_memory.py, sampled
   every 50 ms from /proc/PID/smaps_rollup): the peak of the summed RSS, PSS and USS of the
   exporting process and its workers, over the whole run and while the workers ran, and each
   process's own peaks (and VmHWM). Targets ≥ 0.35 of COPY and < 200 MB of summed RSS. Run once in
   process (RELAIS_EXPORT_WORKERS=0) and once with 2 workers, or as `--workers` says ("auto": the default).
5. verify-log: `verify()` in a subprocess. Target ≥ 500,000/s.
   Also the CPU seconds of that subprocess and of the PostgreSQL backends serving it (read from
   /proc: the server runs on the same CPUs), and the same verification twice more.

    .venv/bin/python benchmarks/export.py                 # 1,000,000 events (several minutes)
    .venv/bin/python benchmarks/export.py --events 100000 # quicker
    .venv/bin/python benchmarks/export.py --workers 2     # only the export with two workers
    .venv/bin/python benchmarks/export.py --verify-only   # COPY, seal and verify-log, no export

The database and the temp folder are removed at the end, also on Ctrl-C or SIGTERM.
"""
from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from _common import (  # noqa: E402
    Registrations, TempPostgres, advisor, load_line, machine_line, postgres_reachable, postgres_version, relais_settings,
)
from process_memory import TreeMemory  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import json, os, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
os.environ.update({extra_env!r})


def backends_cpu():
    # pid -> CPU seconds of each PostgreSQL backend connected to this database (Linux /proc)
    database = {env!r}["RELAIS_DATABASE_URL"].rsplit("/", 1)[-1].encode()
    seconds = {{}}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and database in (entry / "cmdline").read_bytes():
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                seconds[entry.name] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            continue
    return seconds


def rss_mb(field="VmRSS"):
    # From /proc, not ru_maxrss: a child started by vfork+exec counts its parent's pages there
    # (VmHWM, the peak, starts again at exec).
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


task = {task!r}
figures = {{}}
if task == "export":
    # As `relais export` runs it: the command line's modules, then the export wired on its own;
    # the application is built at the end to record the export (read models not caught up: the
    # log was filled by COPY, as the benchmark's own bootstrap left them).
    import web.cli  # noqa: F401
    from infrastructure.export_command import export_log, recorded_by_the_application
    from infrastructure.settings import Settings
    settings = Settings.from_env({env!r})
    record = recorded_by_the_application(settings, synchronous_projections=False)
    written = []

    def recorded(*export, **row):
        written.append(time.perf_counter())  # the files are written and signed
        return record(*export, **row)

    figures["baseline_rss_mb"] = rss_mb()
    start, cpu_start, children_start = time.perf_counter(), cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
    result = export_log(settings, Path({out!r}), record=recorded)
    figures.update(events=result.manifest.count, seconds=written[0] - start,
                   recording_seconds=time.perf_counter() - written[0])
else:
    from infrastructure.bootstrap import bootstrap
    from infrastructure.settings import Settings
    services = bootstrap(Settings.from_env({env!r}), run_migrations=False, synchronous_projections=False)
    audit = services.audit
    figures["baseline_rss_mb"] = rss_mb()  # imports and bootstrap
    start, cpu_start, children_start = time.perf_counter(), cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
    if task == "seal":
        figures["checkpoints"] = audit.write_checkpoint(force=True)
        figures["seconds"] = time.perf_counter() - start
    else:
        server_start = backends_cpu()
        report = audit.verify()
        figures.update(events=report.records, ok=report.ok, checkpoints=report.checkpoints)
        figures["seconds"] = time.perf_counter() - start
        server = backends_cpu()
        figures["server_cpu_seconds"] = sum(cpu - server_start.get(pid, 0) for pid, cpu in server.items())
    services.close()
figures["peak_rss_mb"] = rss_mb("VmHWM")
figures["cpu_seconds"] = cpu(resource.RUSAGE_SELF) - cpu_start  # this process only, not the server
figures["workers_cpu_seconds"] = cpu(resource.RUSAGE_CHILDREN) - children_start
print(json.dumps(figures))
"""


def child(task: str, env: dict[str, str], out: Path | None = None, extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `task` in a subprocess; its figures, and (`memory`) its process tree's, sampled from /proc."""
    code = CHILD.format(root=str(ROOT), env=env, task=task, out=str(out or ""), extra_env=extra_env or {})
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = TreeMemory(process.pid, interval=0.05, wanted=("infrastructure.export_workers",)).start()
    stdout, stderr = process.communicate()
    memory.stop()
    if process.returncode != 0:
        raise RuntimeError(f"{task} failed:\n{stderr[-3000:]}")
    return {**json.loads(stdout.strip().splitlines()[-1]), "memory": memory}


def fill(conninfo: str, total: int) -> float:
    """COPY copies of the real events until the log holds `total` records; the seconds taken."""
    with psycopg.connect(conninfo) as conn:
        templates = conn.execute(
            "SELECT originator_id, originator_version, topic, state FROM relais_events ORDER BY notification_id"
        ).fetchall()
        by_originator: dict[Any, list[tuple[Any, ...]]] = {}
        for row in templates:
            by_originator.setdefault(row[0], []).append(row)
        groups = list(by_originator.values())
        missing = total - len(templates)
        start = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(
            "COPY relais_events (originator_id, originator_version, topic, state) FROM STDIN"
        ) as copy:
            written = 0
            while written < missing:
                for group in groups:
                    originator = uuid.uuid4()
                    for _, version, topic, state in group:
                        if written == missing:
                            break
                        copy.write_row((originator, version, topic, state))
                        written += 1
                    if written == missing:
                        break
        conn.commit()
        conn.execute("ANALYZE relais_events")
        conn.commit()
        return time.perf_counter() - start


def copy_out(conninfo: str) -> tuple[int, float, int]:
    """(rows, seconds, bytes) of COPY relais_events TO STDOUT read to the end."""
    with psycopg.connect(conninfo) as conn, conn.cursor() as cursor:
        start = time.perf_counter()
        size = 0
        with cursor.copy("COPY relais_events TO STDOUT") as copy:
            for block in copy:
                size += len(block)
        seconds = time.perf_counter() - start
        rows = conn.execute("SELECT count(*) FROM relais_events").fetchone()[0]
    return rows, seconds, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--verify-only", action="store_true", help="no export: COPY, seal and verify-log only")
    parser.add_argument("--workers", default="0,2",
                        help="exports to run, comma-separated: RELAIS_EXPORT_WORKERS for each (auto: its default)")
    args = parser.parse_args()
    reason = postgres_reachable()
    if reason:
        print(f"PostgreSQL unreachable on 127.0.0.1:5432 ({reason}): nothing measured")
        return 0
    folder = Path(tempfile.mkdtemp(prefix="relais_bench_"))
    postgres = TempPostgres()

    def cleanup(*_: Any) -> None:
        postgres.drop_all()
        shutil.rmtree(folder, ignore_errors=True)

    signal.signal(signal.SIGTERM, lambda *a: (cleanup(), sys.exit(143)))
    try:
        print(machine_line())
        print(postgres_version(), "|", load_line())
        name = postgres.create("export")
        url = postgres.url(name)
        settings = relais_settings(folder / "data", url)
        env = {"RELAIS_DATA_DIR": str(folder / "data"), "RELAIS_SEED_DEMO": "0", "RELAIS_DATABASE_URL": url,
               "RELAIS_SECRET_KEY": __import__("base64").b64encode(settings.secret_key).decode()}
        from application.values import Reason
        from infrastructure.bootstrap import bootstrap

        services = bootstrap(settings, synchronous_projections=False)
        registrations, caller = Registrations(), advisor()
        for _ in range(1_000):
            candidate_id = services.app.register_candidate(registrations.details(), sms_consent=True, caller=caller)
            services.app.set_sms_consent(candidate_id, False, Reason("demande_personne"), caller)
        services.close()
        seconds = fill(postgres.conninfo(name), args.events)
        print(f"log filled to {args.events:,} events in {seconds:.1f} s (COPY FROM STDIN of valid records)")

        rows, copy_seconds, size = copy_out(postgres.conninfo(name))
        copy_rate = rows / copy_seconds
        print(f"raw     COPY relais_events TO STDOUT: {rows:,} rows in {copy_seconds:.2f} s = {copy_rate:,.0f} rows/s "
              f"({size / 1e6:,.0f} MB)")

        # Sealed first, as the scheduler keeps a live log (every RELAIS_LOG_SEAL_SECONDS): each export
        # begins with verify-log's check, which on a sealed log takes its fast path (docs/adr/0014).
        sealed = child("seal", env)
        print(f"seal    {sealed['checkpoints']:,} checkpoints in {sealed['seconds']:.1f} s "
              f"= {rows / sealed['seconds']:,.0f} events/s")
        for workers in [] if args.verify_only else args.workers.split(","):
            extra = {} if workers == "auto" else {"RELAIS_EXPORT_WORKERS": workers}
            exported = child("export", env, folder / "out", extra)
            export_rate = exported["events"] / exported["seconds"]
            sizes = {p.name: p.stat().st_size for p in (folder / "out").iterdir()}
            memory: TreeMemory = exported["memory"]
            workers_count = memory.most_processes - 1
            where = (f"{workers_count} worker processes, {exported['workers_cpu_seconds']:.1f} s of CPU in them"
                     if workers_count else "in process")
            print(f"export  ({where}) {exported['events']:,} events in {exported['seconds']:.1f} s = {export_rate:,.0f} events/s; "
                  f"ratio to COPY {export_rate / copy_rate:.2f} (target ≥ 0.35); "
                  f"{exported['cpu_seconds']:.1f} s of CPU in the exporting process; "
                  f"{exported['events'] / (exported['cpu_seconds'] + exported['workers_cpu_seconds']):,.0f} events per CPU-second "
                  f"in all; then {exported['recording_seconds']:.1f} s to build the application and record the export; "
                  f"files {', '.join(f'{k} {v / 1e6:,.0f} MB' for k, v in sorted(sizes.items()))} | {load_line()}")
            print(f"memory  whole process tree, peak of the sum (target < 200 MB RSS): RSS {memory.peak_rss:.0f} MB "
                  f"(while the workers ran: {memory.peak_rss_with_workers:.0f}), PSS {memory.peak_pss:.0f} "
                  f"({memory.peak_pss_with_workers:.0f}), USS {memory.peak_uss:.0f} ({memory.peak_uss_with_workers:.0f}); exporting process before the export {exported['baseline_rss_mb']:.0f} MB "
                  f"| {memory.describe()}")
            shutil.rmtree(folder / "out", ignore_errors=True)

        for _ in range(3):
            verified = child("verify", env)
            rate = verified["events"] / verified["seconds"]
            print(f"verify  {verified['events']:,} events, {verified['checkpoints']:,} checkpoints, ok={verified['ok']}, "
                  f"in {verified['seconds']:.2f} s = {rate:,.0f} events/s (target ≥ 500,000); "
                  f"peak RSS {verified['peak_rss_mb']:.0f} MB ({verified['baseline_rss_mb']:.0f} MB before); "
                  f"{verified['cpu_seconds']:.2f} s of CPU in this process = "
                  f"{verified['events'] / verified['cpu_seconds']:,.0f} events per CPU-second; "
                  f"{verified['server_cpu_seconds']:.2f} s in the PostgreSQL backends | {load_line()}")
        print(load_line())
    finally:
        cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
