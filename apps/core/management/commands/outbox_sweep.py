from django.core.management.base import BaseCommand

from apps.core import outbox


class Command(BaseCommand):
    help = "Deliver outbox events that are still undelivered (broker outage, failed handler)."

    def add_arguments(self, parser):
        parser.add_argument("--grace", type=int, default=0, help="Only events older than this (s).")

    def handle(self, *args, grace, **options):
        delivered = outbox.sweep(grace_seconds=grace)
        self.stdout.write(f"{delivered} event(s) delivered")
