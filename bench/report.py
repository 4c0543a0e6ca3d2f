"""Turn bench/results/<date>-<dataset>.json into the Markdown report and the ratio chart.

    .venv/bin/python -m bench.report 2026-05-01      # rewrite that date's reports

The chart is drawn with Pillow (already a dependency) rather than matplotlib.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

# Writes, p95 server time in process at 10x: a quote request, a review with one photo.
WRITE_TARGETS_MS = {"quote": 100.0, "review_photo": 150.0}
WRITE_NAMES = {
    "quote": "POST /api/v1/quotes/ (quote request)",
    "review_photo": "POST /api/v1/reviews/ (review with one photo)",
}
SERVER_TIME_TARGET_MS = 50.0
# A cached endpoint's requests/s over the bare Django view's (over /healthz's when the run
# measured no bare view), and /healthz's over the bare view's, mean of the turns.
RATIO_TARGET = 0.5
HEALTHZ_FRAMEWORK_TARGET = 0.67
# Peak resident memory: a web worker, the largest Celery process.
WORKER_PEAK_TARGET_MIB = 150
CELERY_PEAK_TARGET_MIB = 200
LOAD_TARGET_S_PER_100K_REVIEWS = 30.0
DATASETS = ("1x", "10x")
# bench/run.py's: a wrk run whose connections all landed on one worker is run again.
ONE_WORKER_SHARE = 0.8
RESPREAD_TRIES = 2
COLOURS = {"1x": (59, 111, 182), "10x": (230, 140, 40)}


def load(out: Path, stamp: str, dataset: str) -> dict | None:
    path = out / f"{stamp}-{dataset}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _ms(value: float) -> str:
    return f"{value:.1f}"


def _endpoint_rows(result: dict) -> list[dict]:
    return [e for e in result["endpoints"] if "name" in e]


def _extras(result: dict) -> dict:
    return next(e for e in result["endpoints"] if "memory" in e)


def _scale(result: dict | None) -> float:
    """A dataset's size from its name ("1x", "10x"); 0 when it has none."""
    try:
        return float(str((result or {}).get("dataset", "")).rstrip("x"))
    except ValueError:
        return 0.0


def _smaller(result: dict, other: dict | None) -> str:
    """The name of the smaller of the two datasets (the reference for query counts)."""
    if other is None:
        return "the other dataset"
    return min((result, other), key=_scale)["dataset"]


def _no_growth(result: dict, mine: list, other: dict | None, theirs: list) -> str:
    """Yes when the larger dataset's query counts are not above the smaller one's: a page
    may skip a query its data does not need, it may not add queries as the data grows."""
    small, large = (mine, theirs) if _scale(result) <= _scale(other) else (theirs, mine)
    return "yes" if max(large) <= max(small) else "**no**"


def _server_by_name(result: dict) -> dict[str, dict]:
    return {s["name"]: s for s in result.get("server_time", [])}


def _has_target(endpoint: dict) -> bool:
    return endpoint.get("kind") in {"page", "api"}


def _target_ratio(endpoint: dict) -> tuple[float, str]:
    """The ratio the throughput target reads: to the bare view when the run measured one."""
    if endpoint.get("framework_ratio") is not None:
        return endpoint["framework_ratio"], "the bare Django view's"
    return endpoint["ratio"], "/healthz's"


def _framework_misses(result: dict) -> list[str]:
    """/healthz against the bare view, and the memory peaks."""
    found = []
    extras = next((e for e in result["endpoints"] if "memory" in e), {})
    ratio = (extras.get("framework") or {}).get("ratio")
    if ratio and ratio["mean"] < HEALTHZ_FRAMEWORK_TARGET:
        found.append(
            f"/healthz: {ratio['mean']:.2f} of the bare Django view's requests/s, mean of the "
            f"turns (target ≥ {HEALTHZ_FRAMEWORK_TARGET})"
        )
    memory = extras.get("memory") or {}
    worker = memory.get("worker_peak_kb_max", 0) / 1024
    if worker > WORKER_PEAK_TARGET_MIB:
        found.append(f"web worker peak RSS {worker:.0f} MiB (target ≤ {WORKER_PEAK_TARGET_MIB})")
    celery = max((memory.get("celery_peaks_kb") or {"": 0}).values()) / 1024
    if celery > CELERY_PEAK_TARGET_MIB:
        found.append(f"Celery peak RSS {celery:.0f} MiB (target ≤ {CELERY_PEAK_TARGET_MIB})")
    return found


def _server_time_misses(result: dict) -> list[str]:
    """Every measured page but the probe: p95 in process, cached and uncached."""
    found = []
    for name, timing in _server_by_name(result).items():
        if name.startswith("healthz") or "ms" not in timing:
            continue
        if timing["ms"]["p95"] >= SERVER_TIME_TARGET_MS:
            found.append(
                f"{name}: p95 server time {timing['ms']['p95']:.1f} ms "
                f"(target < {SERVER_TIME_TARGET_MS:.0f} ms at 10x)"
            )
        uncached = timing.get("uncached", {}).get("ms")
        if uncached and uncached["p95"] >= SERVER_TIME_TARGET_MS:
            found.append(
                f"{name}, uncached (a cache miss, or a signed-in visitor): p95 "
                f"server time {uncached['p95']:.1f} ms (target < {SERVER_TIME_TARGET_MS:.0f} ms)"
            )
    return found


def query_growth_misses(result: dict, other: dict | None) -> list[str]:
    """The pages that make more queries at the larger dataset (both ran that day)."""
    if other is None:
        return []
    theirs = _server_by_name(other)
    return [
        f"{name}: queries {'/'.join(map(str, s['queries']))} at {result['dataset']}, "
        f"{'/'.join(map(str, theirs[name]['queries']))} at {other['dataset']} (more at the "
        "larger dataset)"
        for name, s in _server_by_name(result).items()
        if s.get("queries")
        and (theirs.get(name) or {}).get("queries")
        and _no_growth(result, s["queries"], other, theirs[name]["queries"]) != "yes"
    ]


def misses(result: dict) -> list[str]:
    found = _framework_misses(result) + _server_time_misses(result)
    server = _server_by_name(result)
    for endpoint in _endpoint_rows(result):
        if not _has_target(endpoint) or "wrk" not in endpoint:
            continue
        ratio, baseline = _target_ratio(endpoint)
        if ratio < RATIO_TARGET:
            found.append(
                f"{endpoint['name']}: {ratio:.2f} of {baseline} requests/s "
                f"(target ≥ {RATIO_TARGET})"
            )
        if endpoint["wrk"]["non_2xx"]:
            found.append(f"{endpoint['name']}: {endpoint['wrk']['non_2xx']} non-2xx responses")
    load_info = result.get("load") or {}
    reviews = result["targets"]["counts"].get("reviews")
    if reviews and load_info.get("reviews_seconds"):
        per_100k = load_info["reviews_seconds"] / reviews * 100_000
        if per_100k > LOAD_TARGET_S_PER_100K_REVIEWS:
            found.append(
                f"reviews load: {per_100k:.1f} s per 100,000 reviews "
                f"(target ≤ {LOAD_TARGET_S_PER_100K_REVIEWS:.0f} s)"
            )
    for name, timing in server.items():
        if timing.get("writes") and any(timing["writes"]):
            found.append(f"{name}: {timing['writes']} database write(s) per request")
    for key, target in WRITE_TARGETS_MS.items():
        measured = (result.get("writes") or {}).get(key)
        if not measured:
            continue
        if measured["ms"]["p95"] >= target:
            found.append(
                f"{WRITE_NAMES[key]}: p95 server time {measured['ms']['p95']:.1f} ms "
                f"(target < {target:.0f} ms at 10x)"
            )
        failed = {k: v for k, v in measured["statuses"].items() if k != "201"}
        if failed:
            found.append(f"{WRITE_NAMES[key]}: answers other than 201: {failed}")
    return found


def _cpu_cells(endpoint: dict) -> list[str]:
    cpu = endpoint.get("cpu_ms_per_request")
    if not cpu:
        return ["", "", ""]
    ratio = endpoint.get("cpu_ratio")
    return [
        f"{cpu['gunicorn']:.2f}",
        f"{cpu['postgres']:.2f}",
        "" if ratio is None else f"{ratio:.2f}",
    ]


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _spread(summary: dict, key: str) -> str:
    figures = summary.get(key)
    if not figures:
        return "—"
    return f"{figures['mean']:.2f} ({figures['min']:.2f}–{figures['max']:.2f})"


def _framework_section(result: dict, other: dict | None, notes: str, extras: dict) -> list[str]:
    """The bare Django view against /healthz, turn by turn."""
    summary = extras.get("framework")
    if not summary or not summary.get("turns"):
        return []
    turns = summary["turns"]
    full = any("full_stack_rps" in t for t in turns)
    rows = [
        [
            t["turn"],
            f"{t['bare_rps']:.0f}",
            f"{t['healthz_rps']:.0f}",
            f"{t['ratio']:.2f}",
            f"{t['cpu_ratio']:.2f}",
            *(
                [
                    f"{t.get('full_stack_rps', 0):.0f}",
                    _ratio(t.get("full_stack_ratio")),
                    _ratio(t.get("full_stack_cpu_ratio")),
                ]
                if full
                else []
            ),
            f"{t.get('loadavg_1min') or 0:.1f}",
        ]
        for t in turns
    ]
    headers = ["turn", "bare view req/s", "/healthz req/s", "ratio", "CPU ratio"]
    if full:
        headers += ["/healthz full stack req/s", "ratio", "CPU ratio"]
    headers.append("load avg")
    parts = [
        "## Framework baseline: /healthz against a bare Django view",
        "bench/baseline is a Django project with no application, no middleware and one view "
        'answering `JsonResponse({"status": "ok"})`, served by a second gunicorn '
        "started with the same `deploy/gunicorn.conf.py` in the same environment (same "
        "worker class, workers, threads, access log). Each turn measures it, then Eldo's "
        "/healthz"
        + (
            ", then /healthz on a third gunicorn whose settings send every request through "
            "the whole middleware stack (bench/baseline/full_stack.py: what /healthz cost "
            "before the probes skipped the middleware that serve people)"
            if full
            else ""
        )
        + ", with wrk as for the endpoints. Ratio: /healthz's requests/s over the bare "
        "view's in the same turn; CPU ratio: the bare view's gunicorn CPU per request over "
        "/healthz's, which other processes on the machine do not change.",
        _table(headers, rows),
        f"/healthz over the bare view, mean (min–max) of {len(turns)} turns: requests/s "
        f"{_spread(summary, 'ratio')}, CPU {_spread(summary, 'cpu_ratio')}"
        + (
            f"; the whole stack: requests/s {_spread(summary, 'full_stack_ratio')}, CPU "
            f"{_spread(summary, 'full_stack_cpu_ratio')}."
            if full
            else "."
        ),
    ]
    parts += _payload_lines(result, summary)
    return parts


def _payload_lines(result: dict, summary: dict) -> list[str]:
    """The bare view answering a 40 kB page, and each anonymous endpoint over it."""
    page = summary.get("bare_page_rps")
    if not page:
        return []
    rows = [
        [
            e["name"],
            f"{e['wrk']['requests_per_s']:.0f}",
            _ratio(e.get("framework_ratio")),
            f"{e['wrk']['requests_per_s'] / page['mean']:.2f}",
        ]
        for e in _endpoint_rows(result)
        if _has_target(e) and "wrk" in e
    ]
    return [
        "The same bare view answering a 40 kB HTML page (`/page`, about the size of a cached "
        f"page) in each turn: {page['mean']:.0f} requests/s ({page['min']:.0f}–"
        f"{page['max']:.0f}), {_spread(summary, 'bare_page_ratio')} of the 16-byte answer's. "
        "What is left between a cached page and this bare page is Eldo's; what is between "
        "the bare page and the bare 16-byte answer is the payload's (gunicorn writing it, "
        "wrk reading it, on the same two cores).",
        _table(
            ["anonymous endpoint", "req/s", "over the bare view", "over the bare 40 kB page"],
            rows,
        ),
    ]


def markdown(result: dict, other: dict | None, notes: str) -> str:
    extras = _extras(result)
    parts = [
        *_header_section(result, other, notes, extras),
        *_load_section(result, other, notes, extras),
        *_wrk_section(result, other, notes, extras),
        *_framework_section(result, other, notes, extras),
        *_server_section(result, other, notes, extras),
        *_writes_section(result, other, notes, extras),
        *_memory_section(result, other, notes, extras),
        *_targets_section(result, other, notes, extras),
    ]
    return "\n\n".join(parts) + "\n"


def _header_section(result: dict, other: dict | None, notes: str, extras: dict) -> list[str]:
    """The title, the machine, versions and settings."""
    dataset = result["dataset"]
    stamp = result.get("stamp", result["date"])  # a second run of the day: "<date>-night"
    gunicorn = result["gunicorn"]
    parts = [
        f"# Benchmark {stamp}, dataset {dataset}",
        f"Revision `{result['revision']}` (plus the working tree at the time). Produced by "
        f'`make bench BENCH_DATASETS="{dataset}"` (bench/run.py); raw figures in '
        f"`{stamp}-{dataset}.json`, chart in `{stamp}-ratio.png`.",
        "## Machine and versions",
        _table(["", ""], [[k, v] for k, v in result["machine"].items()]),
        _table(["software", "version"], [[k, v] for k, v in result["versions"].items()]),
        "## Settings",
        "Production settings (`DJANGO_DEBUG=0`, PostgreSQL pooled, `REDIS_URL` set), "
        "gunicorn started as the image does (`deploy/entrypoint.sh web`, bound to "
        "127.0.0.1), every request carrying `X-Forwarded-Proto: https` as the gateway "
        "sends it. `THROTTLE_ANON` is raised: wrk is one client on one address.",
        _table(
            ["setting", "value"],
            [[k, v] for k, v in gunicorn.items()]
            + [[f"wrk {k}", v] for k, v in result["wrk_options"].items()]
            + [["in-process requests per endpoint", result["server_requests"]]],
        ),
        "## Data load",
    ]
    return parts


def _load_section(result: dict, other: dict | None, notes: str, extras: dict) -> list[str]:
    """The data load: rows, phases, what seed_demo printed, the reviews load target."""
    counts = result["targets"]["counts"]
    parts: list[str] = []
    parts.append(
        _table(
            ["rows", "count"],
            [[k, "—" if v is None else f"{v:,}"] for k, v in counts.items()],
        )
    )
    parts.append(
        _table(
            ["phase", "seconds"],
            [[k, f"{v:.1f}"] for k, v in result["phases"].items()],
        )
    )
    load_info = result.get("load")
    if load_info is None:
        parts.append("Database reused (`--reuse-db`): the load was not measured in this run.")
    else:
        if load_info.get("measured_in"):
            parts.append(
                f"Database reused (`--reuse-db`): the load below was measured when it was "
                f"created, in the run of {load_info['measured_in']}."
            )
        parts.append("What `seed_demo` printed, with the time each line appeared:")
        parts.append(
            _table(
                ["at (s)", "since previous (s)", "line"],
                [
                    [r["at_s"], r["delta_s"], r["line"].replace("|", "\\|")]
                    for r in load_info["seed_lines"]
                ],
            )
        )
        reviews = counts.get("reviews")
        seconds = load_info.get("reviews_seconds")
        if not reviews:
            parts.append(
                "Reviews: none loaded yet (the reviews context does not seed them yet): the "
                "≤ 30 s per 100,000 reviews target cannot be measured."
            )
        elif seconds is None:
            parts.append(
                f"Reviews: {reviews:,} loaded, but `seed_demo` does not report the reviews "
                "phase on its own line `Reviews: … (N s)`: see the seed_demo total above."
            )
        else:
            per_100k = seconds / reviews * 100_000
            verdict = "met" if per_100k <= LOAD_TARGET_S_PER_100K_REVIEWS else "MISSED"
            parts.append(
                f"Reviews: {reviews:,} in {seconds:.1f} s, i.e. {per_100k:.1f} s per 100,000 "
                f"(target ≤ {LOAD_TARGET_S_PER_100K_REVIEWS:.0f} s): **{verdict}**."
            )
    return parts


def _wrk_section(result: dict, other: dict | None, notes: str, extras: dict) -> list[str]:
    """Throughput and latency under gunicorn, per endpoint."""
    parts: list[str] = []
    parts.append("## Throughput and latency under gunicorn (wrk)")
    rows = []
    notes_rows = []
    for e in _endpoint_rows(result):
        if "wrk" not in e:
            notes_rows.append(f"- `{e['url']}` ({e['name']}): skipped, {e['skipped']}.")
            continue
        for aside in e.get("respread", []):
            notes_rows.append(
                f"- {e['name']}: measured again; in a first run wrk's connections had all "
                f"landed on one gunicorn worker ({aside['busiest_worker_share']:.0%} of the "
                f"workers' CPU, {aside['requests_per_s']:.0f} req/s on one core)."
            )
        w, lat = e["wrk"], e["wrk"]["latency_ms"]
        target = ""
        if _has_target(e):
            target = "yes" if _target_ratio(e)[0] >= RATIO_TARGET else "**no**"
        rows.append(
            [
                e["name"],
                f"`{e['url']}`",
                f"{w['requests_per_s']:.0f}",
                _ms(lat["p50"]),
                _ms(lat["p95"]),
                _ms(lat["p99"]),
                w["non_2xx"],
                f"{e['ratio']:.2f}",
                _ratio(e.get("framework_ratio")),
                target,
                f"{e.get('loadavg_1min', 0):.1f}",
                *_cpu_cells(e),
                _ratio(e.get("framework_cpu_ratio")),
            ]
        )
    parts.append(
        _table(
            [
                "endpoint",
                "URL",
                "req/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "non-2xx",
                "ratio to /healthz",
                "ratio to bare view",
                f"target ≥ {RATIO_TARGET}",
                "load avg",
                "CPU ms/req gunicorn",
                "CPU ms/req PostgreSQL",
                "CPU ratio",
                "CPU ratio to bare view",
            ],
            rows,
        )
    )
    framework = extras.get("framework_rps")
    healthz_runs = sum(1 for e in _endpoint_rows(result) if e.get("kind") == "baseline")
    parts.append(
        f"Baselines: Eldo's own, the mean of the {healthz_runs} /healthz runs, "
        f"{extras['baseline_rps']:.0f} req/s"
        + (
            f"; the framework's, the mean of the bare Django view's runs (bench/baseline: "
            f"no application, no middleware, one JSON view, same gunicorn), {framework:.0f} "
            "req/s. The ratio to /healthz says what an endpoint costs over Eldo's own "
            "request handling; the ratio to the bare view, over Django's, and it is the one "
            f"the target (≥ {RATIO_TARGET}) reads. "
            if framework
            else ". "
        )
        + "Latencies are wrk's, client side, 32 connections. Load avg: the machine's 1-minute "
        f"load average at the end of the run ({result['machine']['nproc']} CPUs; wrk, gunicorn "
        "and PostgreSQL share them): well above that, another process competed for the CPU. "
        "CPU ms/req: CPU seconds used by gunicorn (master and workers) and by the live "
        "PostgreSQL backends of the bench database during the run, per request; they do not "
        "depend on other processes. CPU ratio: /healthz's CPU per request over the "
        "endpoint's, i.e. the throughput ratio the endpoint would reach on dedicated cores "
        "(and the same over the bare view's CPU per request)."
    )
    if notes_rows:
        parts.append("\n".join(notes_rows))
    parts.append(
        "A run in which one worker used more than "
        f"{ONE_WORKER_SHARE:.0%} of the workers' CPU is measured again on new connections "
        f"(at most {RESPREAD_TRIES} times; bench/run.py `busiest_worker_share`): wrk opens "
        "its connections at once and keeps them, and the kernel may hand them all to one "
        "worker, which serves them on one core."
    )
    return parts


def _server_section(result: dict, other: dict | None, notes: str, extras: dict) -> list[str]:
    """Server time in process and SQL queries, cached and uncached."""
    parts: list[str] = []
    parts.append("## Server time in process and SQL queries")
    parts.append(
        f"Django test client in one process with the production settings, against the bench "
        f"database: {result['server_requests']} timed GETs per endpoint after a warm-up; "
        "queries and writes counted over 5 more requests (`CaptureQueriesContext`). p50/p95/p99: "
        "wall clock around `client.get`; p95 CPU: the Django process's own CPU time "
        "(`time.thread_time`), which excludes PostgreSQL and waits for a shared core."
    )
    other_server = _server_by_name(other) if other else {}
    rows = []
    for s in result.get("server_time", []):
        if "ms" not in s:
            rows.append([s["name"], "—", "—", "—", "—", "—", "—", f"status {s['status']}", ""])
            continue
        same = ""
        if other_server.get(s["name"], {}).get("queries") is not None:
            same = _no_growth(result, s["queries"], other, other_server[s["name"]]["queries"])
        target = ""
        if s["name"] != "healthz" and not s["name"].startswith("healthz"):
            target = "yes" if s["ms"]["p95"] < SERVER_TIME_TARGET_MS else "**no**"
        rows.append(
            [
                s["name"],
                _ms(s["ms"]["p50"]),
                _ms(s["ms"]["p95"]),
                _ms(s["ms"]["p99"]),
                _ms(s["cpu_ms"]["p95"]) if "cpu_ms" in s else "",
                "/".join(map(str, s["queries"])),
                "/".join(map(str, s["writes"])),
                target,
                same,
            ]
        )
    parts.append(
        _table(
            [
                "endpoint",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "p95 CPU ms (Django)",
                "queries",
                "writes",
                f"p95 < {SERVER_TIME_TARGET_MS:.0f} ms",
                f"no more queries than at {_smaller(result, other)}",
            ],
            rows,
        )
    )
    uncached_rows = []
    for s in result.get("server_time", []):
        miss = s.get("uncached")
        if not miss or s["name"].startswith("healthz"):
            continue
        other_miss = other_server.get(s["name"], {}).get("uncached") or {}
        same = ""
        if other_miss.get("queries") is not None:
            same = _no_growth(result, miss["queries"], other, other_miss["queries"])
        uncached_rows.append(
            [
                s["name"],
                _ms(miss["ms"]["p50"]),
                _ms(miss["ms"]["p95"]),
                _ms(miss["cpu_ms"]["p95"]),
                "/".join(map(str, miss["queries"])),
                "/".join(map(str, miss["writes"])),
                "yes" if miss["ms"]["p95"] < SERVER_TIME_TARGET_MS else "**no**",
                same,
            ]
        )
    if uncached_rows:
        parts.append(
            "The same endpoints with the response cache off (`PUBLIC_RESPONSE_CACHE_SECONDS=0`"
            " in process): the cost of a miss, i.e. the first request after a change, and "
            "of every signed-in visitor (half as many requests)."
        )
        parts.append(
            _table(
                [
                    "endpoint, uncached",
                    "p50 ms",
                    "p95 ms",
                    "p95 CPU ms (Django)",
                    "queries",
                    "writes",
                    f"p95 < {SERVER_TIME_TARGET_MS:.0f} ms",
                    f"no more queries than at {_smaller(result, other)}",
                ],
                uncached_rows,
            )
        )
    if other is None:
        parts.append(
            "No run of the other dataset on this date: the 1x/10x query-count comparison "
            "needs both."
        )
    return parts


def _memory_section(result: dict, other: dict | None, notes: str, extras: dict) -> list[str]:
    """Peak memory of gunicorn and Celery, and the soak growth check."""
    memory = extras["memory"]
    gunicorn = result["gunicorn"]
    parts: list[str] = []
    parts.append("## Memory")
    parts.append(
        _table(
            ["process", "peak RSS (MiB)"],
            [
                ["gunicorn master", f"{memory['master_peak_kb'] / 1024:.0f}"],
                ["worker, highest peak", f"{memory['worker_peak_kb_max'] / 1024:.0f}"],
                ["worker, median peak", f"{memory['worker_peak_kb_median'] / 1024:.0f}"],
            ],
        )
    )
    parts.append(
        f"{memory['workers_seen']} worker processes were seen during the wrk runs "
        f"({gunicorn['workers']} at a time: the others are recycled ones, "
        f"`max_requests={gunicorn['max_requests']}`). Peak RSS is each process's VmHWM, "
        "sampled every 0.5 s from /proc."
    )
    celery = memory.get("celery_peaks_kb") or {}
    if celery:
        peaks = sorted(celery.values())
        parts.append(
            f"Celery worker (`deploy/entrypoint.sh worker`, {len(peaks)} processes: the main "
            f"one and its pool), running during the whole wrk phase: peak RSS "
            f"{peaks[-1] / 1024:.0f} MiB for the largest, "
            f"{sum(peaks) / 1024:.0f} MiB for all of them. It had no task to run: GET "
            "requests enqueue nothing."
        )
    soaked = memory.get("soak")
    if soaked and soaked.get("workers"):
        rows = []
        for w in soaked["workers"]:
            middle = w["middle_kb"] or w["start_kb"]
            rows.append(
                [
                    str(w["pid"]),
                    f"{w['start_kb'] / 1024:.1f}",
                    f"{middle / 1024:.1f}",
                    f"{w['end_kb'] / 1024:.1f}",
                    f"{(middle - w['start_kb']) / 1024:+.1f}",
                    f"{(w['end_kb'] - middle) / 1024:+.1f}",
                ]
            )
        second_half = max(
            (w["end_kb"] - (w["middle_kb"] or w["start_kb"])) for w in soaked["workers"]
        )
        parts.append(
            f"Growth check: {soaked['seconds']:.0f} s of wrk after the measurements, over the "
            "endpoints in turn (20 s each), each worker's resident memory (VmRSS) read after "
            "every segment. The target is 5 minutes; `make bench` runs 2 by default "
            "(`--soak 120`) to stay short: `--soak 300` for the full check. Workers that "
            "gunicorn recycled during the soak (`max_requests`) are not in the table."
        )
        parts.append(
            _table(
                ["worker pid", "start MiB", "middle MiB", "end MiB", "1st half", "2nd half"],
                rows,
            )
        )
        verdict = (
            "no worker grew by more than 5 MiB in the second half: memory is bounded"
            if second_half <= 5 * 1024
            else "**a worker still grew by more than 5 MiB in the second half: investigate**"
        )
        # "replaced" (older reports): the pids that changed, old and new ones.
        replaced = len(soaked.get("recycled") or []) or len(soaked.get("replaced") or []) // 2
        parts.append(
            f"Verdict: {verdict}"
            + (f" ({replaced} worker(s) recycled during the soak)." if replaced else ".")
        )
    elif soaked:
        parts.append(
            f"Growth check: none possible in this run. Over the {soaked['seconds']:.0f} s of "
            f"the soak gunicorn recycled every worker ({len(soaked.get('recycled') or [])} "
            "processes replaced after `max_requests`), so no worker lived from its start to "
            "its end: a worker's memory is bounded by its recycling, and the peaks above are "
            "the most any worker reached."
        )
    return parts


def _writes_section(result: dict, other: dict | None, notes: str, extras: dict) -> list[str]:
    """Quote requests and reviews with a photo, timed in process."""
    measured = result.get("writes")
    if not measured:
        return []
    photo = measured["photo"]
    rows = []
    for key, target in WRITE_TARGETS_MS.items():
        w = measured[key]
        rows.append(
            [
                WRITE_NAMES[key],
                str(w["requests"]),
                _ms(w["ms"]["p50"]),
                _ms(w["ms"]["p95"]),
                _ms(w["ms"]["p99"]),
                _ms(w["cpu_ms"]["p95"]),
                "/".join(map(str, w["queries"])),
                ", ".join(f"{k}: {v}" for k, v in w["statuses"].items()),
                "yes" if w["ms"]["p95"] < target else "**no**",
                f"{target:.0f}",
            ]
        )
    return [
        "## Writes in process",
        "Django test client in one process with the production settings, against the bench "
        "database (`bench/inprocess.py writes`): quote requests to the dense place and trade, "
        "and spontaneous reviews of the most reviewed pro with one phone photo "
        f"({photo['width']} x {photo['height']} px JPEG, {photo['bytes'] / 1e6:.1f} MB), "
        "each from its own address and e-mail, after 3 unmeasured of each. Queries counted "
        "on 5 of them (not timed). No worker runs: their events wait in the outbox.",
        _table(
            [
                "write",
                "requests",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "p95 CPU ms (Django)",
                "queries",
                "answers",
                "p95 under target",
                "target ms",
            ],
            rows,
        ),
    ]


def _targets_section(result: dict, other: dict | None, notes: str, extras: dict) -> list[str]:
    """The targets missed, the error log, the analysis."""
    dataset = result["dataset"]
    parts: list[str] = []
    parts.append("## Targets")
    found = misses(result) + query_growth_misses(result, other)
    if dataset != "10x":
        parts.append(
            "The server-time target applies at 10x; at this dataset it is shown for reference."
        )
    parts.append("\n".join(f"- {m}" for m in found) if found else "Every target met.")
    if "Traceback" in extras.get("stderr_tail", ""):
        parts.append("gunicorn's error log ended with:\n\n```\n" + extras["stderr_tail"] + "\n```")
    if notes:
        parts.append("## Analysis and optimisations\n\n" + notes.strip())
    return parts


def write_markdown(out: Path, stamp: str, dataset: str) -> Path:
    result = load(out, stamp, dataset)
    if result is not None:
        result = {**result, "stamp": stamp}  # the files' names, not only the run's date
    other = next(
        (load(out, stamp, d) for d in DATASETS if d != dataset and load(out, stamp, d)), None
    )
    notes_path = out / f"{stamp}-notes.md"
    notes = notes_path.read_text() if notes_path.exists() else ""
    path = out / f"{stamp}-{dataset}.md"
    path.write_text(markdown(result, other, notes))
    return path


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType: fixed bitmap font
        return ImageFont.load_default()


def _charted(endpoint: dict) -> bool:
    """One bar group per endpoint: the first /healthz run stands for /healthz (its ratio to
    the bare view), the other turns and the comparison servers are in the tables."""
    # The bare view's turns, its 16-byte answer and its 40 kB page, are the yardstick.
    if "ratio" not in endpoint or str(endpoint.get("kind") or "").startswith("framework"):
        return False
    if endpoint.get("kind") in {"baseline", "full-stack"}:
        return endpoint.get("turn") == 1 and "framework_ratio" in endpoint
    return True


def _light(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    return tuple(round(c + (255 - c) * 0.55) for c in colour)


def _chart_data(results: list[dict]) -> tuple[list[str], list[tuple], dict]:
    """The endpoints charted, the series (dataset, key, colour) and each series' ratios."""
    names: list[str] = []
    for result in results:
        for e in _endpoint_rows(result):
            if _charted(e) and e["name"] not in names:
                names.append(e["name"])
    series = []  # (dataset, key, colour)
    for result in results:
        colour = COLOURS[result["dataset"]]
        series.append((result, "ratio", colour))
        if _extras(result).get("framework_rps"):
            series.append((result, "framework_ratio", _light(colour)))
    ratios = {
        (r["dataset"], key): {
            e["name"]: e[key]
            for e in _endpoint_rows(r)
            if _charted(e)
            and e.get(key) is not None
            and not (key == "ratio" and e.get("kind") in {"baseline", "full-stack"})
        }
        for r, key, _ in series
    }
    for r, key, _ in series:  # /healthz against the bare view: the mean of the turns
        summary = _extras(r).get("framework") or {}
        for e in _endpoint_rows(r):
            name = {"baseline": "ratio", "full-stack": "full_stack_ratio"}.get(e.get("kind"))
            if key == "framework_ratio" and _charted(e) and summary.get(name):
                ratios[(r["dataset"], key)][e["name"]] = summary[name]["mean"]
    return names, series, ratios


def write_chart(out: Path, stamp: str) -> Path:
    """Ratio of each endpoint's requests/s to /healthz's and, when the run measured the
    bare Django view, to the bare view's (a lighter bar), per dataset."""
    results = [r for d in DATASETS if (r := load(out, stamp, d))]
    names, series, ratios = _chart_data(results)
    bar, gap, left, right = 18, 14, 230, 90
    top = 70 + 18 * len(series)  # below the title and the legend
    group = bar * len(series) + gap
    width = 1000
    height = top + group * len(names) + 60
    scale_max = max([1.0, *(v for rs in ratios.values() for v in rs.values())]) * 1.05
    plot = width - left - right
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    title, small, label = _font(18), _font(12), _font(14)
    draw.text(
        (20, 15),
        f"Requests/s relative to /healthz and to a bare Django view, same run ({stamp})",
        fill="black",
        font=title,
    )

    def x(value: float) -> int:
        return left + round(plot * value / scale_max)

    for tick in [i / 4 for i in range(int(scale_max * 4) + 1)]:
        draw.line([(x(tick), top - 5), (x(tick), height - 45)], fill=(225, 225, 225))
        draw.text((x(tick) - 10, height - 40), f"{tick:.2f}", fill="black", font=small)
    for value, colour in ((RATIO_TARGET, (200, 30, 30)), (1.0, (90, 90, 90))):
        for y in range(top - 5, height - 45, 8):
            draw.line([(x(value), y), (x(value), y + 4)], fill=colour, width=2)
    draw.text((x(RATIO_TARGET) + 4, top - 22), "target 0.5", fill=(200, 30, 30), font=small)
    for row, name in enumerate(names):
        y0 = top + row * group
        draw.text((20, y0 + bar * len(series) / 2 - 8), name, fill="black", font=label)
        for index, (result, key, colour) in enumerate(series):
            value = ratios[(result["dataset"], key)].get(name)
            y = y0 + index * bar
            if value is None:
                continue
            draw.rectangle([left, y + 2, x(value), y + bar - 2], fill=colour)
            draw.text((x(value) + 4, y + 3), f"{value:.2f}", fill="black", font=small)
    legend_x = left
    for index, (result, key, colour) in enumerate(series):
        y = 45 + index * 18
        draw.rectangle([legend_x, y, legend_x + 14, y + 12], fill=colour)
        extras = _extras(result)
        label_text = (
            f"{result['dataset']}, to /healthz ({extras['baseline_rps']:.0f} req/s)"
            if key == "ratio"
            else f"{result['dataset']}, to the bare Django view ({extras['framework_rps']:.0f} "
            "req/s; /healthz: mean of the turns)"
        )
        draw.text((legend_x + 20, y - 2), label_text, fill="black", font=small)
    path = out / f"{stamp}-ratio.png"
    image.save(path)
    return path


if __name__ == "__main__":
    directory = Path(__file__).resolve().parent / "results"
    day = sys.argv[1]
    for name in DATASETS:
        if load(directory, day, name):
            print(write_markdown(directory, day, name))
    print(write_chart(directory, day))
