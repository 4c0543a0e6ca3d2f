"""Search quality: how often the one search box understands the trade and the place.

    .venv/bin/python bench/search_quality.py          # or: make bench-search

Reads bench/search_queries.csv (query, expected category slug, expected place slug: a
commune, département or postcode slug, empty when the query names none), runs each query
through apps.directory.query.query_understand (pure Python over the trade vocabulary and
the geography files: no database) and writes bench/results/search-quality.md. Exits 1 when
a rate falls below its threshold (place 95 %, trade 90 %), like the test
apps/directory/tests/test_query_understanding.py.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eldo.settings")


def main() -> int:
    import django

    django.setup()
    from apps.directory.search_quality import PLACE_THRESHOLD, TRADE_THRESHOLD, quality_evaluate

    started = time.perf_counter()
    report = quality_evaluate()
    elapsed = time.perf_counter() - started
    text = report.markdown() + (f"\nRun in {elapsed:.1f} s (including loading the gazetteer).\n")
    output = ROOT / "bench" / "results" / "search-quality.md"
    output.write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {output.relative_to(ROOT)}")
    ok = report.place_rate >= PLACE_THRESHOLD and report.trade_rate >= TRADE_THRESHOLD
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
