"""Check the quality labels of pros against ADEME's list of RGE companies.

    manage.py import_rge liste-des-entreprises-rge-2.csv[.gz] [--report bad.csv]

Streams the file as published on data.ademe.fr (one row per company and qualification),
keeps the rows of the pros' SIRETs and writes their label checks (RGE with its domains,
plus Qualibat, Qualifelec, QualiPAC, QualiPV, QualiSol, QualiBois by certifying body) in
one transaction. Bad rows are reported with their line number; the others are imported.
Re-running the same file changes nothing. docs/verification.md.
"""

from apps.directory.management.commands._registry import RegistryCommand
from apps.directory.verification.registries import rge_import


class Command(RegistryCommand):
    help = "Label checks of pros from ADEME's RGE open-data list (docs/verification.md)."

    def handle(self, *args, path, report, **options):
        self.run_import(path, report, rge_import)
