"""The base of the ``seed_demo*`` management commands: they create accounts with a known
password, so each refuses to run with DEBUG off unless ``--force`` (a throwaway database)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class DemoCommand(BaseCommand):
    """Subclasses implement ``seed(**options)``; ``handle`` checks DEBUG first."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never in production)."
        )
        return parser

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Demo seeding refuses to run with DEBUG off: it creates accounts with a known "
                "password. Use --force only on a throwaway database."
            )
        return self.seed(**options)

    def seed(self, **options):  # pragma: no cover - abstract
        raise NotImplementedError
