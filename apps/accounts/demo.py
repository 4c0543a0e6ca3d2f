"""Demo data of the accounts context: the demo organizations and one account per role, all
with the password ``DEMO_PASSWORD``. Idempotent (keyed by slug and e-mail address); run by
``manage.py seed_demo_accounts``, itself run by the composition root's ``seed_demo``."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.accounts import services
from apps.accounts.models import User

DEMO_PASSWORD = "eldo-demo-2026"

DEMO_ORGANIZATIONS = [
    # slug, name, kind
    ("eldo", "Eldo", "eldo"),
    ("facades-du-midi", "Façades du Midi", "company"),
    ("toitures-occitanes", "Toitures Occitanes", "company"),
    ("reseau-confort-habitat", "Réseau Confort Habitat", "network"),
    # Invented manufacturers with a brand page (directory) and routing rules (leads).
    ("solvea-chaleur", "Solvéa Chaleur", "manufacturer"),
    ("vitralis-fenetres", "Vitralis Fenêtres", "manufacturer"),
    ("tuilerie-des-coteaux", "Tuilerie des Coteaux", "manufacturer"),
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
    ("marque@eldo.test", "Hélène", "Perrin", False, "", ("solvea-chaleur", "manager")),
    ("particulier@eldo.test", "Luce", "Moreau", False, "", None),
]


@transaction.atomic
def demo_seed() -> dict[str, int]:
    """Create the demo organizations, accounts and memberships once; e-mail → user id."""
    org_ids = {
        slug: services.organization_ensure(slug=slug, name=name, kind=kind).pk
        for slug, name, kind in DEMO_ORGANIZATIONS
    }
    user_ids: dict[str, int] = {}
    for email, first, last, superuser, staff_role, membership in DEMO_ACCOUNTS:
        user = services.user_ensure(
            email=email,
            password=DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            is_superuser=superuser,
            staff_role=staff_role,
        )
        user_ids[email] = user.pk
        if membership:
            slug, role = membership
            services.membership_ensure(user_id=user.pk, organization_id=org_ids[slug], role=role)
    # Demo addresses count as verified: particulier@ sees its requests in "Mes projets".
    User.objects.filter(pk__in=user_ids.values(), email_verified_at__isnull=True).update(
        email_verified_at=timezone.now()
    )
    return user_ids
