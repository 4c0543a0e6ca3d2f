"""Shared by import_sirene and import_rge: open the file, run, print the report."""

from __future__ import annotations

import csv
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.csv_export import csv_safe
from apps.directory.verification.registries import RegistryFileError, open_text

SHOWN_REJECTS = 20


class RegistryCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="CSV file (or .csv.gz) as published")
        parser.add_argument("--report", type=Path, help="write the rejected rows to this CSV")

    def run_import(self, path: Path, report_path: Path | None, run):
        started = time.monotonic()
        try:
            with open_text(path) as stream:
                report = run(stream)
        except OSError as exc:
            raise CommandError(f"{path}: illisible ({exc})") from exc
        except RegistryFileError as exc:
            raise CommandError(f"{path}: {exc} ; rien n'a été importé.") from exc
        for line, siret, reason in report.rejected[:SHOWN_REJECTS]:
            self.stderr.write(f"ligne {line} ({siret or 'sans SIRET'}) : {reason}")
        if len(report.rejected) > SHOWN_REJECTS:
            self.stderr.write(f"… et {len(report.rejected) - SHOWN_REJECTS} autres lignes rejetées")
        if report_path:
            with report_path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["ligne", "siret", "motif"])
                for line, siret, reason in report.rejected:
                    writer.writerow([line, csv_safe(siret), csv_safe(reason)])
        self.stdout.write(f"{report.summary()} ({time.monotonic() - started:.1f} s)")
        return report
