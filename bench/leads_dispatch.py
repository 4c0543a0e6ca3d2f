"""Lead dispatch with a real Celery worker on PostgreSQL + Redis: throughput, the time from
the advisor's dispatch to the pro's e-mail sent (brief: ≤ 2 s at p95), and the time from a
network's lead to its signed webhook received (p95 < 5 s).

    .venv/bin/python bench/leads_dispatch.py                 # about 3 minutes on 2 cores
    .venv/bin/python bench/leads_dispatch.py --burst 300 --keep-db

What it does, in a database of its own (eldo_bench_leads, dropped at the end unless
--keep-db) and Redis database 7 (flushed):

1. migrate, Haute-Garonne and the trades, 6 façade pros (each with an owner to e-mail and a
   cap high enough never to refuse), and the qualified requests, prepared through the real
   quotes services *before* the worker starts (their own e-mails are not measured);
2. starts `celery -A eldo worker` (prefork, --concurrency, default 2) with the file e-mail
   backend, and waits until it is ready; a few dispatches warm it up;
3. latency: dispatches --paced requests one every --interval seconds through
   `quotes.services.quote_dispatch` (the advisor's action: commit, outbox, broker), each to
   2 pros; for every lead, the time from the dispatch's commit to `Lead.notified_at`,
   stamped by the worker right after the pro's e-mail was handed to the e-mail backend;
   and the time to each owner's SMS alert sent (`LeadAlert.sent_at`, file SMS backend,
   quiet hours off; target < 60 s at p95);
4. webhooks: a network (its installers: the 6 pros) with one endpoint on a local receiver
   (apps/leads/tests/webhook_receiver.py, http on 127.0.0.1, hence
   LEADS_WEBHOOKS_ALLOW_PRIVATE=1); --webhooks inbound leads pushed one every
   --webhook-interval seconds through `leads.services.inbound_lead_receive` (the partner
   API's service: lead, outbox event, commit); for each, the time from that commit to the
   receiver's arrival of its `lead.created` POST, sent by the worker (outbox handler, then
   the `leads.webhook_send` task); every signature is verified;
5. throughput: dispatches --burst requests back to back, then waits until every lead is
   notified: leads per second end to end, and dispatches per second on the advisor's side;
6. prints the figures and writes bench/results/<date>-leads-dispatch.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PROS = [
    "Façades du Capitole",
    "Enduits de la Garonne",
    "Ravalement Toulousain",
    "Façades du Lauragais",
    "Crépis d'Occitanie",
    "Peintures de la Ville Rose",
]
PAIRS = [(a, b) for a in range(len(PROS)) for b in range(a + 1, len(PROS))]


def log(message: str) -> None:
    print(f"[bench-leads {time.strftime('%H:%M:%S')}] {message}", flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def recreate_database(server_url: str, name: str) -> None:
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- Data (in this process, Django set up on the bench database) ---------------------------


def prepare(count: int) -> tuple[object, list[str], list[int]]:
    """Geography, trades, pros with their owners, an advisor, ``count`` qualified requests."""
    from io import StringIO

    from django.core.management import call_command

    from apps.accounts.models import Membership, NotificationPreference, Organization, User
    from apps.directory.services import categories_sync
    from apps.directory.tests.factories import make_pro
    from apps.quotes import services as quotes
    from apps.quotes.models import QuoteChannel

    call_command("load_geography", departments="31", stdout=StringIO())
    categories_sync()
    slugs = []
    for n, name in enumerate(PROS):
        pro = make_pro(name, departments=("31",), rating=(4.5, 10 + n))
        pro.monthly_lead_cap = 30000
        pro.save(update_fields=["monthly_lead_cap"])
        owner = User.objects.create_user(
            email=f"gerant{n}@bench.eldo.test", password=None, phone=f"+3361234560{n}"
        )
        # The owners want SMS too: "dispatch → alert sent" is measured on those.
        NotificationPreference.objects.create(user=owner, new_lead_sms=True)
        Membership.objects.create(
            user=owner, organization=Organization.objects.get(pk=pro.organization_id), role="owner"
        )
        slugs.append(pro.slug)
    advisor = User.objects.create_user(
        email="conseiller@bench.eldo.test", password=None, staff_role="advisor", is_staff=True
    ).actor  # the services act for an Actor (apps.core.actor), as the advisor's views pass
    quote_ids = []
    for n in range(count):
        quote = quotes.quote_submit(
            channel=QuoteChannel.API,
            kind="quote",
            category="facade",
            description=f"Ravalement de façade n° {n} : enduit à refaire, environ 100 m².",
            postcode="31000",
            first_name="Luce",
            last_name="Moreau",
            email=f"particulier{n}@bench.eldo.test",
            phone="06 12 34 56 78",
            consent=True,
            budget_range="5k_15k",
            timeline="3_months",
        ).quote
        quotes.quote_claim(quote_id=quote.pk, actor=advisor)
        quotes.quote_qualify(quote_id=quote.pk, actor=advisor, changes={})
        quote_ids.append(quote.pk)
    return advisor, slugs, quote_ids


def dispatch(advisor, slugs: list[str], quote_id: int, n: int) -> float:
    """The advisor's dispatch to two pros; returns the wall-clock moment it committed."""
    from apps.quotes import services as quotes

    a, b = PAIRS[n % len(PAIRS)]
    quotes.quote_dispatch(quote_id=quote_id, actor=advisor, pro_slugs=[slugs[a], slugs[b]])
    return time.time()


def wait_notified(quote_ids: list[int], *, timeout: float) -> dict[int, list[float]]:
    """Wait until every lead of these requests is notified; notified_at per request."""
    from apps.leads.models import Lead

    deadline = time.monotonic() + timeout
    expected = 2 * len(quote_ids)
    while True:
        rows = list(
            Lead.objects.filter(quote_id__in=quote_ids, notified_at__isnull=False).values_list(
                "quote_id", "notified_at"
            )
        )
        if len(rows) >= expected or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    by_quote: dict[int, list[float]] = {}
    for quote_id, notified_at in rows:
        by_quote.setdefault(quote_id, []).append(notified_at.timestamp())
    return by_quote


def prepare_network(slugs: list[str], url: str) -> tuple[object, str]:
    """A network whose installers are the pros, its manager, and an endpoint on ``url``;
    returns the manager's actor and the endpoint's secret."""
    from apps.accounts.models import Membership, Organization, User
    from apps.directory import api as directory
    from apps.leads import services as leads
    from apps.leads import webhooks

    network = Organization.objects.create(
        name="Réseau Confort Habitat", slug="reseau-confort-bench", kind="network"
    )
    manager = User.objects.create_user(email="gerant@reseau-confort.bench.eldo.test", password=None)
    Membership.objects.create(user=manager, organization=network, role="manager")
    for pro in directory.pros_by_slugs(slugs).values():
        leads.network_installer_ensure(
            network_id=network.pk, pro_id=pro.id, department_codes=["31"]
        )
    _endpoint, secret = webhooks.endpoint_create(network_id=network.pk, url=url)
    return manager.actor, secret


def push_lead(actor, n: int) -> tuple[int, float]:
    """The network pushes its lead n (the partner API's service); returns the lead's id and
    the wall-clock moment it committed (its event with it)."""
    from apps.leads import services as leads

    lead, _created = leads.inbound_lead_receive(
        actor=actor,
        data={
            "external_id": f"CRM-BENCH-{n}",
            "category": "facade",
            "postcode": "31000",
            "first_name": "Jeanne",
            "email": f"jeanne{n}@bench.eldo.test",
            "phone": "0611223344",
            "description": f"Reprise d'enduit sur pignon n° {n}, 40 m².",
        },
    )
    return lead.pk, time.time()


def wait_received(receiver, count: int, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(receiver.received) < count and time.monotonic() < deadline:
        time.sleep(0.05)


# --- Worker ----------------------------------------------------------------------------------


def wait_alerted(quote_ids: list[int], *, timeout: float) -> dict[int, list[float]]:
    """Wait until every SMS alert of these requests' leads is sent; sent_at per request."""
    from apps.leads.models import LeadAlert

    expected = 2 * len(quote_ids)
    deadline = time.monotonic() + timeout
    while True:
        rows = list(
            LeadAlert.objects.filter(lead__quote_id__in=quote_ids, status="sent").values_list(
                "lead__quote_id", "sent_at"
            )
        )
        if len(rows) >= expected or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    by_quote: dict[int, list[float]] = {}
    for quote_id, sent_at in rows:
        by_quote.setdefault(quote_id, []).append(sent_at.timestamp())
    return by_quote


def start_worker(env: dict, *, concurrency: int, log_path: Path) -> subprocess.Popen:
    handle = open(log_path, "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "eldo",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the worker stopped: see {log_path}")
        if "ready." in log_path.read_text(errors="replace"):
            return process
        time.sleep(0.2)
    raise RuntimeError(f"the worker did not start in 60 s: see {log_path}")


def stop_worker(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


# --- Phases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """What the phases work with: the advisor, the pros' slugs, the network manager's actor and
    webhook secret, and the qualified requests of each phase."""

    advisor: object
    slugs: list[str]
    network_actor: object
    secret: str
    warm: list[int]
    paced: list[int]
    burst: list[int]


@dataclass(frozen=True)
class Latency:
    """Seconds from each paced dispatch's commit to each lead's e-mail and SMS alert sent."""

    emails: list[float]
    alerts: list[float]


@dataclass(frozen=True)
class Webhooks:
    """Seconds from each network lead's commit to its webhook received; valid signatures."""

    latencies: list[float]
    verified: int


@dataclass(frozen=True)
class Burst:
    requests: int
    notified: list[float]  # the moment each lead was notified
    latencies: list[float]  # dispatch → e-mail, queueing included
    seconds: float  # first dispatch → last lead notified
    dispatch_seconds: float  # the advisor's side: every dispatch committed


def prepare_bench(args, env: dict, receiver, *, log_path: Path):
    """Migrate, the data, a clean outbox and broker, then the worker (started last: the
    caller stops it). Returns the prepared data and the worker."""
    from django.core.management import call_command

    from apps.core.models import OutboxEvent

    call_command("migrate", "--noinput", verbosity=0)
    total = args.warmup + args.paced + args.burst
    log(f"preparing {total} qualified requests and {len(PROS)} pros")
    advisor, slugs, quote_ids = prepare(total)
    network_actor, secret = prepare_network(slugs, receiver.url)
    # The preparation's own events (confirmations…) are not part of the measure.
    OutboxEvent.objects.update(delivered_at=dt.datetime.now(dt.UTC))
    redis.Redis.from_url(args.redis_url).flushdb()
    worker = start_worker(env, concurrency=args.concurrency, log_path=log_path)
    log(f"worker ready (concurrency {args.concurrency}); warming up")
    prepared = Prepared(
        advisor=advisor,
        slugs=slugs,
        network_actor=network_actor,
        secret=secret,
        warm=quote_ids[: args.warmup],
        paced=quote_ids[args.warmup : args.warmup + args.paced],
        burst=quote_ids[args.warmup + args.paced :],
    )
    return prepared, worker


def warm_up(bench: Prepared) -> None:
    for n, quote_id in enumerate(bench.warm):
        dispatch(bench.advisor, bench.slugs, quote_id, n)
    wait_notified(bench.warm, timeout=30)


def measure_latency(bench: Prepared, *, interval: float) -> Latency:
    log(f"latency: {len(bench.paced)} requests, one every {interval} s")
    committed = {}
    for n, quote_id in enumerate(bench.paced):
        committed[quote_id] = dispatch(bench.advisor, bench.slugs, quote_id, n)
        time.sleep(interval)
    notified = wait_notified(bench.paced, timeout=30)
    emails = [t - committed[q] for q, times in notified.items() for t in times]
    alerted = wait_alerted(bench.paced, timeout=90)
    alerts = [t - committed[q] for q, times in alerted.items() for t in times]
    return Latency(emails=emails, alerts=alerts)


def measure_webhooks(bench: Prepared, receiver, *, count: int, interval: float) -> Webhooks:
    from apps.leads.tests.webhook_receiver import verify

    log(f"webhooks: {count} network leads, one every {interval} s")
    pushed = {}
    for n in range(count):
        lead_id, pushed[lead_id] = push_lead(bench.network_actor, n)
        time.sleep(interval)
    wait_received(receiver, count, timeout=60)
    latencies, verified = [], 0
    with receiver.lock:  # a late arrival would not be counted
        arrivals = list(zip(receiver.received, receiver.times, strict=True))
    for (headers, body), arrived in arrivals:
        verified += verify(bench.secret, headers["Eldo-Signature"], body)
        latencies.append(arrived - pushed[json.loads(body)["data"]["lead_id"]])
    return Webhooks(latencies=latencies, verified=verified)


def measure_burst(bench: Prepared) -> Burst:
    log(f"throughput: {len(bench.burst)} requests back to back")
    burst_start = time.time()
    committed = {}
    for n, quote_id in enumerate(bench.burst):
        committed[quote_id] = dispatch(bench.advisor, bench.slugs, quote_id, n)
    dispatch_seconds = time.time() - burst_start
    notified = wait_notified(bench.burst, timeout=45)
    times = [t for moments in notified.values() for t in moments]
    latencies = [t - committed[q] for q, moments in notified.items() for t in moments]
    return Burst(
        requests=len(bench.burst),
        notified=times,
        latencies=latencies,
        seconds=(max(times) - burst_start) if times else float("nan"),
        dispatch_seconds=dispatch_seconds,
    )


def figures_from(args, *, paced: int, latency: Latency, hooks: Webhooks, burst: Burst) -> dict:
    """The report's figures; ``paced`` is the number of paced requests."""
    missing = 2 * (paced + burst.requests) - len(latency.emails) - len(burst.notified)
    if missing:
        log(f"WARNING: {missing} leads not notified within the waits (counted as missing)")
    alerts = latency.alerts
    return {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, load average at the end "
        + " / ".join(f"{x:.1f}" for x in os.getloadavg())
        + " (1/5/15 min; above the CPU count, other processes competed)",
        "latency": {
            "leads": len(latency.emails),
            "p50": statistics.median(latency.emails),
            "p95": percentile(latency.emails, 95),
            "max": max(latency.emails),
        },
        "alerts": {
            "sent": len(alerts),
            "expected": 2 * paced,
            "p50": statistics.median(alerts) if alerts else float("nan"),
            "p95": percentile(alerts, 95) if alerts else float("nan"),
        },
        "webhooks": {
            "expected": args.webhooks,
            "received": len(hooks.latencies),
            "verified": hooks.verified,
            "p50": statistics.median(hooks.latencies) if hooks.latencies else float("nan"),
            "p95": percentile(hooks.latencies, 95),
            "max": max(hooks.latencies, default=float("nan")),
        },
        "missing": missing,
        "burst": {
            "requests": burst.requests,
            "leads": len(burst.notified),
            "seconds": burst.seconds,
            "leads_per_s": len(burst.notified) / burst.seconds,
            "dispatch_per_s": burst.requests / burst.dispatch_seconds,
            "p50": statistics.median(burst.latencies),
            "p95": percentile(burst.latencies, 95),
        },
    }


def measure(args, bench: Prepared, receiver) -> dict:
    """The phases in turn (warm-up, latency, webhooks, throughput); the report's figures."""
    warm_up(bench)
    latency = measure_latency(bench, interval=args.interval)
    hooks = measure_webhooks(bench, receiver, count=args.webhooks, interval=args.webhook_interval)
    burst = measure_burst(bench)
    return figures_from(args, paced=len(bench.paced), latency=latency, hooks=hooks, burst=burst)


# --- Report ----------------------------------------------------------------------------------


def report(figures: dict, args) -> str:
    lat = figures["latency"]
    burst = figures["burst"]
    verdict = "met" if lat["p95"] <= 2.0 else "NOT met"
    alerts = figures["alerts"]
    alert_verdict = (
        "met" if alerts["sent"] == alerts["expected"] and alerts["p95"] < 60 else "NOT met"
    )
    hooks = figures["webhooks"]
    hook_verdict = "met" if webhooks_ok(hooks) else "NOT met"
    return "\n".join(
        [
            f"# Lead dispatch benchmark — {figures['date']}",
            "",
            "`bench/leads_dispatch.py`: the advisor's dispatch through `quotes.services."
            "quote_dispatch` (2 pros per request), the leads created and each pro e-mailed by a",
            f"real Celery worker (prefork, concurrency {args.concurrency}) on PostgreSQL + Redis"
            f" (database `{args.database}`, Redis db {args.redis_url.rsplit('/', 1)[-1]}),"
            " file e-mail backend.",
            "",
            f"Machine: {figures['machine']}.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| dispatch → pro e-mail sent, p50 ({lat['leads']} leads, one request every "
            f"{args.interval} s) | {lat['p50'] * 1000:.0f} ms |",
            f"| dispatch → pro e-mail sent, p95 | {lat['p95'] * 1000:.0f} ms "
            f"(target ≤ 2 s: {verdict}) |",
            f"| dispatch → pro e-mail sent, max | {lat['max'] * 1000:.0f} ms |",
            f"| burst: {burst['requests']} requests dispatched back to back | "
            f"{burst['dispatch_per_s']:.1f} dispatches/s on the advisor's side |",
            f"| burst: leads created and notified, end to end | {burst['leads']} leads in "
            f"{burst['seconds']:.1f} s = **{burst['leads_per_s']:.1f} leads/s** |",
            f"| burst: dispatch → e-mail, p50 / p95 (queueing included) | "
            f"{burst['p50'] * 1000:.0f} ms / {burst['p95'] * 1000:.0f} ms |",
            f"| dispatch → SMS alert sent, p50 / p95 ({alerts['sent']} of {alerts['expected']}"
            f" sent) | {alerts['p50']:.1f} s / {alerts['p95']:.1f} s (target < 60 s: "
            f"{alert_verdict}) |",
            f"| network lead → signed webhook received, p50 / p95 ({hooks['received']} of "
            f"{hooks['expected']} received, one lead every {args.webhook_interval} s) | "
            f"{hooks['p50'] * 1000:.0f} ms / {hooks['p95'] * 1000:.0f} ms (target p95 < 5 s: "
            f"{hook_verdict}) |",
            f"| network lead → webhook received, max; signatures verified | "
            f"{hooks['max'] * 1000:.0f} ms; {hooks['verified']} of {hooks['received']} |",
            f"| leads not notified within the waits (30 s, 45 s) | {figures['missing']} |",
            "",
            "Latency is measured from the commit of the dispatch (the advisor's request is"
            " answered) to `Lead.notified_at`, which the worker stamps right after handing"
            " the e-mail to the backend, in the same transaction as the delivery record. Per"
            " lead the worker runs the leads handler of `QuoteDispatchRequested` (one"
            " transaction for the request's leads) then the `LeadDispatched` handlers: the"
            " pro's e-mail, the directory's lead load, and the stats handlers.",
            "",
            "Webhooks are measured from the commit of `leads.services.inbound_lead_receive`"
            " (the partner API's service: the lead and its outbox event) to the arrival of the"
            " `lead.created` POST at a local receiver (http.server on 127.0.0.1, answering"
            " 200): the outbox relay, the webhook handler recording the delivery, the"
            " `leads.webhook_send` task signing and sending it, while the same worker e-mails"
            " and alerts the installer of each lead.",
            "",
        ]
    )


def webhooks_ok(hooks: dict) -> bool:
    return hooks["received"] == hooks["expected"] == hooks["verified"] and hooks["p95"] < 5.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paced", type=int, default=30, help="requests for the latency")
    parser.add_argument("--interval", type=float, default=0.3, help="seconds between them")
    parser.add_argument("--burst", type=int, default=60, help="requests for the throughput")
    parser.add_argument("--webhooks", type=int, default=200, help="network leads (webhooks)")
    parser.add_argument(
        "--webhook-interval", type=float, default=0.3, help="seconds between those leads"
    )
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_LEADS_REDIS_URL", "redis://127.0.0.1:6379/7")
    )
    parser.add_argument("--database", default="eldo_bench_leads")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--out", default=str(BENCH / "results"))
    return parser.parse_args()


def bench_env(args, mail_dir: Path) -> dict:
    """The environment of this process and of the worker: the bench database and Redis,
    e-mails and SMS into files under ``mail_dir``."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "eldo.settings",
        "DATABASE_URL": f"{args.postgres}/{args.database}",
        "REDIS_URL": args.redis_url,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "SMS_BACKEND": "apps.core.sms.FileBackend",
        "SMS_FILE_PATH": str(mail_dir / "sms"),
        # Measured at any hour: the quiet hours (no SMS at night) would defer them to 08:00.
        "LEADS_ALERTS_SMS_QUIET_START": "0",
        "LEADS_ALERTS_SMS_QUIET_END": "0",
        # The webhook receiver listens on 127.0.0.1 (refused in production).
        "LEADS_WEBHOOKS_ALLOW_PRIVATE": "1",
        "PYTHONUNBUFFERED": "1",
    }


def set_up_django(args, env: dict) -> None:
    """A fresh bench database and an empty Redis database, then Django on them."""
    os.environ.update(env)
    log(f"database {args.database}, Redis {args.redis_url} (flushed)")
    recreate_database(args.postgres, args.database)
    redis.Redis.from_url(args.redis_url).flushdb()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def tear_down(args, receiver, worker: subprocess.Popen | None) -> None:
    receiver.close()
    if worker is not None:
        stop_worker(worker)
    from django.db import connections

    connections.close_all()
    if not args.keep_db:
        drop_database(args.postgres, args.database)


def write_report(figures: dict, args, *, started: float) -> None:
    text = report(figures, args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{figures['date']}-leads-dispatch.md"
    target.write_text(text)
    print(text)
    shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
    log(f"written {shown} in {time.monotonic() - started:.0f} s")


def targets_met(figures: dict) -> bool:
    alerts_ok = figures["alerts"]["sent"] == figures["alerts"]["expected"] and (
        figures["alerts"]["p95"] < 60
    )
    return figures["latency"]["p95"] <= 2.0 and alerts_ok and webhooks_ok(figures["webhooks"])


def main() -> int:
    args = parse_args()
    started = time.monotonic()
    mail_dir = Path(tempfile.mkdtemp(prefix="eldo-bench-leads-mail-"))
    env = bench_env(args, mail_dir)
    set_up_django(args, env)
    from apps.leads.tests.webhook_receiver import Receiver

    worker = None
    receiver = Receiver()
    try:
        bench, worker = prepare_bench(args, env, receiver, log_path=mail_dir / "worker.log")
        figures = measure(args, bench, receiver)
    finally:
        tear_down(args, receiver, worker)
    write_report(figures, args, started=started)
    return 0 if targets_met(figures) else 1


if __name__ == "__main__":
    sys.exit(main())
