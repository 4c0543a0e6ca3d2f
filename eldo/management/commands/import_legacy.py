"""Import the pros and reviews exported from the PHP monolith (docs/legacy-import.md).

    manage.py import_legacy --pros pros.csv --reviews reviews.csv [--report rejected.csv]
                            [--dry-run]

The composition root reads the files and hands the rows to each context's public import
function (pros to the directory, reviews to the reviews context), all in one transaction:
a fatal error (unreadable file, missing column, database error) leaves nothing imported.
A row that fails validation is not fatal: it is listed with its line and reason, on the
console and in ``--report``. Rows already imported (same legacy id) are skipped, so the
command can be re-run after fixing the rejected rows.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.core.csv_export import csv_safe
from apps.directory import api as directory
from apps.reviews import api as reviews_api

PRO_REQUIRED = ("legacy_id", "name", "postcode", "trades")
REVIEW_REQUIRED = ("legacy_id", "pro_legacy_id", "rating", "body", "author_name", "published_at")


class _DryRun(Exception):
    pass


def read_rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict]]:
    """``(line number, row)`` pairs of a UTF-8 CSV file (``,`` or ``;``, BOM tolerated)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: illisible ({exc})") from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise CommandError(f"{path}: colonne(s) manquante(s) : {', '.join(missing)}")
    return [(index + 2, row) for index, row in enumerate(reader)]  # line 1 is the header


class Command(BaseCommand):
    help = "Import pros and reviews exported from the PHP monolith (docs/legacy-import.md)."

    def add_arguments(self, parser):
        parser.add_argument("--pros", type=Path, required=True, help="pros CSV file")
        parser.add_argument("--reviews", type=Path, help="reviews CSV file")
        parser.add_argument("--report", type=Path, help="write the rejected rows to this CSV")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, then roll back"
        )

    def handle(self, *args, pros: Path, reviews: Path | None, report, dry_run, **options):
        pro_rows = read_rows(pros, PRO_REQUIRED)
        review_rows = read_rows(reviews, REVIEW_REQUIRED) if reviews else []
        started = time.monotonic()
        try:
            with transaction.atomic():
                pro_result = directory.legacy_pros_import(pro_rows)
                self.stdout.write(
                    f"Pros: {pro_result.created} imported, {pro_result.unchanged} already "
                    f"there, {len(pro_result.rejected)} rejected "
                    f"({time.monotonic() - started:.1f} s)"
                )
                step = time.monotonic()
                review_result = reviews_api.legacy_reviews_import(
                    review_rows, pro_ids=pro_result.ids
                )
                if reviews:
                    self.stdout.write(
                        f"Reviews: {review_result.created} imported "
                        f"({review_result.replies} with a reply), {review_result.unchanged} "
                        f"already there, {len(review_result.rejected)} rejected "
                        f"({time.monotonic() - step:.1f} s)"
                    )
                if dry_run:
                    raise _DryRun
        except _DryRun:
            self.stdout.write("Dry run: nothing was written.")
        rejected = [("pros", *r) for r in pro_result.rejected] + [
            ("reviews", *r) for r in review_result.rejected
        ]
        for kind, line, legacy_id, reason in rejected[:50]:
            self.stdout.write(f"  rejected {kind} line {line} ({legacy_id or '?'}): {reason}")
        if len(rejected) > 50:
            self.stdout.write(f"  … and {len(rejected) - 50} more (see --report)")
        if report:
            with report.open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(["file", "line", "legacy_id", "reason"])
                # The legacy ids and reasons quote the rejected cells: neutralise formulas
                # before an operator opens the report in a spreadsheet.
                writer.writerows([csv_safe(cell) for cell in row] for row in rejected)
            self.stdout.write(f"Rejected rows written to {report}")
        self.stdout.write(
            self.style.SUCCESS(f"Legacy import done in {time.monotonic() - started:.1f} s.")
        )
