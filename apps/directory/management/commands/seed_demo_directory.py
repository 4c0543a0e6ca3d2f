"""The demo companies and their pro profiles (idempotent); part of ``seed_demo``."""

import time

from django.core.management import call_command

from apps.core.demo_command import DemoCommand
from apps.directory import demo
from apps.directory.models import Commune


class Command(DemoCommand):
    help = "Demo pros over the real French geography (loaded first when missing)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(demo.SCALES), default="small")

    def seed(self, *, scale: str, **options):
        started = time.monotonic()
        if not Commune.objects.exists():
            call_command("load_geography", stdout=self.stdout)
        created = demo.demo_seed(scale=scale)
        self.stdout.write(
            f"Directory: {len(created)} new pro profile(s) ({time.monotonic() - started:.1f} s)"
        )
        brands = demo.demo_brands_seed()
        self.stdout.write(
            "Brands: "
            + ", ".join(f"{slug} ({len(pros)} installateurs)" for slug, pros in brands.items())
        )
