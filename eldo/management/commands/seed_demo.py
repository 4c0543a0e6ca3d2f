"""Fill an empty database with French demo data and one account per role (idempotent)."""

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.accounts import api as accounts
from apps.directory import api as directory
from apps.leads import api as leads
from apps.quotes import api as quotes
from apps.reviews import api as reviews
from apps.stats import api as stats

DEMO_PASSWORD = "eldo-demo-2026"

DEMO_ORGANIZATIONS = [
    # slug, name, kind
    ("eldo", "Eldo", "eldo"),
    ("facades-du-midi", "Façades du Midi", "company"),
    ("toitures-occitanes", "Toitures Occitanes", "company"),
    ("reseau-confort-habitat", "Réseau Confort Habitat", "network"),
]

DEMO_ACCOUNTS = [
    # e-mail, first name, last name, superuser, staff role, (organization slug, role)
    ("admin@eldo.test", "Alice", "Martin", True, "", None),
    ("conseiller@eldo.test", "Camille", "Durand", False, "advisor", None),
    ("moderateur@eldo.test", "Mathieu", "Roux", False, "moderator", None),
    ("pro@eldo.test", "Philippe", "Garcia", False, "", ("facades-du-midi", "owner")),
    ("commercial@eldo.test", "Sophie", "Bernard", False, "", ("facades-du-midi", "sales_rep")),
    ("autrepro@eldo.test", "Julien", "Fabre", False, "", ("toitures-occitanes", "owner")),
    ("reseau@eldo.test", "Nadia", "Lopez", False, "", ("reseau-confort-habitat", "manager")),
    ("particulier@eldo.test", "Luce", "Moreau", False, "", None),
]


class Command(BaseCommand):
    help = "Seed French demo data and the demo accounts (password eldo-demo-2026)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["small", "1x", "10x"], default="small")
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never in production)."
        )

    def handle(self, *args, scale: str, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: it creates accounts with a known "
                "password. Use --force only on a throwaway database."
            )
        started = time.monotonic()
        if not directory.demo_geography_loaded():
            call_command("load_geography", stdout=self.stdout)
        user_ids: dict[str, int] = {}
        with transaction.atomic():
            org_ids = {
                slug: accounts.demo_organization_ensure(slug=slug, name=name, kind=kind)
                for slug, name, kind in DEMO_ORGANIZATIONS
            }
            for email, first, last, superuser, staff_role, membership in DEMO_ACCOUNTS:
                user_id = accounts.demo_user_ensure(
                    email=email,
                    password=DEMO_PASSWORD,
                    first_name=first,
                    last_name=last,
                    is_superuser=superuser,
                    staff_role=staff_role,
                )
                user_ids[email] = user_id
                if membership:
                    slug, role = membership
                    accounts.demo_membership_ensure(
                        user_id=user_id, organization_id=org_ids[slug], role=role
                    )
        companies = directory.demo_company_names(scale=scale)
        company_ids = accounts.demo_organizations_bulk_ensure(
            [(slug, name, "company") for slug, name in companies]
        )
        names = dict(companies)
        pros = directory.demo_pros_ensure(
            organizations={slug: (company_ids[slug], names[slug]) for slug in names}
        )
        self.stdout.write(
            f"Directory: {len(pros)} new pro profile(s) ({time.monotonic() - started:.1f} s)"
        )
        step = time.monotonic()
        all_pros = directory.pros_by_slugs(list(names))
        seeded = reviews.demo_seed(
            pros={slug: ref.id for slug, ref in all_pros.items()},
            scale=scale,
            detailed=tuple(slug for slug, _name, kind in DEMO_ORGANIZATIONS if kind == "company"),
        )
        self.stdout.write(
            f"Reviews: {seeded['reviews']} new review(s) for {seeded['pros']} pro(s) "
            f"({time.monotonic() - step:.1f} s)"
        )
        quotes_started = time.monotonic()
        added = quotes.demo_seed(
            scale=scale,
            advisor_user_ids=[user_ids["conseiller@eldo.test"], user_ids["admin@eldo.test"]],
            pro_slugs=list(names),
        )
        self.stdout.write(
            f"Quotes: {added} new request(s) at every status "
            f"({time.monotonic() - quotes_started:.1f} s)"
        )
        leads_added = leads.demo_seed(
            scale=scale,
            company_slug="facades-du-midi",
            sales_rep_user_id=user_ids["commercial@eldo.test"],
            network_id=org_ids["reseau-confort-habitat"],
            installer_slugs=list(names)[:8],
        )
        self.stdout.write(f"Leads: {leads_added} new lead(s) at every status")
        step = time.monotonic()
        stats_rows = stats.demo_seed(
            company_slug="facades-du-midi",
            member_user_ids=[user_ids["commercial@eldo.test"], user_ids["pro@eldo.test"]],
            network_id=org_ids["reseau-confort-habitat"],
            installer_slugs=list(names)[:8],
        )
        self.stdout.write(
            f"Stats: {stats_rows} daily row(s) backfilled over 12 months "
            f"({time.monotonic() - step:.1f} s)"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready (scale {scale}). Accounts: "
                + ", ".join(a[0] for a in DEMO_ACCOUNTS)
                + f" — password {DEMO_PASSWORD}"
            )
        )
