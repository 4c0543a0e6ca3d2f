"""Demo leads at every status and the demo network (idempotent); part of ``seed_demo``."""

from django.core.management.base import CommandError

from apps.accounts import api as accounts
from apps.core.demo_command import DemoCommand
from apps.directory import api as directory
from apps.leads import demo


class Command(DemoCommand):
    help = "Demo leads for --company (some assigned to --sales-rep) and the --network."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["small", "1x", "10x"], default="small")
        parser.add_argument("--company", required=True, help="Slug of the demo company's pro.")
        parser.add_argument("--sales-rep", required=True, help="E-mail of its sales rep.")
        parser.add_argument("--network", required=True, help="Slug of the demo network.")
        parser.add_argument(
            "--installers", type=int, default=8, help="The network's installers: the N oldest pros."
        )
        parser.add_argument(
            "--brands",
            nargs="*",
            default=[],
            help="Slugs of the demo brands: a routing rule per certified installer.",
        )

    def seed(self, *, scale, company, sales_rep, network, installers, brands=(), **options):
        users = accounts.user_ids_by_emails([sales_rep])
        networks = accounts.organization_ids_by_slugs([network])
        if not users or not networks:
            raise CommandError("Run seed_demo_accounts first: unknown sales rep or network.")
        added = demo.demo_seed(
            scale=scale,
            company_slug=company,
            sales_rep_user_id=next(iter(users.values())),
            network_id=networks[network],
            installer_slugs=list(directory.pro_ids_by_slug(limit=installers)),
        )
        self.stdout.write(f"Leads: {added} new lead(s) at every status")
        if brands:
            brand_ids = accounts.organization_ids_by_slugs(list(brands))
            rules = demo.demo_brand_rules_seed(brand_ids=list(brand_ids.values()))
            self.stdout.write(f"Brands: {rules} new routing rule(s)")
