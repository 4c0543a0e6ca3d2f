"""What carving reviews out costs: facade calls over HTTP, the profile page, event latency.

    .venv/bin/python bench/carve_out.py                 # about 3 minutes on 2 cores
    .venv/bin/python bench/carve_out.py --reviews 40 --calls 500

It runs the carved stack of the integration test (tests/integration/carved.py: the monolith
and the reviews service on gunicorn with production settings, each on its own PostgreSQL
database, RabbitMQ between them, one consumer per side) on a database of its own
(eldo_bench_carve, and eldo_bench_carve_reviews for the service; dropped at the end), then:

1. data: Haute-Garonne and the trades, one pro, its owner, a moderator; --reviews customers
   invited by the pro through the service's API, each answering through the service and
   published by the moderator (the real flow: every publication is a
   ``reviews.ProRatingChanged`` that the monolith's directory consumes from RabbitMQ);
   the same reviews are also written into the monolith's own reviews tables, for the
   in-process comparison;
2. event latency: for each ``reviews.ProRatingChanged``, from its outbox row in the
   service's database (written in the publishing transaction) to the directory's inbox row
   in the monolith's (written by the handler's transaction): publish to handled;
3. facade calls: --calls calls of ``reviews.pro_reviews`` (the profile's reviews) and of
   ``directory.pro_profile`` (what the service reads most), in this process, in-process
   (the ``api`` module on the same database) and over HTTP (the generated client against
   the running service, resp. the monolith): p50/p95 and the difference;
4. the profile page: --requests GETs of ``/pro/<slug>/`` on the carved monolith (its
   reviews from the service) and on a second monolith gunicorn reading its own reviews
   tables (no REVIEWS_SERVICE_URL), one client alternating between them request by
   request, the response cache off on both: p50/p95;
5. writes bench/results/<date>-carve-out.md and .json.

The machine's load average is recorded next to the figures: on a busy machine they are
upper bounds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eldo.settings")

from tests.integration.carved import CarvedStack, Process, http  # noqa: E402
from tests.waiting import wait_for  # noqa: E402


def log(message: str) -> None:
    print(f"[bench-carve {time.strftime('%H:%M:%S')}] {message}", flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def summary(values_ms: list[float]) -> dict:
    return {
        "n": len(values_ms),
        "p50_ms": round(statistics.median(values_ms), 2),
        "p95_ms": round(percentile(values_ms, 95), 2),
    }


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[0]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="eldo_bench_carve")
    parser.add_argument(
        "--broker", default=os.environ.get("EVENTS_BROKER_URL", "amqp://guest:guest@127.0.0.1//")
    )
    parser.add_argument("--reviews", type=int, default=30, help="reviews written and published")
    parser.add_argument("--calls", type=int, default=300, help="facade calls per kind")
    parser.add_argument("--requests", type=int, default=300, help="profile GETs per monolith")
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args()


# --- Data -------------------------------------------------------------------------------


def people(stack: CarvedStack) -> dict:
    from io import StringIO

    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from apps.accounts.models import Membership, Organization, User
    from apps.accounts.presentation.serializers import EldoTokenObtainPairSerializer
    from apps.directory.services import categories_sync
    from apps.directory.tests.factories import make_pro

    call_command("load_geography", departments="31", stdout=StringIO())
    categories_sync()
    pro = make_pro("Façades du Capitole", departments=("31",), trades=("facade",))
    owner = User.objects.create_user(email="gerant@bench.eldo.test", password=None)
    Membership.objects.create(
        user=owner, organization=Organization.objects.get(pk=pro.organization_id), role="owner"
    )
    moderator = User.objects.create_user(
        email="moderation@bench.eldo.test", password=None, staff_role="moderator", is_staff=True
    )
    assert make_password  # the users sign in with tokens only

    def token(user) -> str:
        return str(EldoTokenObtainPairSerializer.get_token(user).access_token)

    return {"pro": pro, "owner": token(owner), "moderator": token(moderator)}


def publish_reviews(stack: CarvedStack, who: dict, count: int) -> list[dict]:
    """Invite, answer and publish ``count`` reviews through the service; their payloads."""
    written = []
    for n in range(count):
        email = f"client{n}@bench.eldo.test"
        status, body = http(
            "POST",
            f"{stack.service}/api/v1/review-requests/",
            token=who["owner"],
            body={
                "customer_name": f"Client {n}",
                "customer_email": email,
                "work_description": "Ravalement de façade",
                "work_date": "2026-10-01",
            },
        )
        assert status == 201, body
        assert wait_for(lambda e=email: stack.mails_to(e), timeout=20), stack.logs()
        text = stack.mails_to(email)[0].get_body(("plain",)).get_content()
        (link,) = re.findall(r"/avis/invitation/([^/\s]+)/", text)
        review = {
            "rating": 3 + n % 3,
            "title": f"Ravalement n° {n}",
            "body": "Chantier propre, délais tenus, enduit impeccable : nous sommes ravis.",
            "author_name": f"Client {n}",
            "author_email": email,
            "author_postcode": "31000",
            "work_category": "facade",
            "work_date": "2026-10-01",
        }
        status, body = http(
            "POST",
            f"{stack.service}/api/v1/reviews/",
            body={"invitation_token": link, **review},
        )
        assert status == 201, body
        review_id = json.loads(body)["id"]
        status, body = http(
            "POST",
            f"{stack.service}/api/v1/moderation/reviews/{review_id}/decision/",
            token=who["moderator"],
            body={"decision": "publish", "reason": "compliant"},
        )
        assert status in (200, 204), body
        written.append(review)
    return written


def mirror_in_monolith(pro, reviews: list[dict]) -> None:
    """The same reviews in the monolith's own tables (the in-process comparison)."""
    from apps.reviews.aggregates import pro_aggregates_refresh
    from apps.reviews.tests.factories import ReviewFactory

    for review in reviews:
        ReviewFactory(
            pro_id=pro.pk,
            rating=review["rating"],
            title=review["title"],
            body=review["body"],
            author_name=review["author_name"],
            author_email=review["author_email"],
        )
    pro_aggregates_refresh(pro_id=pro.pk)


# --- Measures ---------------------------------------------------------------------------


def event_latencies(stack: CarvedStack) -> list[float]:
    with psycopg.connect(stack.reviews_db_url) as conn:
        published = dict(
            conn.execute(
                "SELECT id, created_at FROM core_outboxevent WHERE name = %s",
                ("reviews.ProRatingChanged",),
            ).fetchall()
        )
    with psycopg.connect(stack.monolith_db_url) as conn:
        handled = dict(
            conn.execute(
                "SELECT event_id, min(handled_at) FROM core_handledevent "
                "WHERE consumer = 'directory' GROUP BY event_id"
            ).fetchall()
        )
    return [
        (handled[event_id] - created).total_seconds() * 1000
        for event_id, created in published.items()
        if event_id in handled
    ]


def time_calls(call, count: int) -> list[float]:
    for _ in range(10):
        call()
    durations = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        durations.append((time.perf_counter() - started) * 1000)
    return durations


def facade_costs(stack: CarvedStack, pro, count: int) -> dict:
    from django.conf import settings

    from apps.core.remote_facades import client_for
    from apps.directory import api as directory_api
    from apps.reviews import api as reviews_api

    def pro_reviews(facade):
        return lambda: facade.pro_reviews(pro_id=pro.pk, page=1, page_size=10, ordering="recent")

    settings.REMOTE_FACADES = {"reviews": stack.service, "directory": stack.monolith}
    results = {}
    for name, local, remote in (
        ("reviews.pro_reviews", pro_reviews(reviews_api), pro_reviews(client_for("reviews"))),
        (
            "directory.pro_profile",
            lambda: directory_api.pro_profile(pro.slug),
            lambda: client_for("directory").pro_profile(pro.slug),
        ),
    ):
        in_process = summary(time_calls(local, count))
        over_http = summary(time_calls(remote, count))
        results[name] = {
            "in_process": in_process,
            "over_http": over_http,
            "added_p95_ms": round(over_http["p95_ms"] - in_process["p95_ms"], 2),
        }
        log(f"{name}: {results[name]}")
    return results


def page_costs(stack: CarvedStack, slug: str, count: int) -> dict:
    from tests.parallel import free_port

    port = free_port()
    env = stack.monolith_env()
    env.pop("REVIEWS_SERVICE_URL")
    env.update({"EVENTS_TRANSPORT": "", "PUBLIC_RESPONSE_CACHE_SECONDS": "0"})
    env["DJANGO_ALLOWED_HOSTS"] += f",127.0.0.1:{port}"
    in_process = Process(
        "monolith-in-process",
        [str(ROOT / "deploy/entrypoint.sh"), "web", "--bind", f"127.0.0.1:{port}"],
        env,
        stack.tmp,
    )
    stack._start_web(in_process, f"http://127.0.0.1:{port}")
    bases = {"carved": stack.monolith, "in_process": f"http://127.0.0.1:{port}"}
    durations: dict[str, list[float]] = {name: [] for name in bases}

    def get(base: str) -> None:
        status, html = http("GET", f"{base}/pro/{slug}/")
        assert status == 200 and "Ravalement n°" in html, html[-500:]

    try:
        for base in bases.values():  # warm both
            for _ in range(20):
                get(base)
        # In turn, request by request: a load change on this machine hits both alike.
        for _ in range(count):
            for name, base in bases.items():
                started = time.perf_counter()
                get(base)
                durations[name].append((time.perf_counter() - started) * 1000)
        results = {name: summary(values) for name, values in durations.items()}
        log(f"profile: {results}")
    finally:
        in_process.stop()
    results["added_p95_ms"] = round(
        results["carved"]["p95_ms"] - results["in_process"]["p95_ms"], 2
    )
    return results


# --- Report -----------------------------------------------------------------------------


def write_report(figures: dict) -> Path:
    date = dt.date.today().isoformat()
    out = BENCH / "results" / f"{date}-carve-out"
    out.with_suffix(".json").write_text(json.dumps(figures, indent=2) + "\n")
    events, facades, page = figures["events"], figures["facades"], figures["profile_page"]
    lines = [
        f"# Carve-out costs, {date}",
        "",
        "`bench/carve_out.py`: the monolith and the reviews service on gunicorn (production",
        "settings, one worker × 4 threads each), each on its own PostgreSQL database, RabbitMQ",
        f"between them. Load average {figures['load_before']} before, {figures['load_after']}"
        " after (2 cores).",
        "",
        "## Events through RabbitMQ (publish to handled)",
        "",
        f"`reviews.ProRatingChanged`, {events['n']} events: p50 {events['p50_ms']} ms, "
        f"p95 {events['p95_ms']} ms (the service's outbox row to the directory's inbox row).",
        "",
        "## Facade calls",
        "",
        "| call | in-process p50 / p95 ms | over HTTP p50 / p95 ms | p95 added ms |",
        "|---|---|---|---|",
    ]
    for name, row in facades.items():
        lines.append(
            f"| `{name}` | {row['in_process']['p50_ms']} / {row['in_process']['p95_ms']} | "
            f"{row['over_http']['p50_ms']} / {row['over_http']['p95_ms']} | "
            f"{row['added_p95_ms']} |"
        )
    lines += [
        "",
        "## The profile page (response cache off)",
        "",
        "| monolith | p50 ms | p95 ms |",
        "|---|---|---|",
        f"| reviews in-process | {page['in_process']['p50_ms']} | {page['in_process']['p95_ms']} |",
        f"| reviews carved | {page['carved']['p50_ms']} | {page['carved']['p95_ms']} |",
        "",
        f"p95 added by the carve-out: {page['added_p95_ms']} ms.",
        "",
    ]
    out.with_suffix(".md").write_text("\n".join(lines))
    return out.with_suffix(".md")


def main() -> int:
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="eldo-bench-carve-"))
    database_url = f"{args.postgres}/{args.database}"
    with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.database}"')
    stack = CarvedStack(tmp, monolith_db_url=database_url, broker_url=args.broker)
    # The response cache off everywhere: what is measured is the page, not a cache hit.
    stack.extra_env["PUBLIC_RESPONSE_CACHE_SECONDS"] = "0"
    # One client writes every review: the per-address limits would stop it at the tenth.
    stack.extra_env.update({"THROTTLE_ANON": "100000/min", "THROTTLE_REVIEW_SUBMIT": "100000/hour"})
    os.environ.update(stack.monolith_env())
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    figures = {"load_before": loadavg()}
    try:
        stack.prepare()
        stack.start_monolith()
        stack.start_service()
        who = people(stack)
        pro = who["pro"]
        log(f"publishing {args.reviews} reviews through the service")
        reviews = publish_reviews(stack, who, args.reviews)
        assert wait_for(lambda: len(event_latencies(stack)) >= args.reviews, timeout=60), (
            stack.logs()
        )
        figures["events"] = summary(event_latencies(stack))
        log(f"events: {figures['events']}")
        mirror_in_monolith(pro, reviews)
        figures["facades"] = facade_costs(stack, pro, args.calls)
        figures["profile_page"] = page_costs(stack, pro.slug, args.requests)
        figures["load_after"] = loadavg()
    finally:
        stack.stop()
        if not args.keep_db:
            with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    log(f"report: {write_report(figures)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
