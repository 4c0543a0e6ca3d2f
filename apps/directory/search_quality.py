"""The search-quality set: real-looking queries with the trade and the place they mean.

`bench/search_queries.csv` (query, category slug, place slug) is read by the test
(apps/directory/tests/test_search_quality.py, thresholds below) and by `make bench-search`,
which writes the report to bench/results/search-quality.md.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from apps.directory.query import query_understand

QUERIES_FILE = Path(__file__).resolve().parents[2] / "bench" / "search_queries.csv"
PLACE_THRESHOLD = 0.95
TRADE_THRESHOLD = 0.90


@dataclass
class QualityReport:
    total: int = 0
    trade_ok: int = 0
    place_ok: int = 0
    misses: list[tuple[str, str, str, str, str]] = field(default_factory=list)

    @property
    def trade_rate(self) -> float:
        return self.trade_ok / self.total if self.total else 0.0

    @property
    def place_rate(self) -> float:
        return self.place_ok / self.total if self.total else 0.0

    def markdown(self) -> str:
        lines = [
            "# Search quality: trade and place understanding",
            "",
            f"Queries: {self.total} (bench/search_queries.csv)",
            "",
            "| measure | result | threshold |",
            "|---|---|---|",
            f"| place resolved as expected | {self.place_rate:.1%} | {PLACE_THRESHOLD:.0%} |",
            f"| trade resolved as expected | {self.trade_rate:.1%} | {TRADE_THRESHOLD:.0%} |",
            "",
        ]
        if self.misses:
            lines += ["## Misses", "", "| query | expected trade | got | expected place | got |"]
            lines += ["|---|---|---|---|---|"]
            lines += [f"| {' | '.join(miss)} |" for miss in self.misses]
        else:
            lines.append("No misses.")
        return "\n".join(lines) + "\n"


def quality_evaluate(path: Path = QUERIES_FILE) -> QualityReport:
    report = QualityReport()
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            understood = query_understand(row["query"])
            place = understood.place.slug if understood.place else ""
            trade_ok = understood.category == row["category"]
            place_ok = place == row["place"]
            report.total += 1
            report.trade_ok += trade_ok
            report.place_ok += place_ok
            if not (trade_ok and place_ok):
                report.misses.append(
                    (row["query"], row["category"], understood.category, row["place"], place)
                )
    return report
