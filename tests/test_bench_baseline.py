"""make bench's framework baseline (bench/baseline): a bare Django project serving one JSON
view with no application, no middleware and no database, and the full-stack settings it
compares /healthz with."""

import json
import subprocess
import sys

from tests.deploy.support import REPO_ROOT

_SERVE_ONE_REQUEST = """
import io, json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.baseline.settings"
from bench.baseline.wsgi import application
from django.conf import settings
seen = {}
def start_response(status, headers, exc_info=None):
    seen["status"], seen["headers"] = status, dict(headers)
environ = {
    "REQUEST_METHOD": "GET", "PATH_INFO": "/hello", "QUERY_STRING": "", "SCRIPT_NAME": "",
    "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8766", "SERVER_PROTOCOL": "HTTP/1.1",
    "HTTP_HOST": "127.0.0.1:8766", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
    "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": True,
    "wsgi.run_once": False, "wsgi.version": (1, 0),
}
body = b"".join(application(environ, start_response))
print(json.dumps({
    "status": seen["status"], "type": seen["headers"]["Content-Type"], "body": body.decode(),
    "apps": settings.INSTALLED_APPS, "middleware": settings.MIDDLEWARE,
    "databases": [d["ENGINE"] for d in settings.DATABASES.values()],
    "modules": sorted(m for m in sys.modules if m.split(".")[0] in ("apps", "eldo")),
}))
"""


def test_the_bare_project_serves_its_json_view_without_a_database():
    completed = subprocess.run(
        [sys.executable, "-c", _SERVE_ONE_REQUEST],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", "DJANGO_ALLOWED_HOSTS": "127.0.0.1:8766"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    served = json.loads(completed.stdout.strip().splitlines()[-1])

    assert served["status"] == "200 OK"
    assert served["type"] == "application/json"
    assert json.loads(served["body"]) == {"status": "ok"}
    # Bare: Django alone, nothing of Eldo loaded, so the ratio measures Eldo's own cost.
    assert served["apps"] == served["middleware"] == []
    assert served["databases"] == ["django.db.backends.dummy"]  # none configured
    assert served["modules"] == []


def test_the_full_stack_settings_are_eldos_without_the_probe_shortcut():
    from django.conf import settings

    from bench.baseline import full_stack

    assert "apps.core.middleware.ProbeMiddleware" in settings.MIDDLEWARE
    assert "apps.core.middleware.ProbeMiddleware" not in full_stack.MIDDLEWARE
    assert "csp.middleware.CSPMiddleware" in full_stack.MIDDLEWARE
    eldo = [m for m in settings.MIDDLEWARE if m != "apps.core.middleware.ProbeMiddleware"]
    assert len(full_stack.MIDDLEWARE) == len(eldo)


def test_the_chart_has_one_bar_group_per_endpoint_not_per_turn_of_the_bare_view():
    from bench.report import _charted

    assert not _charted({"name": "bare Django view (2)", "kind": "framework", "ratio": 1.1})
    assert not _charted(
        {"name": "bare Django view, 40 kB page (2)", "kind": "framework-page", "ratio": 1.5}
    )
    assert _charted({"name": "home", "kind": "page", "ratio": 0.5})
    assert _charted(
        {"name": "healthz", "kind": "baseline", "turn": 1, "ratio": 1, "framework_ratio": 0.7}
    )
    assert not _charted({"name": "healthz (2)", "kind": "baseline", "turn": 2, "ratio": 1})


def _run(*, framework_ratio, healthz_mean, dashboard_p95, worker_mib=140, celery_mib=120):
    """The smallest result bench/run.py writes that report.misses reads."""
    home = {"name": "home", "kind": "page", "ratio": 0.9, "framework_ratio": framework_ratio}
    home["wrk"] = {"non_2xx": 0}
    extras = {
        "memory": {
            "worker_peak_kb_max": worker_mib * 1024,
            "celery_peaks_kb": {"1": celery_mib * 1024},
        },
        "framework": {"ratio": {"mean": healthz_mean, "min": 0, "max": 1}},
    }
    return {
        "endpoints": [home, extras],
        "server_time": [
            {"name": "home", "ms": {"p95": 1.0}, "writes": [0]},
            {"name": "pro dashboard", "ms": {"p95": dashboard_p95}, "writes": [0]},
        ],
        "targets": {"counts": {}},
    }


def test_the_report_reads_the_targets_against_the_bare_view_and_for_the_back_office():
    from bench.report import misses

    # Twice /healthz's throughput is not enough: a hit is measured against the bare view.
    assert misses(_run(framework_ratio=0.6, healthz_mean=0.8, dashboard_p95=20)) == []
    missed = misses(
        _run(
            framework_ratio=0.4,
            healthz_mean=0.6,
            dashboard_p95=51,
            worker_mib=160,
            celery_mib=210,
        )
    )
    assert missed == [
        "/healthz: 0.60 of the bare Django view's requests/s, mean of the turns (target ≥ 0.67)",
        "web worker peak RSS 160 MiB (target ≤ 150)",
        "Celery peak RSS 210 MiB (target ≤ 200)",
        "pro dashboard: p95 server time 51.0 ms (target < 50 ms at 10x)",
        "home: 0.40 of the bare Django view's requests/s (target ≥ 0.5)",
    ]


def test_the_report_names_a_page_whose_queries_grow_with_the_data():
    from bench.report import query_growth_misses

    def run(dataset, queries):
        return {"dataset": dataset, "server_time": [{"name": "search", "queries": queries}]}

    assert query_growth_misses(run("10x", [5, 5]), run("1x", [5, 5])) == []
    assert query_growth_misses(run("10x", [5]), run("1x", [6])) == []  # one skipped: fine
    assert query_growth_misses(run("10x", [6]), run("1x", [5])) == [
        "search: queries 6 at 10x, 5 at 1x (more at the larger dataset)"
    ]
    assert query_growth_misses(run("1x", [5]), run("10x", [6])) == [
        "search: queries 5 at 1x, 6 at 10x (more at the larger dataset)"
    ]
    assert query_growth_misses(run("10x", [6]), None) == []


def test_a_run_whose_connections_all_landed_on_one_worker_is_recognised():
    from bench.report import ONE_WORKER_SHARE
    from bench.run import busiest_worker_share

    master = 10
    before = {("gunicorn", 10): 5, ("gunicorn", 11): 100, ("gunicorn", 12): 100}
    before[("postgres", 99)] = 0
    one = {("gunicorn", 10): 9, ("gunicorn", 11): 1100, ("gunicorn", 12): 100}
    one[("postgres", 99)] = 500
    spread = {("gunicorn", 10): 9, ("gunicorn", 11): 600, ("gunicorn", 12): 600}
    assert busiest_worker_share(before, one, master) == 1.0 > ONE_WORKER_SHARE
    assert busiest_worker_share(before, spread, master) == 0.5
    # A worker started between the snapshots counts from zero; a single worker, never.
    assert busiest_worker_share(before, {**spread, ("gunicorn", 13): 500}, master) == 1 / 3
    assert busiest_worker_share({("gunicorn", 11): 1}, {("gunicorn", 11): 9}, master) is None
