"""The benchmark's in-process side: run by bench/run.py in a Django process configured like
production (DJANGO_DEBUG=0, PostgreSQL, Redis) against the bench database.

    python bench/inprocess.py targets              # dataset counts and the URLs to measure
    python bench/inprocess.py servertime FILE      # p95 server time and SQL queries per URL
    python bench/inprocess.py sessions             # a session cookie per back-office user
    python bench/inprocess.py writes N             # N quote requests, N reviews with a photo

Prints one JSON document on stdout. It reads the database with plain SQL, not through the
contexts' models: the benchmark must keep working while those models change.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eldo.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

# Tables counted in the load report, when the context that owns them has created them.
COUNTED_TABLES = {
    "pros": "directory_proprofile",
    "reviews": "reviews_review",
    "quotes": "quotes_quoterequest",
    "communes": "directory_commune",
}
WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")
# The signed-in pages are measured as seed_demo's accounts: the owner of the demo company
# (the largest pro's back office from 1x), an advisor, the demo network's manager.
BACKOFFICE_USERS = {
    "pro": "pro@eldo.test",
    "advisor": "conseiller@eldo.test",
    "network": "reseau@eldo.test",
}


def _one(sql: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()


def _table_exists(table: str) -> bool:
    return table in connection.introspection.table_names()


def counts() -> dict[str, int | None]:
    return {
        name: (_one(f"SELECT count(*) FROM {table}")[0] if _table_exists(table) else None)
        for name, table in COUNTED_TABLES.items()
    }


def targets() -> dict:
    """A dense city, its most common trade, and two pros: the most reviewed and one with few."""
    commune_id, commune_slug, commune_name = _one(
        """SELECT c.insee_code, c.slug, c.name FROM directory_proprofile p
           JOIN directory_commune c ON c.insee_code = p.commune_id
           WHERE p.is_published GROUP BY c.insee_code, c.slug, c.name
           ORDER BY count(*) DESC, c.insee_code LIMIT 1"""
    )
    (postcode,) = _one(
        """SELECT postcode FROM directory_proprofile WHERE commune_id = %s AND is_published
           GROUP BY postcode ORDER BY count(*) DESC, postcode LIMIT 1""",
        [commune_id],
    )
    category_slug, category_name = _one(
        """SELECT cat.slug, cat.name FROM directory_proprofile_categories pc
           JOIN directory_proprofile p ON p.id = pc.proprofile_id
           JOIN directory_category cat ON cat.id = pc.category_id
           WHERE p.commune_id = %s AND p.is_published AND cat.is_active
           GROUP BY cat.slug, cat.name ORDER BY count(*) DESC, cat.slug LIMIT 1""",
        [commune_id],
    )
    top_slug, top_count = _one(
        """SELECT p.slug, coalesce(r.count, 0) FROM directory_proprofile p
           LEFT JOIN directory_prorating r ON r.pro_id = p.id
           WHERE p.is_published ORDER BY coalesce(r.count, 0) DESC, p.id LIMIT 1"""
    )
    # "One with few": the closest to 3 reviews among those that have some; before reviews
    # exist, simply another pro.
    few_slug, few_count = _one(
        """SELECT p.slug, coalesce(r.count, 0) FROM directory_proprofile p
           LEFT JOIN directory_prorating r ON r.pro_id = p.id
           WHERE p.is_published AND p.slug <> %s
           ORDER BY (coalesce(r.count, 0) = 0), abs(coalesce(r.count, 0) - 3), p.id LIMIT 1""",
        [top_slug],
    )
    return {
        "counts": counts(),
        "backoffice": backoffice_targets(),
        "commune": {"slug": commune_slug, "name": commune_name, "postcode": postcode},
        "category": {"slug": category_slug, "name": category_name},
        "pro_top": {"slug": top_slug, "reviews": top_count},
        "pro_few": {"slug": few_slug, "reviews": few_count},
    }


def _organization_of(email: str):
    row = _one(
        """SELECT m.organization_id FROM accounts_membership m
           JOIN accounts_user u ON u.id = m.user_id WHERE lower(u.email) = %s
           ORDER BY m.id LIMIT 1""",
        [email],
    )
    return row[0] if row else None


def backoffice_targets() -> dict:
    """What the signed-in pages hold: the demo company's leads, reviews and daily statistics
    rows, the advisors' open requests, the demo network's installers and leads."""
    company = _organization_of(BACKOFFICE_USERS["pro"])
    network = _organization_of(BACKOFFICE_USERS["network"])
    pro = _one("SELECT id FROM directory_proprofile WHERE organization_id = %s", [company])
    pro_id = pro[0] if pro else None
    figures = {
        "company_leads": "SELECT count(*) FROM leads_lead WHERE organization_id = %s",
        "company_reviews": "SELECT count(*) FROM reviews_review WHERE pro_id = %s",
        "company_stat_days": "SELECT count(*) FROM stats_proday WHERE pro_id = %s",
        "network_installers": "SELECT count(*) FROM leads_networkinstaller WHERE network_id = %s",
        "network_leads": "SELECT count(*) FROM leads_lead WHERE network_id = %s",
    }
    keys = {
        "company_leads": company,
        "company_reviews": pro_id,
        "company_stat_days": pro_id,
        "network_installers": network,
        "network_leads": network,
    }
    result = {name: _one(sql, [keys[name]])[0] for name, sql in figures.items()}
    result["open_requests"] = _one(
        "SELECT count(*) FROM quotes_quoterequest WHERE status NOT IN ('dispatched', 'rejected')"
    )[0]
    result["today"] = time.strftime("%Y-%m-%d")
    return result


def _signed_in(client: Client, role: str) -> Client:
    """``client`` signed in as the back-office user of ``role``; a staff account's session
    counts as verified with a second factor (its TOTP device is created if missing)."""
    from django.contrib.auth import get_user_model
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(email__iexact=BACKOFFICE_USERS[role])
    client.force_login(user)
    if user.is_staff or user.is_superuser or getattr(user, "staff_role", ""):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="Bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def sessions() -> dict[str, str]:
    """{role: session cookie value} of each back-office user, for wrk (database sessions:
    gunicorn's workers read them)."""
    from django.conf import settings

    return {
        role: _signed_in(_client(), role).cookies[settings.SESSION_COOKIE_NAME].value
        for role in BACKOFFICE_USERS
    }


def _client() -> Client:
    # What the gateway sends: the public host and X-Forwarded-Proto (TLS ends at Kong).
    host = os.environ["DJANGO_ALLOWED_HOSTS"].split(",")[0].strip()
    return Client(HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))  # nearest rank
    return ordered[index]


def _timing_figures(timings: list[float], cpu: list[float]) -> dict:
    """Wall-clock percentiles (ms) and this process's CPU (not PostgreSQL's: unaffected by
    other processes competing for the cores, unlike the wall clock)."""
    return {
        "ms": {
            "mean": statistics.fmean(timings),
            "p50": _percentile(timings, 50),
            "p95": _percentile(timings, 95),
            "p99": _percentile(timings, 99),
            "max": max(timings),
        },
        "cpu_ms": {"p50": _percentile(cpu, 50), "p95": _percentile(cpu, 95)},
    }


def server_time(endpoints: list[dict], *, requests: int, warmup: int) -> list[dict]:
    """Time ``requests`` GETs of each URL in this process, after ``warmup`` unmeasured ones.

    Timing and query capture are separate loops: capturing forces Django's debug cursor,
    which would add its own cost to the figures.
    """
    anonymous = _client()
    signed_in: dict[str, Client] = {}
    results = []
    for endpoint in endpoints:
        url, role = endpoint["url"], endpoint.get("user")
        if role and role not in signed_in:
            signed_in[role] = _signed_in(_client(), role)
        client = signed_in[role] if role else anonymous
        for _ in range(warmup):
            response = client.get(url)
        status = response.status_code
        if status != 200:
            results.append({**endpoint, "status": status})
            continue
        measured = _measure(client, url, requests)
        if role:  # signed in: the response cache never serves these pages
            results.append({**endpoint, "status": status, "requests": requests, **measured})
            continue
        # The same URL with the response cache off (apps.core.pagecache): what a miss
        # costs, i.e. the first request after a change, and every signed-in visitor.
        with override_settings(PUBLIC_RESPONSE_CACHE_SECONDS=0):
            uncached = _measure(client, url, max(requests // 2, 20))
        results.append(
            {
                **endpoint,
                "status": status,
                "requests": requests,
                **measured,
                "uncached": {k: uncached[k] for k in ("ms", "cpu_ms", "queries", "writes")},
            }
        )
    return results


def _measure(client, url: str, requests: int) -> dict:
    timings, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.thread_time()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    query_counts, write_counts = set(), set()
    for _ in range(5):
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        query_counts.add(len(captured.captured_queries))
        write_counts.add(
            sum(
                q["sql"].lstrip().upper().startswith(WRITE_VERBS) for q in captured.captured_queries
            )
        )
        sample = [q["sql"] for q in captured.captured_queries]
    return {
        **_timing_figures(timings, cpu),
        "queries": sorted(query_counts),
        "writes": sorted(write_counts),
        "sql": sample,
    }


# A phone's 12-megapixel photo (4,032 x 3,024 px, a couple of MB of JPEG): a gradient under
# blurred noise, which compresses about as a photo of a building site does.
PHOTO_SIZE = (4032, 3024)


def _photo_bytes() -> bytes:
    from io import BytesIO

    from PIL import Image, ImageFilter

    base = Image.linear_gradient("L").resize(PHOTO_SIZE)
    channels = [
        Image.blend(base, Image.effect_noise(PHOTO_SIZE, sigma).filter(ImageFilter.BoxBlur(1)), 0.5)
        for sigma in (20, 30, 40)
    ]
    buffer = BytesIO()
    Image.merge("RGB", channels).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _address(index: int) -> dict[str, str]:
    """A visitor of its own per request: the submissions' throttles count per address."""
    address = f"10.{77 + index // 65_000}.{index // 250 % 250}.{index % 250 + 1}"
    return {"REMOTE_ADDR": address, "HTTP_X_FORWARDED_FOR": address}


def writes(requests: int) -> dict:
    """Time ``requests`` quote requests (``POST /api/v1/quotes/``) and as many spontaneous
    reviews with one phone photo (``POST /api/v1/reviews/``, multipart) in this process,
    after 3 unmeasured of each. Each comes from its own address and e-mail, to the dataset's
    dense place and trade, and the review to the most reviewed pro. The rows stay in the
    database (e-mails ``bench-write-*``); no worker runs, so their events wait in the
    outbox and the broker."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    chosen = targets()
    category, postcode = chosen["category"]["slug"], chosen["commune"]["postcode"]
    pro = chosen["pro_top"]["slug"]
    stamp = time.strftime("%H%M%S")
    client = _client()
    photo = _photo_bytes()

    def quote(index: int):
        return client.post(
            "/api/v1/quotes/",
            {
                "category": category,
                "description": f"Ravalement de façade, maison de {80 + index % 100} m², "
                "enduit à refaire entièrement.",
                "postcode": postcode,
                "first_name": "Banc",
                "email": f"bench-write-{stamp}-{index}@exemple.fr",
                "phone": "06 12 34 56 78",
                "consent": True,
            },
            content_type="application/json",
            **_address(index),
        )

    def review(index: int):
        upload = SimpleUploadedFile("chantier.jpg", photo, content_type="image/jpeg")
        return client.post(
            "/api/v1/reviews/",
            {
                "pro": pro,
                "rating": 4,
                "title": "Chantier propre et à l'heure",
                "body": "Ravalement terminé dans les délais, équipe soigneuse, devis respecté. "
                f"Je recommande. ({stamp}-{index})",
                "author_name": "Camille",
                "author_email": f"bench-write-{stamp}-{index}@exemple.fr",
                "author_postcode": postcode,
                "work_category": category,
                "work_date": time.strftime("%Y-%m-01"),
                "photos": [upload],
            },
            **_address(100_000 + index),
        )

    return {
        "photo": {"width": PHOTO_SIZE[0], "height": PHOTO_SIZE[1], "bytes": len(photo)},
        "quote": _measure_writes(quote, requests, offset=0),
        "review_photo": _measure_writes(review, requests, offset=requests + 10),
    }


def _measure_writes(send, requests: int, *, offset: int) -> dict:
    statuses: dict[int, int] = {}
    for index in range(3):  # warm-up
        send(offset + index)
    timings, cpu, queries = [], [], set()
    for index in range(3, requests + 3):
        started, started_cpu = time.perf_counter(), time.thread_time()
        if index < 8:  # a few with the queries captured (debug cursor: not timed)
            with CaptureQueriesContext(connection) as captured:
                response = send(offset + index)
            queries.add(len(captured.captured_queries))
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            continue
        response = send(offset + index)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    return {
        "requests": len(timings),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        **_timing_figures(timings, cpu),
        "queries": sorted(queries),
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["targets"]:
        print(json.dumps(targets()))
        return 0
    if argv[:1] == ["servertime"] and len(argv) == 2:
        spec = json.loads(Path(argv[1]).read_text())
        print(
            json.dumps(
                server_time(spec["endpoints"], requests=spec["requests"], warmup=spec["warmup"])
            )
        )
        return 0
    if argv[:1] == ["sessions"]:
        print(json.dumps(sessions()))
        return 0
    if argv[:1] == ["writes"] and len(argv) == 2:
        print(json.dumps(writes(int(argv[1]))))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
