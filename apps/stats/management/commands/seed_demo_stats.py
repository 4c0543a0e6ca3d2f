"""Twelve months of demo statistics (idempotent); part of ``seed_demo``."""

import time

from django.core.management.base import CommandError

from apps.accounts import api as accounts
from apps.core.demo_command import DemoCommand
from apps.directory import api as directory
from apps.stats import demo

COMPANY_LEADS_PER_DAY = {"small": 1.6, "1x": 1.6, "10x": 16.0}


class Command(DemoCommand):
    help = "Backfill a year of daily statistics for --company and the --network's installers."

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True, help="Slug of the demo company's pro.")
        parser.add_argument(
            "--members", nargs="+", required=True, help="E-mails of the company's members."
        )
        parser.add_argument("--network", required=True, help="Slug of the demo network.")
        parser.add_argument(
            "--installers", type=int, default=8, help="The network's installers: the N oldest pros."
        )
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument(
            "--scale",
            choices=["small", "1x", "10x"],
            default="small",
            help="From 1x, every other pro gets a year of visibility figures too.",
        )

    def seed(self, *, company, members, network, installers, days, scale="small", **options):
        started = time.monotonic()
        users = accounts.user_ids_by_emails(members)
        networks = accounts.organization_ids_by_slugs([network])
        if len(users) != len(set(m.lower() for m in members)) or not networks:
            raise CommandError("Run seed_demo_accounts first: unknown member or network.")
        # A year of facts for the first installers (the network's figures); beyond those,
        # the visibility backfill below: drawing facts day by day costs 0.3 s per installer.
        installer_slugs = list(directory.pro_ids_by_slug(limit=min(installers, 50)))
        rows = demo.demo_seed(
            company_slug=company,
            member_user_ids=[users[m.lower()] for m in members],
            network_id=networks[network],
            installer_slugs=installer_slugs,
            days=days,
            # About as many leads a year as the leads context gives the company.
            leads_per_day=COMPANY_LEADS_PER_DAY[scale],
        )
        self.stdout.write(
            f"Stats: {rows} daily row(s) backfilled over 12 months "
            f"({time.monotonic() - started:.1f} s)"
        )
        if scale == "small":
            return
        started = time.monotonic()
        detailed = {company, *installer_slugs}
        others = [i for slug, i in directory.pro_ids_by_slug().items() if slug not in detailed]
        rows = demo.visibility_seed(pro_ids=others, days=days)
        self.stdout.write(
            f"Stats: {rows} daily row(s) of visibility for {len(others)} other pro(s) "
            f"over 12 months ({time.monotonic() - started:.1f} s)"
        )
