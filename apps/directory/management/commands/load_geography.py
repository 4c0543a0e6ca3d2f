"""Load the French geography shipped in ``apps/directory/data/`` (see docs/data-sources.md).

Idempotent: rows are upserted on their INSEE code and only the ones that differ are
written, so a second run changes nothing. Communes are never deleted (profiles point at
them); postcodes that left a loaded commune are.
"""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction

from apps.directory.geography import commune_slug, department_slug, normalize_place_name
from apps.directory.models import Commune, Department, PostalCode, Region

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
BATCH_SIZE = 2000


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def __str__(self) -> str:
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        return f"{text}, {self.deleted} deleted" if self.deleted else text


def read_rows(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def upsert(model: type[models.Model], objects: list, existing: models.QuerySet) -> Outcome:
    """Write the objects that are new or differ from ``existing``, in one upsert per batch."""
    pk = model._meta.pk
    fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    current = {row[0]: row[1:] for row in existing.values_list(pk.attname, *fields)}
    outcome = Outcome()
    changed = []
    for obj in objects:
        values = tuple(getattr(obj, name) for name in fields)
        before = current.get(obj.pk)
        if before == values:
            outcome.unchanged += 1
            continue
        changed.append(obj)
        if before is None:
            outcome.created += 1
        else:
            outcome.updated += 1
    model.objects.bulk_create(
        changed,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=[pk.name],
        update_fields=[f.name for f in model._meta.concrete_fields if not f.primary_key],
    )
    return outcome


def sync_postcodes(rows: list[dict[str, str]], existing: models.QuerySet) -> Outcome:
    wanted = {(code, row["insee_code"]) for row in rows for code in row["postcodes"].split()}
    current = {
        (code, commune): pk
        for pk, code, commune in existing.values_list("pk", "code", "commune_id")
    }
    stale = [pk for key, pk in current.items() if key not in wanted]
    for start in range(0, len(stale), BATCH_SIZE):
        PostalCode.objects.filter(pk__in=stale[start : start + BATCH_SIZE]).delete()
    new = [
        PostalCode(code=code, commune_id=commune) for code, commune in sorted(wanted - set(current))
    ]
    PostalCode.objects.bulk_create(new, batch_size=BATCH_SIZE)
    return Outcome(created=len(new), unchanged=len(wanted) - len(new), deleted=len(stale))


def commune_slugs(rows: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """Slug per INSEE code; a name repeated in a département adds the INSEE code to the
    slug of all but the first, so slugs stay unique and do not depend on load order."""
    slugs = {row["insee_code"]: commune_slug(row["name"], row["department_code"]) for row in rows}
    seen: Counter[str] = Counter()
    for code in sorted(slugs):
        seen[slugs[code]] += 1
        if seen[slugs[code]] > 1:
            slugs[code] = f"{slugs[code]}-{code}"
    return slugs


class Command(BaseCommand):
    help = "Load (or refresh) regions, départements, communes and postcodes of France."

    def add_arguments(self, parser):
        parser.add_argument(
            "--departments",
            help="Comma-separated département codes to load, e.g. 31,66,2A (default: all).",
        )
        parser.add_argument("--data-dir", type=Path, default=DATA_DIR)

    def handle(self, *args, departments: str | None, data_dir: Path, **options):
        department_rows = read_rows(data_dir / "departments.csv.gz")
        if departments:
            wanted = {
                code.strip().upper().zfill(2) for code in departments.split(",") if code.strip()
            }
            unknown = wanted - {row["code"] for row in department_rows}
            if unknown:
                raise CommandError(f"Unknown département code(s): {', '.join(sorted(unknown))}")
            department_rows = [row for row in department_rows if row["code"] in wanted]
        codes = {row["code"] for row in department_rows}
        region_codes = {row["region_code"] for row in department_rows}
        region_rows = [
            r for r in read_rows(data_dir / "regions.csv.gz") if r["code"] in region_codes
        ]
        commune_rows = [
            row
            for row in read_rows(data_dir / "communes.csv.gz")
            if row["department_code"] in codes
        ]
        slugs = commune_slugs(commune_rows)

        with transaction.atomic():
            outcomes = {
                "regions": upsert(
                    Region,
                    [Region(code=r["code"], name=r["name"]) for r in region_rows],
                    Region.objects.filter(code__in=region_codes),
                ),
                "départements": upsert(
                    Department,
                    [
                        Department(
                            code=r["code"],
                            name=r["name"],
                            slug=department_slug(r["name"]),
                            region_id=r["region_code"],
                        )
                        for r in department_rows
                    ],
                    Department.objects.filter(code__in=codes),
                ),
                "communes": upsert(
                    Commune,
                    [
                        Commune(
                            insee_code=r["insee_code"],
                            name=r["name"],
                            slug=slugs[r["insee_code"]],
                            search_name=normalize_place_name(r["name"]),
                            department_id=r["department_code"],
                            parent_id=r["parent_insee_code"] or None,
                            population=int(r["population"]),
                            latitude=float(r["latitude"]),
                            longitude=float(r["longitude"]),
                            coordinates_source=r["coordinates_source"],
                        )
                        for r in commune_rows
                    ],
                    Commune.objects.filter(department_id__in=codes),
                ),
                "postcodes": sync_postcodes(
                    commune_rows, PostalCode.objects.filter(commune__department_id__in=codes)
                ),
            }
        for label, outcome in outcomes.items():
            total = outcome.created + outcome.updated + outcome.unchanged
            self.stdout.write(f"{label}: {total} ({outcome})")
