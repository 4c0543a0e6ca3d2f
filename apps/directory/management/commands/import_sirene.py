"""Check the identity of pros against the SIRENE stock of establishments (Insee).

    manage.py import_sirene StockEtablissement_utf8.csv[.gz] [--partial] [--report bad.csv]

Streams the file (~40 M rows, constant memory), keeps the rows of the pros' SIRETs and
writes their identity checks in one transaction: verified (active), refused (closed),
"introuvable" (absent; not with --partial, for an extract). Bad rows are reported with
their line number; the others are imported. Re-running the same file changes nothing.
docs/verification.md.
"""

from apps.directory.management.commands._registry import RegistryCommand
from apps.directory.verification.registries import sirene_import


class Command(RegistryCommand):
    help = "Identity checks of pros from the SIRENE stock file (docs/verification.md)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--partial",
            action="store_true",
            help="an extract: SIRETs absent from the file are left as they are",
        )

    def handle(self, *args, path, report, partial, **options):
        self.run_import(path, report, lambda stream: sirene_import(stream, partial=partial))
