"""Demo data of the leads context: the demo network with installers and routing rules, and
leads at every status for the demo company (some assigned to its sales rep). Idempotent:
keyed by the network's external ids."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.directory import api as directory
from apps.leads.models import Lead, LeadSource, LeadStatus, LeadTransition, NetworkInstaller

PROJECTS = [
    ("facade", "Ravalement de façade d'une maison de ville, fissures à reprendre."),
    ("isolation-exterieure", "Isolation thermique par l'extérieur d'un pavillon des années 70."),
    ("peinture", "Peinture des volets et des boiseries extérieures."),
]
FIRST_NAMES = ["Luc", "Amandine", "Karim", "Élodie", "Bernard", "Chloé", "Yannick", "Inès"]
LAST_NAMES = ["Roche", "Benoît", "Haddad", "Marty", "Costes", "Vidal", "Lagarde", "Rey"]
# Path through the lifecycle for each final status.
PATHS = {
    LeadStatus.SENT: [],
    LeadStatus.VIEWED: [LeadStatus.VIEWED],
    LeadStatus.CONTACTED: [LeadStatus.VIEWED, LeadStatus.CONTACTED],
    LeadStatus.QUOTE_SENT: [LeadStatus.VIEWED, LeadStatus.CONTACTED, LeadStatus.QUOTE_SENT],
    LeadStatus.WON: [
        LeadStatus.VIEWED,
        LeadStatus.CONTACTED,
        LeadStatus.QUOTE_SENT,
        LeadStatus.WON,
    ],
    LeadStatus.LOST: [
        LeadStatus.VIEWED,
        LeadStatus.CONTACTED,
        LeadStatus.QUOTE_SENT,
        LeadStatus.LOST,
    ],
    LeadStatus.DECLINED: [LeadStatus.VIEWED, LeadStatus.DECLINED],
    LeadStatus.EXPIRED: [LeadStatus.EXPIRED],
}
TIMESTAMPS = {
    LeadStatus.VIEWED: "viewed_at",
    LeadStatus.CONTACTED: "contacted_at",
    LeadStatus.QUOTE_SENT: "quote_sent_at",
}


@transaction.atomic
def demo_seed(
    *,
    scale: str,
    company_slug: str,
    sales_rep_user_id: int,
    network_id: int,
    installer_slugs: list[str],
) -> int:
    rng = random.Random(6)
    pros = directory.pros_by_slugs([company_slug, *installer_slugs])
    for slug, pro in pros.items():
        NetworkInstaller.objects.get_or_create(
            network_id=network_id,
            pro_id=pro.id,
            defaults={
                "department_codes": [pro.department_code],
                "category_slugs": [] if slug == company_slug else ["facade", "peinture"],
            },
        )
    company = pros.get(company_slug)
    if company is None:
        return 0
    per_status = {"small": 3, "1x": 6, "10x": 12}.get(scale, 3)
    now = timezone.now()
    added = 0
    for status, path in PATHS.items():
        for n in range(per_status):
            external_id = f"RCH-{status}-{n + 1}"
            if Lead.objects.filter(network_id=network_id, external_id=external_id).exists():
                continue
            category, description = rng.choice(PROJECTS)
            created = now - timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 23))
            if status == LeadStatus.SENT:
                created = now - timedelta(hours=rng.randint(1, 30))
            lead = Lead(
                source=LeadSource.INBOUND,
                network_id=network_id,
                external_id=external_id,
                reference=external_id,
                pro_id=company.id,
                organization_id=company.organization_id,
                category_slug=category,
                postcode=company.postcode,
                department_code=company.department_code,
                description=description,
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                email=f"client.{status}.{n + 1}@exemple.fr",
                phone=f"+3361234{rng.randint(1000, 9999)}",
                status=status,
                created_at=created,
                notified_at=created,
                assigned_to_id=sales_rep_user_id if n % 2 == 0 and path else None,
            )
            moment = created
            transitions = []
            previous = LeadStatus.SENT
            for step in path:
                moment = moment + timedelta(hours=rng.randint(1, 30))
                if step in TIMESTAMPS:
                    setattr(lead, TIMESTAMPS[step], moment)
                transitions.append((previous, step, moment))
                previous = step
            if status in (LeadStatus.WON, LeadStatus.LOST, LeadStatus.DECLINED, LeadStatus.EXPIRED):
                lead.closed_at = moment
                lead.reason = {
                    LeadStatus.LOST: "Client parti chez un concurrent",
                    LeadStatus.DECLINED: "Hors de notre zone cette saison",
                    LeadStatus.EXPIRED: "Sans réponse dans les délais",
                }.get(status, "")
            lead.save()
            LeadTransition.objects.bulk_create(
                LeadTransition(lead=lead, from_status=a, to_status=b, at=at)
                for a, b, at in transitions
            )
            added += 1
    return added
