"""Where one request's time goes: pyinstrument over many calls of the WSGI application, in
one process configured like production (DJANGO_DEBUG=0, JSON logs, Prometheus multiprocess
mode), without a server or a network in the way.

    .venv/bin/python bench/profile_request.py /healthz                 # Eldo, 5,000 calls
    .venv/bin/python bench/profile_request.py /healthz --requests 20000
    .venv/bin/python bench/profile_request.py /healthz --settings bench.baseline.settings
    .venv/bin/python bench/profile_request.py /espace-pro/demandes/ --requests 50 \
        --database postgres://postgres@127.0.0.1:5432/eldo_bench_10x --user pro

Prints the mean time of a call, then pyinstrument's call tree (frames under 1 % hidden).
The environment is production's (bench/run.py production_env) but for the database and
Redis, which a probe does not touch: the URLs are unreachable on purpose, so that a
request reaching either one shows as an error rather than as a fast answer. A page that
reads data takes ``--database`` (a kept bench database, ``--redis`` for its cache) and,
signed in, ``--user`` (a role of bench/inprocess.py's BACKOFFICE_USERS).
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def production_like_environment(settings_module: str, tmp: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Nothing listens on port 1: a probe that reached either would fail loudly.
            "DATABASE_URL": "postgres://bench@127.0.0.1:1/none",
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "ELDO_VAR_DIR": str(tmp / "var"),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
            "LOG_LEVEL": "INFO",  # as bench/run.py serves it
        }
    )
    (tmp / "metrics").mkdir()
    if "JWT_PRIVATE_KEYS" not in os.environ and settings_module != "bench.baseline.settings":
        import subprocess

        os.environ["JWT_PRIVATE_KEYS"] = subprocess.run(
            [sys.executable, "manage.py", "jwt_key", "--kid", "bench"],
            cwd=ROOT,
            env={**os.environ, "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "eldo.settings"},
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()


def wsgi_environ(path: str, cookie: str = "") -> dict:
    """What gunicorn hands the application for a GET through the gateway (HTTP/1.1)."""
    route, _, query = path.partition("?")
    return {
        **({"HTTP_COOKIE": cookie} if cookie else {}),
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": route,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8765",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_USER_AGENT": "wrk",
        "HTTP_X_FORWARDED_PROTO": "https",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def call(application, path: str, cookie: str = "") -> str:
    seen: list[str] = []

    def start_response(status, headers, exc_info=None):
        seen.append(status)

    body = application(wsgi_environ(path, cookie), start_response)
    try:
        b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()
    return seen[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--settings", default="eldo.settings")
    parser.add_argument("--interval", type=float, default=0.0001, help="sampling interval (s)")
    parser.add_argument(
        "--flat", choices=("self", "total"), help="a flat list by function instead of the tree"
    )
    parser.add_argument("--all", action="store_true", help="no frame hidden (library code too)")
    parser.add_argument("--database", default="", help="DATABASE_URL of a kept bench database")
    parser.add_argument("--redis", default="", help="REDIS_URL (with --database)")
    parser.add_argument("--user", default="", help="signed in: pro, advisor or network")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    production_like_environment(args.settings, Path(tempfile.mkdtemp(prefix="eldo-profile-")))
    if args.database:
        os.environ["DATABASE_URL"] = args.database
        os.environ["REDIS_URL"] = args.redis or "redis://127.0.0.1:6379/15"
    from django.core.wsgi import get_wsgi_application
    from pyinstrument import Profiler
    from pyinstrument.renderers import ConsoleRenderer

    application = get_wsgi_application()
    cookie = ""
    if args.user:
        from django.conf import settings

        from bench.inprocess import _client, _signed_in

        client = _signed_in(_client(), args.user)
        name = settings.SESSION_COOKIE_NAME
        cookie = f"{name}={client.cookies[name].value}"
    warmup = min(200, max(args.requests // 5, 5))
    for _ in range(warmup):  # imports, lazy settings, compiled patterns
        status = call(application, args.path, cookie)
    if not status.startswith("200"):
        print(f"{args.path} answered {status}", file=sys.stderr)
        return 1
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(args.requests):
        call(application, args.path, cookie)
    wall_us = (time.perf_counter() - started) / args.requests * 1e6
    # CPU time does not grow when other processes share the cores: the figure to compare.
    cpu_us = (time.process_time() - cpu_started) / args.requests * 1e6
    profiler = Profiler(interval=args.interval)
    with profiler:
        for _ in range(args.requests):
            call(application, args.path, cookie)
    print(
        f"{args.path} ({args.settings}): {cpu_us:.1f} µs of CPU per call "
        f"({wall_us:.1f} µs elapsed), {args.requests} calls"
    )
    renderer = ConsoleRenderer(
        unicode=True,
        show_all=args.all,
        flat=bool(args.flat),
        flat_time=args.flat or "self",
        time="percent_of_total",
    )
    print(profiler.output(renderer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
