"""`make bench`: load a dataset into a throwaway PostgreSQL database, serve it with gunicorn
as the image does, measure every public endpoint with wrk and in process, write the report.

    .venv/bin/python bench/run.py --datasets 1x            # ~8 minutes on 2 cores
    .venv/bin/python bench/run.py --datasets "1x 10x"      # see bench/README.md

Everything runs on loopback: PostgreSQL and Redis on 127.0.0.1, gunicorn bound to
127.0.0.1. Each dataset gets its own database (eldo_bench_1x, eldo_bench_10x), dropped at
the end unless --keep-db, and the Redis database of --redis-url is flushed before use.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

import psycopg
import redis

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
PYTHON = sys.executable
HOST = "127.0.0.1"
BARE_SETTINGS = "bench.baseline.settings"
FULL_STACK_SETTINGS = "bench.baseline.full_stack"
# Rows measured on the comparison servers, not on Eldo's: no soak, no in-process timing.
COMPARISON_KINDS = frozenset({"framework", "framework-page", "full-stack"})


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- Environment --------------------------------------------------------------------------


def _jwt_keys() -> str:
    """A fresh API-token signing key set, as an operator provides one (manage.py jwt_key)."""
    return subprocess.run(
        [PYTHON, "manage.py", "jwt_key", "--kid", "bench"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "eldo.settings"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def production_env(*, database_url: str, redis_url: str, tmp: Path, port: int) -> dict:
    """The image's environment (Dockerfile ENV) plus what an operator must set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    env.update(
        {
            "PATH": f"{Path(PYTHON).parent}:{env.get('PATH', '')}",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "eldo.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "JWT_PRIVATE_KEYS": _jwt_keys(),
            # wrk talks to gunicorn directly: its Host carries the port, pinned as production
            # pins its hosts' ports (apps.core.hosts).
            # The bare view and the full-stack comparison listen on the next two ports.
            "DJANGO_ALLOWED_HOSTS": ",".join(
                [HOST, "localhost"]
                + [f"{h}:{p}" for p in (port, port + 1, port + 2) for h in (HOST, "localhost")]
            ),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "ELDO_VAR_DIR": str(tmp / "var"),
            "STATIC_ROOT": str(tmp / "static"),
            "MEDIA_ROOT": str(tmp / "media"),
            "PORT": str(port),
            "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "INFO"),
            # wrk is one client on one address: production throttles count per client, so
            # the anonymous API throttle would answer 429 to nearly everything it sends.
            "THROTTLE_ANON": "100000000/min",
        }
    )
    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_MAX_REQUESTS"):
        if os.environ.get(f"BENCH_{name}"):
            env[name] = os.environ[f"BENCH_{name}"]
    return env


def manage(
    env: dict, *args: str, timeout: float = 3600, echo: bool = True
) -> tuple[float, list[tuple[float, str]]]:
    """Run a manage.py command; its duration and its output lines with their elapsed time
    (echoed as they come unless ``echo`` is off)."""
    started = time.monotonic()
    lines: list[tuple[float, str]] = []
    process = subprocess.Popen(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    try:
        for line in process.stdout:
            line = line.rstrip()
            lines.append((time.monotonic() - started, line))
            if echo:
                print(f"    {line}", flush=True)
        process.wait()
    finally:
        timer.cancel()
    if process.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed ({process.returncode})")
    return time.monotonic() - started, lines


def inprocess(env: dict, *args: str, timeout: float = 1800):
    completed = subprocess.run(
        [PYTHON, str(BENCH / "inprocess.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"inprocess {args[0]} failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout)


# --- Database -----------------------------------------------------------------------------


def recreate_database(server_url: str, name: str) -> None:
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_exists(server_url: str, name: str) -> bool:
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


# --- gunicorn -----------------------------------------------------------------------------


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class ProcessSampler(threading.Thread):
    """Every ``interval``: peak resident memory of the gunicorn master and of every worker it
    forks, and the CPU time of those workers and of the PostgreSQL backends serving the
    bench database. A process's last sample is kept after it exits (gunicorn recycles its
    workers, and their pooled connections with them), so CPU used between two snapshots
    is exact but for the last ``interval`` of a process that exited in between."""

    def __init__(self, master_pid: int, database: str, interval: float = 0.5):
        super().__init__(daemon=True)
        self.master_pid = master_pid
        self.database_marker = f" {database} ".encode()
        self.interval = interval
        self.peaks: dict[int, int] = {}  # pid -> peak RSS (kB), from VmHWM
        self.master_peak = 0
        self.ticks: dict[tuple[str, int], int] = {}  # (gunicorn|postgres, pid) -> CPU ticks
        self.celery_pid: int | None = None  # a Celery worker's main process, when started
        self.celery_peaks: dict[int, int] = {}  # pid -> peak RSS (kB): main and pool children
        self._lock = threading.Lock()
        self._halt = threading.Event()

    def cpu_snapshot(self) -> dict[tuple[str, int], int]:
        self._sample()
        with self._lock:
            return dict(self.ticks)

    @staticmethod
    def cpu_seconds_between(before: dict, after: dict) -> dict[str, float]:
        used = {"gunicorn": 0, "postgres": 0}
        for key, ticks in after.items():
            used[key[0]] += ticks - before.get(key, 0)
        return {side: value / CLOCK_TICKS for side, value in used.items()}

    @staticmethod
    def _status_kb(pid: int, field: str) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        except (OSError, ValueError, IndexError):
            pass
        return 0

    def _sample(self) -> None:
        workers, ticks, celery = [], {}, []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                # The command may hold spaces and parentheses: fields follow the last ")".
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                pid, ppid, cpu = int(entry.name), int(fields[1]), int(fields[11]) + int(fields[12])
                if self.celery_pid and self.celery_pid in (pid, ppid):
                    celery.append(pid)
                if ppid == self.master_pid:
                    workers.append(pid)
                    ticks[("gunicorn", pid)] = cpu
                elif pid == self.master_pid:
                    ticks[("gunicorn", pid)] = cpu
                elif (entry / "cmdline").read_bytes().startswith(b"postgres: ") and (
                    self.database_marker in (entry / "cmdline").read_bytes()
                ):
                    ticks[("postgres", pid)] = cpu
            except (OSError, ValueError, IndexError):
                continue
        master_peak = self._status_kb(self.master_pid, "VmHWM")
        peaks = {pid: self._status_kb(pid, "VmHWM") for pid in workers}
        celery_peaks = {pid: self._status_kb(pid, "VmHWM") for pid in celery}
        with self._lock:
            for pid, peak in celery_peaks.items():
                self.celery_peaks[pid] = max(self.celery_peaks.get(pid, 0), peak)
            self.ticks.update(ticks)
            self.master_peak = max(self.master_peak, master_peak)
            for pid, peak in peaks.items():
                self.peaks[pid] = max(self.peaks.get(pid, 0), peak)

    def run(self) -> None:
        while not self._halt.is_set():
            self._sample()
            self._halt.wait(self.interval)

    def workers_rss_kb(self) -> dict[int, int]:
        """Current resident memory (VmRSS) of each live gunicorn worker."""
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, ValueError, IndexError):
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    if int(fields[1]) == self.master_pid:
                        pids.append(int(entry.name))
        return {pid: kb for pid in pids if (kb := self._status_kb(pid, "VmRSS"))}

    def stop(self) -> dict:
        self._halt.set()
        self.join()
        peaks = sorted(self.peaks.values())
        return {
            "celery_peaks_kb": dict(sorted(self.celery_peaks.items())),
            "master_peak_kb": self.master_peak,
            "workers_seen": len(peaks),
            "worker_peak_kb_max": peaks[-1] if peaks else 0,
            "worker_peak_kb_median": peaks[len(peaks) // 2] if peaks else 0,
            "worker_peaks_kb": peaks,
        }


@contextlib.contextmanager
def gunicorn(env: dict, *, port: int, log_path: Path):
    """deploy/entrypoint.sh web, as the image's CMD, bound to loopback only."""
    with log_path.open("w") as errors:
        process = subprocess.Popen(
            [str(ROOT / "deploy/entrypoint.sh"), "web", "--bind", f"{HOST}:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,  # the access log: one JSON line per request
            stderr=errors,
        )
        try:
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def comparison_server(env: dict, *, settings: str, port: int, log_path: Path):
    """A second gunicorn beside Eldo's, started with the same configuration file (worker
    class, workers, threads, max_requests, logging: deploy/gunicorn.conf.py read in the same
    environment) but other Django settings: the bare view (bench/baseline) or Eldo with
    every request through the whole middleware stack (bench/baseline/full_stack.py)."""
    app = (
        "bench.baseline.wsgi:application" if settings == BARE_SETTINGS else "eldo.wsgi:application"
    )
    with log_path.open("w") as errors:
        process = subprocess.Popen(
            ["gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", f"{HOST}:{port}", app],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": settings, "PORT": str(port)},
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        try:
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def celery_worker(env: dict, *, log_path: Path):
    """deploy/entrypoint.sh worker, as the image runs it: its memory is sampled with the
    web workers' (it is idle but for what the GETs enqueue, which is nothing today)."""
    with log_path.open("w") as errors:
        process = subprocess.Popen(
            [str(ROOT / "deploy/entrypoint.sh"), "worker", "--loglevel", "WARNING"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        try:
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def soak(base: str, endpoints: list[dict], sampler, args) -> dict:
    """wrk for ``args.soak`` seconds over the measured endpoints in turn (20 s each), the
    resident memory of every gunicorn worker read after each segment: a worker that grows
    without bound shows as growth in the second half as large as in the first."""
    rotation = [
        e
        for e in endpoints
        # The public pages: the soak's wrk runs carry no session cookie.
        if e.get("kind") not in {"baseline", "backoffice", *COMPARISON_KINDS}
        and e.get("status") == 200
    ]
    samples = [{"at_s": 0.0, "endpoint": "", "rss_kb": sampler.workers_rss_kb()}]
    started = time.monotonic()
    index = 0
    while rotation and time.monotonic() - started < args.soak:
        endpoint = rotation[index % len(rotation)]
        index += 1
        seconds = int(min(20, max(1, args.soak - (time.monotonic() - started))))
        wrk(base + endpoint["url"], seconds=seconds, connections=args.connections, threads=1)
        samples.append(
            {
                "at_s": round(time.monotonic() - started, 1),
                "endpoint": endpoint["name"],
                "rss_kb": sampler.workers_rss_kb(),
            }
        )
    first, middle, last = samples[0], samples[len(samples) // 2], samples[-1]
    workers = []
    for pid in sorted(set(first["rss_kb"]) & set(last["rss_kb"])):
        workers.append(
            {
                "pid": pid,
                "start_kb": first["rss_kb"][pid],
                "middle_kb": middle["rss_kb"].get(pid),
                "end_kb": last["rss_kb"][pid],
            }
        )
    return {
        "seconds": round(time.monotonic() - started, 1),
        "samples": samples,
        "workers": workers,
        "recycled": sorted(set(first["rss_kb"]) - set(last["rss_kb"])),
    }


def http_get(url: str, *, timeout: float = 30, cookie: str = "") -> tuple[int, bytes]:
    headers = {"X-Forwarded-Proto": "https", **({"Cookie": cookie} if cookie else {})}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_healthy(
    base: str, process: subprocess.Popen, *, timeout: float = 90, path: str = "/healthz"
) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        with contextlib.suppress(OSError):
            if http_get(f"{base}{path}", timeout=2)[0] == 200:
                return time.monotonic() - started
        time.sleep(0.25)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def wrk(url: str, *, seconds: int, connections: int, threads: int, cookie: str = "") -> dict:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH / "wrk_report.lua"),
        *(["-H", f"Cookie: {cookie}"] if cookie else []),
        url,
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise RuntimeError(f"wrk printed no result for {url}:\n{completed.stdout}{completed.stderr}")


# --- Endpoints ----------------------------------------------------------------------------


def endpoints_for(targets: dict) -> list[dict]:
    cat, commune = targets["category"]["slug"], targets["commune"]
    top, few = targets["pro_top"], targets["pro_few"]
    query = f"category={cat}&postcode={commune['postcode']}"
    return [
        {"name": "healthz", "url": "/healthz", "kind": "baseline"},
        {"name": "home", "url": "/", "kind": "page"},
        {"name": "search", "url": f"/artisans/?{query}", "kind": "page"},
        {"name": "landing", "url": f"/artisans/{cat}/{commune['slug']}/", "kind": "page"},
        {
            "name": "profile (most reviews)",
            "url": f"/pro/{top['slug']}/",
            "kind": "page",
            "note": f"{top['reviews']} reviews",
        },
        {
            "name": "profile (few reviews)",
            "url": f"/pro/{few['slug']}/",
            "kind": "page",
            "note": f"{few['reviews']} reviews",
        },
        {"name": "api pros list", "url": f"/api/v1/pros/?{query}", "kind": "api"},
        {"name": "api pro detail", "url": f"/api/v1/pros/{top['slug']}/", "kind": "api"},
        {"name": "api badge", "url": f"/api/v1/pros/{top['slug']}/badge/", "kind": "api"},
        {
            "name": "api pro reviews",
            "url": f"/api/v1/pros/{top['slug']}/reviews/",
            "kind": "api",
            "optional": True,
        },
        {
            "name": "api latest reviews",
            "url": "/api/v1/reviews/latest/",
            "kind": "api",
            "optional": True,
        },
        {"name": "reviews page", "url": "/avis/", "kind": "page", "optional": True},
        *backoffice_endpoints(targets.get("backoffice")),
    ]


def backoffice_endpoints(figures: dict | None) -> list[dict]:
    """The signed-in pages at scale, each as its demo user (``user``: a role of
    bench/inprocess.py's BACKOFFICE_USERS): the largest pro's dashboard, lead inbox and
    twelve months of statistics, the advisors' queue, the network's dashboard."""
    if not figures:
        return []
    today = dt.date.fromisoformat(figures["today"])
    year = f"from={today - dt.timedelta(days=364)}&to={today}"
    company = f"{figures['company_leads']} leads, {figures['company_reviews']} reviews"
    return [
        {
            "name": "pro dashboard",
            "kind": "backoffice",
            "url": "/espace-pro/",
            "user": "pro",
            "note": company,
        },
        {
            "name": "lead inbox",
            "kind": "backoffice",
            "url": "/espace-pro/demandes/",
            "user": "pro",
            "note": company,
        },
        {
            "name": "statistics 12 months",
            "kind": "backoffice",
            "url": f"/espace-pro/statistiques/?{year}",
            "user": "pro",
            "note": f"{figures['company_stat_days']} daily rows",
        },
        {
            "name": "advisor queue",
            "kind": "backoffice",
            "url": "/conseiller/demandes/",
            "user": "advisor",
            "note": f"{figures['open_requests']} open requests",
        },
        {
            "name": "network dashboard",
            "kind": "backoffice",
            "url": "/espace-pro/reseau/",
            "user": "network",
            "note": (
                f"{figures['network_installers']} installers, {figures['network_leads']} leads"
            ),
        },
    ]


# --- Machine and versions -----------------------------------------------------------------


def _first_line(command: list[str]) -> str:
    try:
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError:
        return "absent"
    return (completed.stdout or completed.stderr).strip().splitlines()[0]


def machine_info() -> dict:
    meminfo = Path("/proc/meminfo").read_text()
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    return {
        "nproc": os.cpu_count(),
        "affinity_cpus": len(os.sched_getaffinity(0)),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "cpu_model": cpu.group(1).strip() if cpu else platform.processor(),
        "kernel": platform.release(),
    }


def versions(server_url: str, redis_url: str) -> dict:
    with psycopg.connect(f"{server_url}/postgres") as conn:
        postgres = conn.execute("SHOW server_version").fetchone()[0]
    return {
        "python": platform.python_version(),
        "django": metadata.version("django"),
        "djangorestframework": metadata.version("djangorestframework"),
        "psycopg": metadata.version("psycopg"),
        "gunicorn": metadata.version("gunicorn"),
        "postgresql": postgres,
        "redis": redis.Redis.from_url(redis_url).info("server")["redis_version"],
        "wrk": _first_line(["wrk", "-v"]).split(" [")[0],
    }


def gunicorn_settings(env: dict) -> dict:
    """What deploy/gunicorn.conf.py resolves to in this environment."""
    code = (
        "import json, runpy; c = runpy.run_path('deploy/gunicorn.conf.py'); print(json.dumps("
        "{k: c[k] for k in ('worker_class', 'workers', 'threads', 'max_requests', "
        "'max_requests_jitter', 'keepalive', 'timeout')}))"
    )
    completed = subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(completed.stdout)


# --- One dataset --------------------------------------------------------------------------


def seed_breakdown(lines: list[tuple[float, str]]) -> list[dict]:
    """seed_demo's own report lines, each with the time it was printed."""
    rows, previous = [], 0.0
    for elapsed, line in lines:
        if not line.strip():
            continue
        rows.append(
            {"at_s": round(elapsed, 2), "delta_s": round(elapsed - previous, 2), "line": line}
        )
        previous = elapsed
    return rows


def reviews_load_seconds(lines: list[tuple[float, str]]) -> float | None:
    """The reviews phase's duration when seed_demo reports it ("Reviews: … (12.3 s)")."""
    for _, line in lines:
        match = re.search(r"review.*\((\d+(?:\.\d+)?) ?s\)", line, re.IGNORECASE)
        if match:
            return float(match.group(1))
    return None


def earlier_load(args, stamp: str, dataset: str, phases: dict) -> dict | None:
    """The load of a reused database, when a run today measured it: from its load record
    (written by the run, or --load-only, that made the database), else from that run's
    results; its phases are added to ``phases`` as "(earlier run)"."""
    previous = Path(args.out) / f"{stamp}-{dataset}.json"
    load_file = Path(args.out) / f"{stamp}-{dataset}-load.json"
    if load_file.exists():
        earlier = json.loads(load_file.read_text())
        for phase, seconds in earlier["phases"].items():
            phases[f"{phase} (earlier run)"] = seconds
        return {**earlier["load"], "measured_in": earlier.get("run_at")}
    if previous.exists():
        earlier = json.loads(previous.read_text())
        if earlier.get("load"):
            for phase in ("migrate", "load_geography", "seed_demo"):
                if phase in earlier["phases"]:
                    phases[f"{phase} (earlier run)"] = earlier["phases"][phase]
            return {**earlier["load"], "measured_in": earlier.get("run_at")}
    return None


def reuse_database(dataset: str, args, env: dict, stamp: str, result: dict) -> None:
    """--reuse-db: the kept database migrated, no load measured (an earlier one reported)."""
    log(f"{dataset}: reusing database {result['database']} (--reuse-db): no load measured")
    result["phases"]["migrate"], _ = manage(env, "migrate", "--noinput")
    result["load"] = earlier_load(args, stamp, dataset, result["phases"])


def load_database(dataset: str, args, env: dict, stamp: str, result: dict) -> None:
    """A new database: migrate, the geography, seed_demo at the dataset's scale, timed, then
    VACUUM ANALYZE; the load is recorded in <date>-<dataset>-load.json for --reuse-db."""
    phases = result["phases"]
    log(f"{dataset}: creating database {result['database']}")
    recreate_database(args.postgres, result["database"])
    phases["migrate"], _ = manage(env, "migrate", "--noinput")
    log(f"{dataset}: loading the French geography")
    phases["load_geography"], _ = manage(env, "load_geography")
    log(f"{dataset}: seed_demo --scale {dataset} --force")
    phases["seed_demo"], lines = manage(env, "seed_demo", "--scale", dataset, "--force")
    result["load"] = {
        "seed_lines": seed_breakdown(lines),
        "reviews_seconds": reviews_load_seconds(lines),
    }
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    load_record = {"run_at": result["run_at"], "load": result["load"], "phases": phases}
    (Path(args.out) / f"{stamp}-{dataset}-load.json").write_text(json.dumps(load_record, indent=1))


def selected_endpoints(targets: dict, only: str) -> list[dict]:
    """The endpoints to measure: all, or those --only names (the baseline always)."""
    endpoints = endpoints_for(targets)
    if only:
        wanted = {name.strip() for name in only.split(",")}
        endpoints = [e for e in endpoints if e["kind"] == "baseline" or e["name"] in wanted]
    return endpoints


def server_time(env: dict, args, tmp: Path, endpoints: list[dict]) -> dict:
    """Server time in process (bench/inprocess.py) of every endpoint that answered 200."""
    measured, urls = [], set()
    for e in endpoints:
        if (
            e.get("status") == 200
            and e.get("kind") not in COMPARISON_KINDS
            and e["url"] not in urls
        ):
            measured.append(e)
            urls.add(e["url"])
    spec = tmp / "servertime.json"
    spec.write_text(
        json.dumps(
            {
                "endpoints": [
                    {
                        "name": e["name"],
                        "url": e["url"],
                        **({"user": e["user"]} if "user" in e else {}),
                    }
                    for e in measured
                ],
                "requests": args.server_requests,
                "warmup": args.server_warmup,
            }
        )
    )
    return inprocess(env, "servertime", str(spec))


def run_dataset(dataset: str, args, stamp: str) -> dict:
    db_name = f"eldo_bench_{dataset}"
    database_url = f"{args.postgres}/{db_name}"
    tmp = Path(tempfile.mkdtemp(prefix=f"eldo-bench-{dataset}-"))
    env = production_env(
        database_url=database_url, redis_url=args.redis_url, tmp=tmp, port=args.port
    )
    result: dict = {
        "dataset": dataset,
        "date": stamp,
        "run_at": time.strftime("%Y-%m-%d %H:%M"),
        "database": db_name,
        "phases": {},
    }
    phases = result["phases"]
    started = time.monotonic()
    try:
        redis.Redis.from_url(args.redis_url).flushdb()
        if args.reuse_db and database_exists(args.postgres, db_name):
            reuse_database(dataset, args, env, stamp, result)
        else:
            load_database(dataset, args, env, stamp, result)
            if args.load_only:
                log(f"{dataset}: loaded into {db_name} (--load-only)")
                return result
        targets = inprocess(env, "targets")
        result["targets"] = targets
        log(f"{dataset}: counts {targets['counts']}, back office {targets['backoffice']}")
        # Database sessions of the back-office users, for wrk (kept out of the results).
        args.session_cookies = inprocess(env, "sessions")
        phases["collectstatic"], _ = manage(env, "collectstatic", "--noinput")
        result["gunicorn"] = gunicorn_settings(env)
        endpoints = selected_endpoints(targets, args.only)
        result["endpoints"] = measure_gunicorn(env, endpoints, args, tmp, phases, db_name)
        log(f"{dataset}: server time in process ({args.server_requests} requests each)")
        t0 = time.monotonic()
        result["server_time"] = server_time(env, args, tmp, result["endpoints"])
        phases["server_time"] = time.monotonic() - t0
        if args.write_requests:  # after the reads: the rows they add change no figure above
            log(f"{dataset}: writes in process ({args.write_requests} of each)")
            t0 = time.monotonic()
            result["writes"] = inprocess(env, "writes", str(args.write_requests))
            phases["writes"] = time.monotonic() - t0
    finally:
        phases["total"] = time.monotonic() - started
        if not args.keep_db:
            with contextlib.suppress(psycopg.Error):
                drop_database(args.postgres, db_name)
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def busiest_worker_share(before: dict, after: dict, master_pid: int) -> float | None:
    """The largest share of the gunicorn workers' CPU used between two ``cpu_snapshot()``
    that one worker took; None with fewer than two workers or no CPU used."""
    used = [
        ticks - before.get(key, 0)
        for key, ticks in after.items()
        if key[0] == "gunicorn" and key[1] != master_pid
    ]
    total = sum(used)
    if len(used) < 2 or total <= 0:
        return None
    return max(used) / total


def measure_one(url: str, endpoint: dict, sampler, args) -> dict:
    """One GET to check the answer, wrk's warm-up, then the measured wrk run with the CPU
    used by the server's processes (``sampler``) meanwhile; a back-office page with its
    user's session cookie."""
    cookie = ""
    if endpoint.get("user"):
        cookie = f"sessionid={args.session_cookies[endpoint['user']]}"
    status, body = http_get(url, cookie=cookie)
    row = {**endpoint, "status": status, "bytes": len(body)}
    if status != 200:
        row["skipped"] = (
            "not built yet (404)"
            if status == 404 and endpoint.get("optional")
            else f"answered {status}"
        )
        log(f"  skip {endpoint['name']} {endpoint['url']}: {row['skipped']}")
        return row
    from bench.report import ONE_WORKER_SHARE, RESPREAD_TRIES

    load = {"connections": args.connections, "threads": args.threads, "cookie": cookie}
    wrk(url, seconds=args.warmup, **load)
    # wrk opens its connections at once and keeps them: the kernel may hand them all to one
    # gunicorn worker, which then serves them on one core (the GIL) while the others idle.
    # Such a run is measured again on new connections; the runs set aside are in the row.
    for attempt in range(1 + RESPREAD_TRIES):
        cpu_before = sampler.cpu_snapshot()
        measured = wrk(url, seconds=args.duration, **load)
        after = sampler.cpu_snapshot()
        share = busiest_worker_share(cpu_before, after, sampler.master_pid)
        if share is None or share <= ONE_WORKER_SHARE or attempt == RESPREAD_TRIES:
            break
        # Every keep-alive connection of wrk was accepted by the same worker: one core for
        # all of them, whatever the server could do. New connections land elsewhere.
        row.setdefault("respread", []).append(
            {"requests_per_s": measured["requests_per_s"], "busiest_worker_share": share}
        )
        log(
            f"  {endpoint['name']}: {share:.0%} of the CPU in one worker "
            f"({measured['requests_per_s']:.0f} req/s), measured again on new connections"
        )
    row["wrk"] = measured
    row["busiest_worker_share"] = share
    used = sampler.cpu_seconds_between(cpu_before, after)
    # CPU per request does not depend on what else runs on the machine: the figure to
    # compare when the load average shows the machine was shared.
    row["cpu_ms_per_request"] = {
        side: 1000 * seconds / max(row["wrk"]["requests"], 1) for side, seconds in used.items()
    }
    # The machine may be shared: a load average well above the cores we use shows another
    # process took CPU from this run.
    row["loadavg_1min"] = os.getloadavg()[0]
    log(
        f"  {endpoint['name']:<24} {row['wrk']['requests_per_s']:>8.1f} req/s "
        f"p95 {row['wrk']['latency_ms']['p95']:.1f} ms non-2xx {row['wrk']['non_2xx']}"
    )
    return row


def alternate_with_framework(
    healthz: dict, eldo_sampler, database: str, args, tmp: Path, env: dict
) -> list[dict]:
    """The bare Django view and /healthz, one after the other, ``args.alternations`` times
    (and /healthz through the whole middleware stack with --full-stack): the machine's
    drift and other processes hit both alike, and the spread of the pairs shows how much."""
    bare_port, full_port = args.port + 1, args.port + 2
    rows: list[dict] = []
    with contextlib.ExitStack() as servers:
        bare = servers.enter_context(
            comparison_server(
                env, settings=BARE_SETTINGS, port=bare_port, log_path=tmp / "bare-stderr.log"
            )
        )
        wait_healthy(f"http://{HOST}:{bare_port}", bare, path="/hello")
        targets = [
            (
                f"http://{HOST}:{bare_port}/hello",
                {"name": "bare Django view", "url": "/hello", "kind": "framework"},
                ProcessSampler(bare.pid, database),
            ),
            # The same bare Django answering a page the size of a cached one: what sending
            # tens of kilobytes costs gunicorn and wrk, which a 16-byte answer never pays.
            (
                f"http://{HOST}:{bare_port}/page",
                {"name": "bare Django view, 40 kB page", "url": "/page", "kind": "framework-page"},
                ProcessSampler(bare.pid, database),
            ),
            (f"http://{HOST}:{args.port}/healthz", healthz, eldo_sampler),
        ]
        if args.full_stack:
            full = servers.enter_context(
                comparison_server(
                    env,
                    settings=FULL_STACK_SETTINGS,
                    port=full_port,
                    log_path=tmp / "full-stack-stderr.log",
                )
            )
            wait_healthy(f"http://{HOST}:{full_port}", full)
            targets.append(
                (
                    f"http://{HOST}:{full_port}/healthz",
                    {"name": "healthz, full stack", "url": "/healthz", "kind": "full-stack"},
                    ProcessSampler(full.pid, database),
                )
            )
        for turn in range(1, args.alternations + 1):
            for url, endpoint, sampler in targets:
                name = endpoint["name"] if turn == 1 else f"{endpoint['name']} ({turn})"
                rows.append(
                    {**measure_one(url, {**endpoint, "name": name}, sampler, args), "turn": turn}
                )
    return rows


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def framework_summary(measured: list[dict]) -> dict:
    """The bare view against /healthz turn by turn: each pair's ratio (requests/s and CPU
    per request), their mean and spread."""
    by_turn: dict[int, dict[str, dict]] = {}
    for row in measured:
        if "turn" in row and "wrk" in row:
            by_turn.setdefault(row["turn"], {})[row["kind"]] = row
    turns = []
    for turn, rows in sorted(by_turn.items()):
        bare, healthz, full = rows.get("framework"), rows.get("baseline"), rows.get("full-stack")
        page = rows.get("framework-page")
        if not (bare and healthz):
            continue
        entry = {
            "turn": turn,
            "bare_rps": bare["wrk"]["requests_per_s"],
            "healthz_rps": healthz["wrk"]["requests_per_s"],
            "ratio": healthz["wrk"]["requests_per_s"] / bare["wrk"]["requests_per_s"],
            "cpu_ratio": _cpu(bare) / _cpu(healthz),
            "loadavg_1min": healthz.get("loadavg_1min"),
        }
        if page:
            entry["bare_page_rps"] = page["wrk"]["requests_per_s"]
            entry["bare_page_ratio"] = page["wrk"]["requests_per_s"] / bare["wrk"]["requests_per_s"]
        if full:
            entry["full_stack_rps"] = full["wrk"]["requests_per_s"]
            entry["full_stack_ratio"] = (
                full["wrk"]["requests_per_s"] / bare["wrk"]["requests_per_s"]
            )
            entry["full_stack_cpu_ratio"] = _cpu(bare) / _cpu(full)
        turns.append(entry)
    summary: dict = {"turns": turns}
    for key in (
        "ratio",
        "cpu_ratio",
        "full_stack_ratio",
        "full_stack_cpu_ratio",
        "bare_page_rps",
        "bare_page_ratio",
    ):
        values = [t[key] for t in turns if key in t]
        if values:
            summary[key] = {"mean": _mean(values), "min": min(values), "max": max(values)}
    return summary


def _cpu(row: dict) -> float:
    return sum(row["cpu_ms_per_request"].values())


def measure_gunicorn(
    env: dict, endpoints: list[dict], args, tmp: Path, phases: dict, database: str
) -> list:
    base = f"http://{HOST}:{args.port}"
    log_path = tmp / "gunicorn-stderr.log"
    measured: list[dict] = []
    t0 = time.monotonic()
    with (
        gunicorn(env, port=args.port, log_path=log_path) as process,
        celery_worker(env, log_path=tmp / "celery-stderr.log") as worker,
    ):
        phases["gunicorn_start"] = wait_healthy(base, process)
        sampler = ProcessSampler(process.pid, database)
        sampler.celery_pid = worker.pid
        sampler.start()
        # /healthz alternates with the bare view first, and runs again last: Eldo's own
        # baseline is the mean of its runs, the framework's the mean of the bare view's.
        healthz, *others = endpoints
        t_alternation = time.monotonic()
        measured += alternate_with_framework(healthz, sampler, database, args, tmp, env)
        phases["framework_alternation"] = time.monotonic() - t_alternation
        for endpoint in [*others, {**healthz, "name": "healthz (again)"}]:
            measured.append(measure_one(base + endpoint["url"], endpoint, sampler, args))
        soaked = None
        if args.soak > 0:
            log(f"  memory soak: {args.soak} s of wrk over the endpoints in turn")
            t_soak = time.monotonic()
            soaked = soak(base, measured, sampler, args)
            phases["soak"] = time.monotonic() - t_soak
        memory = sampler.stop()
        memory["soak"] = soaked
    phases["wrk"] = time.monotonic() - t0
    errors = log_path.read_text()[-3000:] if log_path.exists() else ""
    ran = [m for m in measured if "wrk" in m]
    baseline = _mean([m["wrk"]["requests_per_s"] for m in ran if m["kind"] == "baseline"])
    baseline_cpu = _mean([_cpu(m) for m in ran if m["kind"] == "baseline"])
    framework = _mean([m["wrk"]["requests_per_s"] for m in ran if m["kind"] == "framework"])
    framework_cpu = _mean([_cpu(m) for m in ran if m["kind"] == "framework"])
    for row in ran:
        cpu = _cpu(row)
        row["ratio"] = row["wrk"]["requests_per_s"] / baseline
        row["cpu_ratio"] = baseline_cpu / cpu if cpu else None
        if framework:
            row["framework_ratio"] = row["wrk"]["requests_per_s"] / framework
            row["framework_cpu_ratio"] = framework_cpu / cpu if cpu else None
    measured.append(
        {
            "memory": memory,
            "stderr_tail": errors,
            "baseline_rps": baseline,
            "framework_rps": framework,
            "framework": framework_summary(measured),
        }
    )
    return measured


# --- Reports ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=os.environ.get("BENCH_DATASETS", "1x"))
    parser.add_argument("--duration", type=int, default=20, help="seconds of wrk per endpoint")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of wrk before each")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--soak",
        type=int,
        default=int(os.environ.get("BENCH_SOAK", "120")),
        help="seconds of wrk after the endpoints, to see whether a worker's memory grows",
    )
    parser.add_argument(
        "--alternations",
        type=int,
        default=3,
        help="turns of the bare Django view against /healthz (bench/baseline)",
    )
    parser.add_argument(
        "--full-stack",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also /healthz through the whole middleware stack, in each turn",
    )
    parser.add_argument("--server-requests", type=int, default=200)
    parser.add_argument("--server-warmup", type=int, default=20)
    parser.add_argument(
        "--write-requests",
        type=int,
        default=60,
        help="quote requests and reviews with a photo timed in process (0: none)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("BENCH_PORT", "8765")),
        help="Eldo's port; the bare view and the full stack listen on the next two",
    )
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    )
    parser.add_argument("--keep-db", action="store_true", help="keep eldo_bench_<dataset>")
    parser.add_argument(
        "--reuse-db", action="store_true", help="reuse a kept database (no load measured)"
    )
    parser.add_argument(
        "--load-only",
        action="store_true",
        help="create and load the database, record the load, measure nothing (with --keep-db)",
    )
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument(
        "--only", default="", help='comma-separated endpoint names, e.g. "home,api badge"'
    )
    args = parser.parse_args()

    from bench.report import write_chart, write_markdown  # after sys.path is set

    if shutil.which("wrk") is None:
        log("wrk is missing: `make bench` installs it (apt-get install -y wrk)")
        return 2
    datasets = args.datasets.split()
    if not set(datasets) <= {"1x", "10x"}:
        parser.error("--datasets takes 1x and/or 10x")
    stamp = dt.date.today().isoformat()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    context = {
        "machine": machine_info(),
        "versions": versions(args.postgres, args.redis_url),
        "revision": _first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "wrk_options": {
            "connections": args.connections,
            "threads": args.threads,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "alternations": args.alternations,
        },
        "server_requests": args.server_requests,
    }
    for dataset in datasets:
        result = run_dataset(dataset, args, stamp)
        if args.load_only:
            continue
        result.update(context)
        (out / f"{stamp}-{dataset}.json").write_text(json.dumps(result, indent=1))
        log(f"{dataset}: done in {result['phases']['total']:.0f} s")
    if args.load_only:
        return 0
    for dataset in datasets:
        path = write_markdown(out, stamp, dataset)
        log(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    chart = write_chart(out, stamp)
    log(f"wrote {chart}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
