"""Fill an empty database with French demo data and one account per role (idempotent).

The composition root owns the demo scenario (which company, sales rep and network play
which part); each context seeds its own data with its own command (``seed_demo_<context>``,
code in ``apps/<context>/demo.py``), in dependency order, keyed by slugs and e-mails.
"""

import time

from django.core.management import call_command

from apps.core.demo_command import DemoCommand

COMPANY = "facades-du-midi"
NAMED_COMPANIES = ["facades-du-midi", "toitures-occitanes"]
NETWORK = "reseau-confort-habitat"
# The network's installers: the named companies and the next pros (the network dashboard
# is measured at scale with 50 and 500 installers).
INSTALLERS = {"small": 8, "1x": 50, "10x": 500}
BRANDS = ["solvea-chaleur", "vitralis-fenetres", "tuilerie-des-coteaux"]  # manufacturers


class Command(DemoCommand):
    help = "Seed French demo data and the demo accounts (password eldo-demo-2026)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["small", "1x", "10x"], default="small")

    def seed(self, *, scale: str, **options):
        started = time.monotonic()
        out = {"stdout": self.stdout, "force": True}  # DEBUG was checked once, above
        call_command("seed_demo_accounts", **out)
        call_command("seed_demo_directory", scale=scale, **out)
        call_command(
            "seed_demo_reviews", scale=scale, detailed=NAMED_COMPANIES, largest=COMPANY, **out
        )
        call_command(
            "seed_demo_quotes",
            scale=scale,
            advisors=["conseiller@eldo.test", "admin@eldo.test"],
            **out,
        )
        call_command(
            "seed_demo_leads",
            scale=scale,
            company=COMPANY,
            sales_rep="commercial@eldo.test",
            network=NETWORK,
            installers=INSTALLERS[scale],
            brands=BRANDS,
            **out,
        )
        call_command(
            "seed_demo_stats",
            company=COMPANY,
            members=["commercial@eldo.test", "pro@eldo.test"],
            network=NETWORK,
            installers=INSTALLERS[scale],
            scale=scale,
            **out,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready (scale {scale}, {time.monotonic() - started:.1f} s): "
                "every account above, password eldo-demo-2026"
            )
        )
