"""The advisor's job-seeker list under concurrent load, against a bare ASGI app serving the same bytes.

Both servers run as `uvicorn` subprocesses with the same settings on 127.0.0.1; the
same load generator (a separate process, keep-alive connections, C concurrent
clients) drives each for the same bounded time. Prints requests/s of each, their
ratio (target ≥ 0.15), and the p50/p99 latency of the Relais page (target p99 ≤ 10 ms).

`--in-process` measures the app alone instead: the same page through Relais's ASGI app in
this process (no HTTP server, no socket), C requests in flight, CPU time per request, best
and median of several rounds. It is what the load of other processes disturbs least: use it
to compare two versions of the request path.

    .venv/bin/python benchmarks/pages.py [--seconds 5] [--concurrency 8] [--workers 1] [--quick]
    .venv/bin/python benchmarks/pages.py --in-process [--requests 1000] [--rounds 7]
    .venv/bin/python benchmarks/pages.py --compare ../main-worktree [--requests 1000] [--rounds 21]

`--compare` runs this tree's app and another tree's (with this venv) in two processes and
alternates their rounds, so that both see the same moments of a shared machine; it prints the
median of the paired ratios. The HTTP runs also time each request inside the server (ASGI call
to last body message) and its garbage-collection pauses (one worker; `--no-probe` to leave out).
"""
from __future__ import annotations

import argparse
import asyncio
import html
import http.client
import json
import multiprocessing
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = "/conseiller/demandeurs"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not come up")


def serve_probed(record: Path) -> None:
    """`relais serve` (one worker) with two probes that do not change the page's work: the time from
    the ASGI call to the last body message of each request, and each garbage-collection pause, both
    on the monotonic clock the load process also reads; written to `record` when the server stops."""
    import gc

    sys.path.insert(0, str(ROOT))
    import web.cli_serve

    requests: list[tuple[float, float]] = []
    pauses: list[tuple[float, float, int, float]] = []
    gc_started = [0.0, 0.0]

    def on_gc(phase: str, info: dict) -> None:  # wall time, and this thread's CPU time (preemption excluded)
        if phase == "start":
            gc_started[:] = time.monotonic(), time.thread_time()
        else:
            pauses.append((gc_started[0], time.monotonic() - gc_started[0], info["generation"],
                           time.thread_time() - gc_started[1]))

    gc.callbacks.append(on_gc)
    factory = web.cli_serve.worker_app

    def probed_app():
        app = factory()  # the Litestar app behind `relais serve`'s access log
        # Written at the app's shutdown: uvicorn re-raises SIGTERM after it, so atexit would not run.
        app.app.on_shutdown.append(lambda: record.write_text(json.dumps({"requests": requests, "gc": pauses})))

        async def timed(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            started = time.monotonic()

            async def send_timed(message):
                await send(message)
                if message["type"] == "http.response.body" and not message.get("more_body"):
                    requests.append((started, time.monotonic() - started))

            await app(scope, receive, send_timed)

        return timed

    web.cli_serve.worker_app = probed_app
    if os.environ.get("BENCH_GC"):  # experiment: "freeze" and/or a gen-0 threshold, e.g. "freeze,5000"
        options = os.environ["BENCH_GC"].split(",")
        if "freeze" in options:
            web.cli_serve.worker_app = lambda: (lambda app: (gc.freeze(), app)[1])(probed_app())
        thresholds = [int(o) for o in options if o.isdigit()]
        if thresholds:
            gc.set_threshold(thresholds[0], *gc.get_threshold()[1:])
    from web.cli import main as cli_main

    sys.exit(cli_main(["serve"]))


def start_relais(data_dir: Path, port: int, workers: int, record: Path | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "RELAIS_DATA_DIR": str(data_dir),
        "RELAIS_PORT": str(port),
        "RELAIS_HOST": "127.0.0.1",
        "RELAIS_SEED_DEMO": "1",
        "RELAIS_LOG_LEVEL": "WARNING",
        "RELAIS_WEB_WORKERS": str(workers),
    }
    command = ["-m", "web.cli", "serve"] if record is None else [str(Path(__file__).resolve()), "--serve-probed", str(record)]
    process = subprocess.Popen(
        [sys.executable, *command], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(port, "/health", timeout=60.0 * workers)
    except BaseException:
        process.terminate()
        process.wait(30)
        raise
    return process


def update_cookies(cookies: dict[str, str], response: http.client.HTTPResponse) -> None:
    """Keep what the server sets and drop what it deletes, as a browser's cookie jar does."""
    for header in response.headers.get_all("set-cookie") or []:
        name, value = header.split(";", 1)[0].split("=", 1)
        attributes = header.lower()
        if "max-age=0" in attributes or "expires=thu, 01 jan 1970" in attributes or not value.strip('"'):
            cookies.pop(name, None)
        else:
            cookies[name] = value


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def sign_in(port: int, username: str, password: str) -> dict[str, str]:
    """The cookies of a signed-in advisor."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", "/connexion")
    response = connection.getresponse()
    body = response.read().decode()
    cookies: dict[str, str] = {}
    update_cookies(cookies, response)
    token = html.unescape(re.search(r'name="_csrf_token" value="([^"]+)"', body).group(1))
    form = urllib.parse.urlencode({"_csrf_token": token, "username": username, "password": password, "suivant": ""})
    connection.request("POST", "/connexion", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(cookies)})
    response = connection.getresponse()
    response.read()
    update_cookies(cookies, response)
    if "relais_session" not in cookies:
        raise RuntimeError(f"sign-in failed: HTTP {response.status}")
    return cookies


BARE_APP = textwrap.dedent('''
    import os
    BODY = open(os.environ["BENCH_BODY"], "rb").read()
    HEADERS = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(BODY)).encode()),
               (b"cache-control", b"no-store")]
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        await send({"type": "http.response.body", "body": BODY})
''')


def start_bare(body_file: Path, port: int, work: Path, workers: int) -> subprocess.Popen:
    (work / "bare_app.py").write_text(BARE_APP)
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bare_app:app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--no-server-header", "--workers", str(workers)],
        cwd=work, env={**os.environ, "BENCH_BODY": str(body_file)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_until_up(port, "/")
    return process


def _client(port: int, path: str, cookie: str, deadline: float, latencies: list[float], errors: list[int]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Cookie": cookie} if cookie else {}
    while time.monotonic() < deadline:
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        if response.status != 200:
            errors.append(response.status)


def _load(port: int, path: str, cookie: str, seconds: float, concurrency: int, queue) -> None:
    latencies: list[float] = []
    errors: list[int] = []
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=_client, args=(port, path, cookie, deadline, latencies, errors))
               for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put((latencies, errors, (started, time.monotonic())))


def measure(port: int, path: str, cookie: str, seconds: float, concurrency: int):
    """Requests per second, latencies, non-200 statuses and the (monotonic) time window, from a
    separate load process."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_load, args=(port, path, cookie, seconds, concurrency, queue))
    process.start()
    latencies, errors, window = queue.get(timeout=seconds + 60)
    process.join(timeout=10)
    return len(latencies) / seconds, latencies, errors, window


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a server process and its workers so far, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    family, total = {pid}, 0.0
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))  # ppid, utime + stime
    grew = True
    while grew:
        children = {child for child, (parent, _) in stats.items() if parent in family}
        grew = not children <= family
        family |= children
    for member in family:
        total += stats.get(member, (0, 0))[1] / ticks
    return total


def measure_with_cpu(server: subprocess.Popen, port: int, path: str, cookie: str, seconds: float, concurrency: int):
    """As `measure`, plus the server's CPU time per request (robust to a busy machine, unlike req/s)."""
    before = server_cpu_seconds(server.pid)
    rate, latencies, errors, window = measure(port, path, cookie, seconds, concurrency)
    return rate, latencies, errors, window, (server_cpu_seconds(server.pid) - before) / max(1, len(latencies))


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: this machine is shared, figures are read beside them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


class _AsgiResponse:
    """What `update_cookies` reads of an HTTP response, from ASGI messages."""

    def __init__(self) -> None:
        self.status = 0
        self.raw_headers: list[tuple[bytes, bytes]] = []
        self.body = b""

    @property
    def headers(self) -> _AsgiResponse:
        return self

    def get_all(self, name: str) -> list[str]:
        return [value.decode("latin-1") for key, value in self.raw_headers if key.decode("latin-1").lower() == name]


async def asgi_call(app, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> _AsgiResponse:
    """One request through the ASGI app, as uvicorn would pass it (no socket)."""
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "method": method, "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
        "headers": [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()],
    }
    request = {"type": "http.request", "body": body, "more_body": False}
    response = _AsgiResponse()

    async def receive() -> dict:
        nonlocal request
        if request is None:  # the body was read: the client stays connected until the answer is sent
            await asyncio.Event().wait()
        message, request = request, None
        return message

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            response.status, response.raw_headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            response.body += message.get("body", b"")

    await app(scope, receive, send)
    return response


async def in_process(requests: int, rounds: int, concurrency: int, next_round=None) -> None:
    """`rounds` rounds of `requests`; with `next_round` (the `--in-process-worker` mode), one round each
    time it returns True, its cost printed on a line, until it returns False."""
    from infrastructure.bootstrap import bootstrap
    from infrastructure.demo import seed_demo
    from infrastructure.settings import Settings
    from web.app import create_app

    with tempfile.TemporaryDirectory(prefix="relais-bench-pages-") as tmp:
        settings = Settings.from_env({"RELAIS_DATA_DIR": tmp, "RELAIS_SEED_DEMO": "1", "RELAIS_LOG_LEVEL": "WARNING"})
        services = bootstrap(settings, run_migrations=True)
        try:
            seed_demo(services, Path(tmp) / "demo-logins.txt")
            logins = {line.split()[0]: line.split()[1:] for line in (Path(tmp) / "demo-logins.txt").read_text().splitlines()}
            username, password = logins["advisor"]
            app = create_app(services)
            cookies: dict[str, str] = {}
            response = await asgi_call(app, "GET", "/connexion", {})
            update_cookies(cookies, response)
            token = html.unescape(re.search(r'name="_csrf_token" value="([^"]+)"', response.body.decode()).group(1))
            form = urllib.parse.urlencode({"_csrf_token": token, "username": username, "password": password, "suivant": ""})
            update_cookies(cookies, await asgi_call(app, "POST", "/connexion", {
                "content-type": "application/x-www-form-urlencoded", "content-length": str(len(form)),
                "cookie": cookie_header(cookies)}, form.encode()))
            response = await asgi_call(app, "GET", PAGE, {"cookie": cookie_header(cookies)})
            update_cookies(cookies, response)  # the fresh CSRF cookie, as a browser keeps it
            assert response.status == 200 and b"Demandeurs" in response.body, response.status
            headers = {"host": "127.0.0.1:8000", "accept": "text/html", "cookie": cookie_header(cookies)}

            async def client(count: int) -> None:
                for _ in range(count):
                    answer = await asgi_call(app, "GET", PAGE, headers)
                    if answer.status != 200:
                        raise RuntimeError(f"HTTP {answer.status}")

            async def one_round() -> float:
                started = time.process_time()
                await asyncio.gather(*(client(requests // concurrency) for _ in range(concurrency)))
                return (time.process_time() - started) / (requests // concurrency * concurrency)

            await one_round()  # warm-up: caches, first compilations
            if next_round is not None:
                print(f"ready {len(response.body)}", flush=True)
                while next_round():
                    print(await one_round(), flush=True)
                return
            costs = [await one_round() for _ in range(rounds)]
        finally:
            services.close()
    ms = 1000
    print(f"page {PAGE} ({len(response.body):,} bytes), in process (ASGI app only, no HTTP server), "
          f"{concurrency} requests in flight, {rounds} rounds of {requests // concurrency * concurrency}")
    print(f"  CPU per request           : best {min(costs) * ms:6.3f} ms   median {statistics.median(costs) * ms:6.3f} ms")
    print(f"  load average              : {load_average()}")


def compare_in_process(other: Path, requests: int, rounds: int, concurrency: int) -> None:
    """This tree's app and `other`'s (say main's, from a worktree) in two processes, one round each in
    turn (the order swapped every round), so that both see the same moments of a shared machine."""
    trees = {"this tree": ROOT, f"{other}": other.resolve()}
    workers = {
        name: subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--in-process-worker", str(root),
             "--requests", str(requests), "--concurrency", str(concurrency)],
            cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        for name, root in trees.items()
    }
    sizes = {name: worker.stdout.readline().split() for name, worker in workers.items()}
    costs: dict[str, list[float]] = {name: [] for name in workers}
    load_before = load_average()
    try:
        for index in range(rounds):
            for name in (list(workers) if index % 2 == 0 else list(reversed(workers))):
                workers[name].stdin.write("round\n")
                workers[name].stdin.flush()
                costs[name].append(float(workers[name].stdout.readline()))
    finally:
        for worker in workers.values():
            worker.stdin.close()
            worker.wait(60)
    ms = 1000
    mine, theirs = costs["this tree"], costs[f"{other}"]
    ratios = sorted(a / b for a, b in zip(mine, theirs))
    print(f"page {PAGE}, in process, {concurrency} requests in flight, {rounds} alternated rounds of "
          f"{requests // concurrency * concurrency} (page bytes: {', '.join(f'{n} {s[1]}' for n, s in sizes.items())})")
    for name, values in costs.items():
        print(f"  {name:<24}: CPU per request best {min(values) * ms:6.3f} ms   median {statistics.median(values) * ms:6.3f} ms")
    print(f"  this tree / other, paired : median {statistics.median(ratios):.3f}   "
          f"(quartiles {ratios[len(ratios) // 4]:.3f}-{ratios[3 * len(ratios) // 4]:.3f})")
    print(f"  load average              : {load_before} before, {load_average()} after")


def print_probe(probe: dict, window: tuple[float, float], latencies: list[float], concurrency: int) -> None:
    """What the server saw during the judged run: the time from the ASGI call to the last body message
    (no queueing before the call: the closed loop's wait is outside it), and the GC pauses."""
    ms = 1000
    start, end = window
    inside = [duration for started, duration in probe["requests"] if start <= started <= end]
    pauses = [pause for pause in probe["gc"] if start <= pause[0] <= end]
    if not inside:
        return
    print(f"  in the server, {concurrency} clients: ASGI call to last body p50 {statistics.median(inside) * ms:6.3f} ms"
          f"   p99 {percentile(inside, .99) * ms:6.3f} ms   max {max(inside) * ms:6.2f} ms   ({len(inside)} requests)")
    for generation in (0, 1, 2):
        walls = [pause[1] for pause in pauses if pause[2] == generation]
        cpus = [pause[3] for pause in pauses if pause[2] == generation]
        if walls:
            print(f"  GC generation {generation} pauses   : {len(walls):5d}   total {sum(walls) * ms:7.2f} ms"
                  f"   max {max(walls) * ms:6.3f} ms wall ({max(cpus) * ms:6.3f} ms CPU: the rest is preemption)")
        else:
            print(f"  GC generation {generation} pauses   :     0")
    p99 = percentile(latencies, .99)
    slow = sum(1 for latency in latencies if latency >= p99)
    print(f"  GC time in the run        : {sum(pause[1] for pause in pauses) * ms:.2f} ms wall,"
          f" {sum(pause[3] for pause in pauses) * ms:.2f} ms CPU, of {(end - start) * ms:.0f} ms;"
          f" the client's slowest 1 % ({slow} requests) took >= {p99 * ms:.2f} ms each")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="2 s per measurement")
    parser.add_argument("--workers", type=int, default=1, help="server processes, the same number for both apps")
    parser.add_argument("--in-process", action="store_true", help="the app alone: CPU per request, no HTTP server")
    parser.add_argument("--requests", type=int, default=1000, help="--in-process: requests per round")
    parser.add_argument("--rounds", type=int, default=7, help="--in-process: rounds (best and median are printed)")
    parser.add_argument("--compare", type=Path, help="--in-process against another tree's app (e.g. a worktree"
                        " of main), rounds alternated")
    parser.add_argument("--in-process-worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-probe", action="store_true", help="serve with plain `relais serve`, no in-server timing")
    parser.add_argument("--serve-probed", type=Path, help=argparse.SUPPRESS)  # the server side of the probe
    args = parser.parse_args()
    if args.serve_probed:
        serve_probed(args.serve_probed)
        return
    if args.in_process_worker:  # the app of another tree (its root first on the path), rounds on request
        sys.path.insert(0, str(args.in_process_worker))
        asyncio.run(in_process(args.requests, 0, args.concurrency, lambda: sys.stdin.readline() == "round\n"))
        return
    if args.compare:
        compare_in_process(args.compare, args.requests, args.rounds, args.concurrency)
        return
    if args.in_process:
        sys.path.insert(0, str(ROOT))
        asyncio.run(in_process(args.requests, args.rounds, args.concurrency))
        return
    seconds = 2.0 if args.quick else args.seconds
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="relais-bench-pages-") as tmp:
        work = Path(tmp)
        relais_port, bare_port = free_port(), free_port()
        # The in-server probe needs the app in the process it starts: one worker only.
        record = None if args.no_probe or args.workers != 1 else work / "probe.json"
        relais = start_relais(work / "data", relais_port, args.workers, record)
        bare = None
        try:
            logins = dict(
                (line.split()[0], line.split()[1:]) for line in (work / "data" / "demo-logins.txt").read_text().splitlines()
            )
            username, password = logins["advisor"]
            cookies = sign_in(relais_port, username, password)
            connection = http.client.HTTPConnection("127.0.0.1", relais_port)
            connection.request("GET", PAGE, headers={"Cookie": cookie_header(cookies)})
            response = connection.getresponse()
            body = response.read()
            # The first page after sign-in sets a fresh CSRF cookie; a browser sends it back from then on.
            update_cookies(cookies, response)
            cookie = cookie_header(cookies)
            assert response.status == 200 and b"Demandeurs" in body, response.status
            (work / "page.html").write_bytes(body)
            bare = start_bare(work / "page.html", bare_port, work, args.workers)
            # Warm-up; /health answers once the first worker is up, the others may still be starting.
            warm_up = 1.0 + 2.0 * (args.workers - 1)
            measure(relais_port, PAGE, cookie, warm_up, args.concurrency)
            measure(bare_port, "/", "", warm_up, args.concurrency)
            relais_rate, latencies, errors, window, relais_cpu = measure_with_cpu(
                relais, relais_port, PAGE, cookie, seconds, args.concurrency)
            bare_rate, bare_latencies, _, _, bare_cpu = measure_with_cpu(bare, bare_port, "/", "", seconds, args.concurrency)
            single_rate, single_latencies, _, _ = measure(relais_port, PAGE, cookie, seconds, 1)
        finally:
            relais.terminate()
            relais.wait(30)
            if bare:
                bare.terminate()
                bare.wait(10)
        probe = json.loads(record.read_text()) if record and record.exists() else None
    ms = 1000
    print(f"page {PAGE} ({len(body):,} bytes, 20 rows, advisor signed in), {args.concurrency} concurrent clients, "
          f"{seconds:.0f} s each, {args.workers} server process(es) each")
    print(f"  bare ASGI app, same bytes : {bare_rate:8.0f} req/s   p99 {percentile(bare_latencies, .99) * ms:6.2f} ms")
    print(f"  Relais                    : {relais_rate:8.0f} req/s   p50 {statistics.median(latencies) * ms:6.2f} ms"
          f"   p99 {percentile(latencies, .99) * ms:6.2f} ms   non-200: {len(errors)}")
    print(f"  Relais, one client        : {single_rate:8.0f} req/s   p50 {statistics.median(single_latencies) * ms:6.2f} ms"
          f"   p99 {percentile(single_latencies, .99) * ms:6.2f} ms")
    print(f"  ratio Relais / bare       : {relais_rate / bare_rate:8.3f}   (target >= 0.15)")
    print(f"  server CPU per request    : Relais {relais_cpu * ms:6.2f} ms   bare {bare_cpu * ms:6.2f} ms"
          "   (user + system time of the server processes; less sensitive to a busy machine than req/s)")
    print(f"  load average              : {load_before} before, {load_average()} after")
    print("  latencies are seen by the client (loopback included): an upper bound of the server's")
    if probe is not None:
        print_probe(probe, window, latencies, args.concurrency)


if __name__ == "__main__":
    main()
