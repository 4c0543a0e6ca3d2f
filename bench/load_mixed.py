"""`make load`: a 60-second mixed read/write run at 64 connections against gunicorn, as the
image serves it (production settings, PostgreSQL, Redis), counting every status per kind
of request. It passes when no answer is a 5xx and every 429 is an intended one.

    .venv/bin/python bench/load_mixed.py                  # ~3 minutes with the data load
    .venv/bin/python bench/load_mixed.py --reuse-db       # keep eldo_bench_load between runs

Traffic (bench/wrk_mixed.lua): anonymous reads of the pages and API lists; quote requests
from many visitors; review reports and logins from 200 signed-up homeowners; and three
abusers — one address sending quote requests, one account reporting review after review,
one address guessing a password — whose writes are throttled (429) by design. Visitors come
through one trusted proxy (``NUM_PROXIES=1``, X-Forwarded-For) as behind the gateway, so
that per-address throttles apply to each visitor, at their production rates.

No Celery worker runs: the events of the writes wait in Redis (database 8, flushed before
and after) as they would for a worker; the run measures the web tier.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import redis

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    HOST,
    RESULTS,
    database_exists,
    drop_database,
    gunicorn,
    gunicorn_settings,
    http_get,
    inprocess,
    log,
    machine_info,
    manage,
    production_env,
    recreate_database,
    wait_healthy,
)

DATABASE = "eldo_bench_load"
ABUSIVE = {"quote_abuse", "report_abuse", "login_abuse"}  # their 429s are the intended ones
WRITES = {
    "quote": "POST /api/v1/quotes/ (visitors)",
    "quote_abuse": "POST /api/v1/quotes/ (one address)",
    "review_report": "POST /api/v1/reviews/{id}/report/ (200 accounts)",
    "report_abuse": "POST /api/v1/reviews/{id}/report/ (one account)",
    "login": "POST /api/v1/auth/token/ (200 accounts)",
    "login_abuse": "POST /api/v1/auth/token/ (password guessing, one address)",
}

PREPARE = """
import json
from django.contrib.auth import get_user_model
from django.db import connection
from apps.accounts.presentation.serializers import EldoTokenObtainPairSerializer

User = get_user_model()
password = "charge-eldo-2026"
probe = User(email="probe@exemple.fr")
probe.set_password(password)  # hashed once: 200 accounts share the hash
users = []
for i in range(201):
    user, _ = User.objects.get_or_create(
        email=f"charge{i}@exemple.fr", defaults={"password": probe.password, "first_name": "Charge"}
    )
    users.append(user)
tokens = [str(EldoTokenObtainPairSerializer.get_token(u).access_token) for u in users]
with connection.cursor() as cursor:
    cursor.execute(
        "SELECT id FROM reviews_review WHERE status = 'published' ORDER BY id DESC LIMIT 6000"
    )
    reviews = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT slug FROM directory_proprofile WHERE is_published ORDER BY id LIMIT 60"
    )
    slugs = [row[0] for row in cursor.fetchall()]
print(json.dumps({
    "password": password,
    "logins": [u.email for u in users[:200]],
    "tokens": tokens[:200],
    "abuser_token": tokens[200],
    "reviews": reviews,
    "slugs": slugs,
}))
"""


def to_lua(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid Lua string literal here
    if isinstance(value, list):
        return "{" + ", ".join(to_lua(v) for v in value) + "}"
    return "{" + ", ".join(f"[{json.dumps(k)}] = {to_lua(v)}" for k, v in value.items()) + "}"


def reads_for(targets: dict, slugs: list[str]) -> dict[str, list[str]]:
    cat, commune = targets["category"]["slug"], targets["commune"]
    query = f"category={cat}&postcode={commune['postcode']}"
    slugs = slugs or [targets["pro_top"]["slug"]]
    return {
        "home": ["/"],
        "search": [f"/artisans/?{query}", f"/artisans/?category={cat}", "/artisans/"],
        "landing": [f"/artisans/{cat}/{commune['slug']}/", f"/artisans/{cat}/"],
        "profile": [f"/pro/{slug}/" for slug in slugs],
        "reviews_page": ["/avis/"],
        "api_pros": [f"/api/v1/pros/?{query}", f"/api/v1/pros/?category={cat}"],
        "api_pro": [f"/api/v1/pros/{slug}/" for slug in slugs],
        "api_pro_reviews": [f"/api/v1/pros/{slug}/reviews/" for slug in slugs],
        "api_latest": ["/api/v1/reviews/latest/"],
        "api_badge": [f"/api/v1/pros/{slug}/badge/" for slug in slugs],
    }


def wrk_mixed(base: str, data_file: Path, *, seconds: int, connections: int, threads: int):
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH / "wrk_mixed.lua"),
        base,
        "--",
        str(data_file),
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    for line in completed.stdout.splitlines():
        if line.startswith("LOAD_JSON "):
            return json.loads(line.removeprefix("LOAD_JSON "))
    raise RuntimeError(f"wrk printed no result:\n{completed.stdout}{completed.stderr}")


def per_kind(counts: dict[str, int]) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for key, value in counts.items():
        kind, status = key.rsplit(" ", 1)
        table.setdefault(kind, {})[status] = value
    return table


def verdict(table: dict[str, dict[str, int]], wrk_errors: dict) -> dict:
    five = {k: v for k, row in table.items() for s, v in row.items() if s.startswith("5")}
    unintended_429 = {
        k: row["429"] for k, row in table.items() if "429" in row and k not in ABUSIVE
    }
    unanswered = sum(wrk_errors.values())
    return {
        "5xx": sum(five.values()),
        "5xx_by_kind": five,
        "unintended_429": unintended_429,
        "intended_429": {k: table.get(k, {}).get("429", 0) for k in sorted(ABUSIVE)},
        "socket_errors": wrk_errors,
        "passed": not five and not unintended_429 and unanswered == 0,
    }


def stored(database_url: str) -> dict[str, int]:
    """Rows the run's writes left: each 201 must be there (nothing answered but lost)."""
    with psycopg.connect(database_url) as conn:
        quotes = conn.execute(
            "SELECT count(*) FROM quotes_quoterequest WHERE email LIKE 'charge-%%'"
        ).fetchone()[0]
        reports = conn.execute(
            "SELECT count(*) FROM reviews_reviewreport r JOIN accounts_user u "
            "ON u.id = r.reporter_id WHERE u.email LIKE 'charge%%'"
        ).fetchone()[0]
    return {"quotes": quotes, "reports": reports}


def markdown(result: dict) -> str:
    table, check, wrk = result["by_kind"], result["verdict"], result["wrk"]
    lines = [
        f"# Mixed read/write load — {result['date']}",
        "",
        f"`make load` ({result['run_at']}, revision {result['revision']}): "
        f"{result['options']['duration_s']} s, {result['options']['connections']} "
        f"connections, wrk -t{result['options']['threads']}, against gunicorn "
        f"({result['gunicorn']['workers']} workers × {result['gunicorn']['threads']} threads) "
        f"with production settings on PostgreSQL {result['versions']['postgresql']} and "
        f"Redis; dataset: seed_demo default size ({result['targets']['counts']}).",
        "",
        f"**{'PASSED' if check['passed'] else 'FAILED'}**: {check['5xx']} answers 5xx, "
        f"unintended 429: {check['unintended_429'] or 'none'}, socket errors: "
        f"{sum(check['socket_errors'].values())}.",
        "",
        f"- {wrk['requests']} requests in {wrk['duration_s']:.1f} s: "
        f"**{wrk['requests_per_s']:.1f} requests/s**",
        f"- latency (all kinds): p50 {wrk['latency_ms']['p50']:.0f} ms, p90 "
        f"{wrk['latency_ms']['p90']:.0f} ms, p95 {wrk['latency_ms']['p95']:.0f} ms, p99 "
        f"{wrk['latency_ms']['p99']:.0f} ms, max {wrk['latency_ms']['max']:.0f} ms",
        f"- stored after the run: {result['stored']['quotes']} quote requests "
        f"(answered 201: {result['created']['quotes']}), {result['stored']['reports']} "
        f"review reports (answered 201: {result['created']['reports']})",
        f"- load average (1 min) at the end: {result['loadavg_1min']:.1f} on "
        f"{result['machine']['nproc']} CPUs",
        "",
        "| kind | request | answers | 2xx | 4xx (by status) | 429 | 5xx | 429 intended |",
        "|---|---|---:|---:|---|---:|---:|---|",
    ]
    for kind in sorted(table, key=lambda k: (k in WRITES, k)):
        row = table[kind]
        total = sum(row.values())
        ok = sum(v for s, v in row.items() if s.startswith("2"))
        fours = ", ".join(f"{s}: {v}" for s, v in sorted(row.items()) if s.startswith("4"))
        fives = sum(v for s, v in row.items() if s.startswith("5"))
        request = WRITES.get(kind, "GET " + ", ".join(result["reads"].get(kind, [])[:1]))
        lines.append(
            f"| {kind} | {request} | {total} | {ok} | {fours or '—'} | {row.get('429', 0)} "
            f"| {fives} | {'yes' if kind in ABUSIVE else 'no (none expected)'} |"
        )
    lines += [
        "",
        "Intended 429s: quote requests past `THROTTLE_QUOTE_SUBMIT` (10/hour per address), "
        "reports past `THROTTLE_REVIEW_REPORT` (20/hour per account), logins past "
        "`THROTTLE_LOGIN_EMAIL` (5/min per account) and `THROTTLE_LOGIN` (10/min per "
        "address). The 401s of the password guessing are the wrong passwords.",
        "",
    ]
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOAD_PORT", "8766")))
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/8")
    )
    parser.add_argument("--reuse-db", action="store_true", help=f"reuse {DATABASE} if kept")
    parser.add_argument("--keep-db", action="store_true", help=f"keep {DATABASE}")
    parser.add_argument("--out", default=str(RESULTS))
    return parser.parse_args()


def load_env(args, *, database_url: str, tmp: Path) -> dict:
    env = production_env(
        database_url=database_url, redis_url=args.redis_url, tmp=tmp, port=args.port
    )
    # Production throttles, with the client address read from X-Forwarded-For as behind
    # the gateway (one trusted proxy).
    env.pop("THROTTLE_ANON", None)
    env["NUM_PROXIES"] = "1"
    env["LOG_LEVEL"] = os.environ.get("BENCH_LOG_LEVEL", "WARNING")
    return env


def prepare_database(args, env: dict) -> None:
    """The kept database migrated (--reuse-db), or a new one with the demo data."""
    if args.reuse_db and database_exists(args.postgres, DATABASE):
        log(f"reusing {DATABASE}")
        manage(env, "migrate", "--noinput")
    else:
        log(f"creating {DATABASE}: migrate, load_geography, seed_demo")
        recreate_database(args.postgres, DATABASE)
        manage(env, "migrate", "--noinput")
        manage(env, "load_geography")
        manage(env, "seed_demo", "--force")


def prepare_traffic(env: dict) -> tuple[dict, dict, dict]:
    """The dataset's targets, the accounts, tokens and reviews of the writes (PREPARE), and
    the reads: ``(targets, prepared, reads)``."""
    targets = inprocess(env, "targets")
    _, lines = manage(env, "shell", "-c", PREPARE, echo=False)  # tokens: not for the log
    prepared = json.loads(next(line for _, line in reversed(lines) if line.startswith("{")))
    reviews = prepared["reviews"]
    if len(reviews) < 200:
        raise RuntimeError(f"only {len(reviews)} published reviews: too few to report")
    return targets, prepared, reads_for(targets, prepared["slugs"])


def traffic_data(args, targets: dict, prepared: dict, reads: dict) -> dict:
    """What bench/wrk_mixed.lua reads: the reads, the accounts, the reviews to report (the
    first three quarters for the 200 accounts, the rest for the abuser)."""
    reviews = prepared["reviews"]
    split = len(reviews) * 3 // 4
    return {
        "threads": args.threads,
        "reads": reads,
        "category": targets["category"]["slug"],
        "postcode": targets["commune"]["postcode"],
        "password": prepared["password"],
        "logins": prepared["logins"],
        "tokens": prepared["tokens"],
        "abuser_token": prepared["abuser_token"],
        "review_ids": reviews[:split],
        "abuse_review_ids": reviews[split:],
        "victim": "pro@eldo.test",
    }


def run_wrk(args, env: dict, tmp: Path, reads: dict, data: dict) -> tuple[dict, float]:
    """gunicorn up, every read answering 200, then the mixed wrk run; its result and the
    load average (1 min) at its end."""
    base = f"http://{HOST}:{args.port}"
    with gunicorn(env, port=args.port, log_path=tmp / "gunicorn.log") as process:
        wait_healthy(base, process)
        for kind, paths in reads.items():  # every read answers before it is measured
            for path in paths[:3]:
                status, _ = http_get(base + path)
                if status != 200:
                    raise RuntimeError(f"{kind} {path} answered {status}")
        data_file = tmp / "load-data.lua"
        data_file.write_text("return " + to_lua(data) + "\n")
        log(f"wrk: {args.duration} s, {args.connections} connections, mixed")
        wrk = wrk_mixed(
            base,
            data_file,
            seconds=args.duration,
            connections=args.connections,
            threads=args.threads,
        )
        return wrk, os.getloadavg()[0]


def tally(args, wrk: dict, *, database_url: str) -> dict:
    """Statuses per kind, the verdict, what was stored against what was answered 201, and
    the versions and revision measured."""
    from bench.run import _first_line, versions

    table = per_kind(wrk.pop("counts"))
    return {
        "wrk": wrk,
        "by_kind": table,
        "verdict": verdict(table, wrk["errors"]),
        "stored": stored(database_url),
        "created": {
            "quotes": sum(table.get(k, {}).get("201", 0) for k in ("quote", "quote_abuse")),
            "reports": sum(
                table.get(k, {}).get("201", 0) for k in ("review_report", "report_abuse")
            ),
        },
        "versions": versions(args.postgres, args.redis_url),
        "revision": _first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
    }


def measure(args, env: dict, tmp: Path, *, database_url: str) -> dict:
    """The database, the traffic's data, the run and its tally: the result's fields."""
    redis.Redis.from_url(args.redis_url).flushdb()
    prepare_database(args, env)
    targets, prepared, reads = prepare_traffic(env)
    manage(env, "collectstatic", "--noinput")
    result = {
        "targets": targets,
        "reads": reads,
        "gunicorn": gunicorn_settings(env),
        "machine": machine_info(),
        "options": {
            "duration_s": args.duration,
            "connections": args.connections,
            "threads": args.threads,
        },
    }
    data = traffic_data(args, targets, prepared, reads)
    wrk, result["loadavg_1min"] = run_wrk(args, env, tmp, reads, data)
    result["gunicorn_stderr_tail"] = (tmp / "gunicorn.log").read_text()[-3000:]
    result.update(tally(args, wrk, database_url=database_url))
    return result


def clean_up(args, tmp: Path) -> None:
    with contextlib.suppress(redis.RedisError):
        redis.Redis.from_url(args.redis_url).flushdb()
    if not args.keep_db and not args.reuse_db:
        with contextlib.suppress(psycopg.Error):
            drop_database(args.postgres, DATABASE)
    shutil.rmtree(tmp, ignore_errors=True)


def write_results(args, stamp: str, result: dict) -> Path:
    """<date>-load.json and <date>-load.md under --out; returns the report's path."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stamp}-load.json").write_text(json.dumps(result, indent=1))
    report = out / f"{stamp}-load.md"
    report.write_text(markdown(result))
    return report


def main() -> int:
    args = parse_args()
    if shutil.which("wrk") is None:
        log("wrk is missing: `make load` installs it (apt-get install -y wrk)")
        return 2

    stamp = dt.date.today().isoformat()
    database_url = f"{args.postgres}/{DATABASE}"
    tmp = Path(tempfile.mkdtemp(prefix="eldo-load-"))
    env = load_env(args, database_url=database_url, tmp=tmp)
    result: dict = {"date": stamp, "run_at": time.strftime("%Y-%m-%d %H:%M")}
    try:
        result.update(measure(args, env, tmp, database_url=database_url))
    finally:
        clean_up(args, tmp)

    report = write_results(args, stamp, result)
    check = result["verdict"]
    log(
        f"{result['wrk']['requests']} requests, {result['wrk']['requests_per_s']:.1f}/s, "
        f"5xx: {check['5xx']}, unintended 429: {check['unintended_429'] or 'none'}, "
        f"intended 429: {check['intended_429']}; wrote {report}"
    )
    return 0 if check["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
