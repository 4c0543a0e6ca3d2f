"""EXPLAIN ANALYZE every SQL query of the measured endpoints, response cache off.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/eldo_bench_10x \\
    REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/explain.py [--plans]

Picks the URLs as the benchmark does (``inprocess.targets``), captures the queries each
runs with the response cache off, then runs each query twice under EXPLAIN (ANALYZE,
BUFFERS) and prints the second (warm) planning and execution times, the slowest first.
``--plans`` prints the whole plan of every query over 2 ms.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eldo.settings")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from bench import inprocess  # noqa: E402  (sets Django up)
from bench.run import endpoints_for  # noqa: E402


def explain(sql: str) -> tuple[float, float, str]:
    with connection.cursor() as cursor:
        for _ in range(2):
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            lines = [row[0] for row in cursor.fetchall()]
    planning = next(float(x.split()[2]) for x in lines if x.startswith("Planning Time"))
    execution = next(float(x.split()[2]) for x in lines if x.startswith("Execution Time"))
    return planning, execution, "\n".join(lines)


def main() -> int:
    show_plans = "--plans" in sys.argv
    client = inprocess._client()
    for endpoint in endpoints_for(inprocess.targets()):
        if endpoint["kind"] == "baseline":
            continue
        with override_settings(PUBLIC_RESPONSE_CACHE_SECONDS=0):
            client.get(endpoint["url"])
            with CaptureQueriesContext(connection) as captured:
                status = client.get(endpoint["url"]).status_code
        rows = []
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            planning, execution, plan = explain(sql)
            rows.append((planning + execution, planning, execution, sql, plan))
        total = sum(r[0] for r in rows)
        print(
            f"\n== {endpoint['name']} {endpoint['url']} ({status}): {len(rows)} queries, "
            f"{total:.1f} ms planning + execution"
        )
        for _, planning, execution, sql, plan in sorted(rows, reverse=True):
            print(f"  {planning:6.2f} + {execution:7.2f} ms  {sql[:150]}")
            if show_plans and planning + execution > 2:
                print("    " + plan.replace("\n", "\n    "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
