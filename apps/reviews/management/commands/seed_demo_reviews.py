"""Demo reviews for every pro of the directory (idempotent); part of ``seed_demo``."""

import time

from apps.core.demo_command import DemoCommand
from apps.core.facade_ports import facade
from apps.directory.contracts import DirectoryFacade
from apps.reviews import demo

directory: DirectoryFacade = facade("directory")


class Command(DemoCommand):
    help = "Demo reviews for every pro; --detailed pros also get photos and invitations."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["small", "1x", "10x"], default="small")
        parser.add_argument(
            "--detailed", nargs="*", default=[], help="Slugs of the pros shown in detail."
        )
        parser.add_argument(
            "--largest",
            default="",
            help="Slug of the pro whose back office is measured at scale (2,000 reviews at "
            "1x, 20,000 at 10x).",
        )

    def seed(self, *, scale: str, detailed: list[str], largest: str = "", **options):
        started = time.monotonic()
        seeded = demo.demo_seed(
            pros=directory.pro_ids_by_slug(),
            scale=scale,
            detailed=tuple(detailed),
            largest=largest,
        )
        self.stdout.write(
            f"Reviews: {seeded['reviews']} new review(s) for {seeded['pros']} pro(s) "
            f"({time.monotonic() - started:.1f} s)"
        )
