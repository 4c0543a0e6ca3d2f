"""Demo quote requests at every status (idempotent); part of ``seed_demo``."""

import time

from django.core.management.base import CommandError

from apps.accounts import api as accounts
from apps.core.demo_command import DemoCommand
from apps.directory import api as directory
from apps.quotes import demo


class Command(DemoCommand):
    help = "Demo quote requests at every status, with call logs, handled by --advisors."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(demo.SCALES), default="small")
        parser.add_argument(
            "--advisors", nargs="+", required=True, help="E-mail addresses of the advisors."
        )

    def seed(self, *, scale: str, advisors: list[str], **options):
        started = time.monotonic()
        found = accounts.user_ids_by_emails(advisors)
        missing = sorted({a.lower() for a in advisors} - set(found))
        if missing:
            raise CommandError(f"Unknown advisor account(s): {', '.join(missing)}")
        added = demo.demo_seed(
            scale=scale,
            advisor_user_ids=[found[a.lower()] for a in advisors],
            pro_slugs=list(directory.pro_ids_by_slug()),
        )
        self.stdout.write(
            f"Quotes: {added} new request(s) at every status ({time.monotonic() - started:.1f} s)"
        )
