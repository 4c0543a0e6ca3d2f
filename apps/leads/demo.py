"""Demo data of the leads context: the demo network with installers and routing rules, and
leads at every status for the demo company (some assigned to its sales rep). Idempotent:
keyed by the network's external ids."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from apps.directory import api as directory
from apps.leads.models import (
    ContactCheck,
    Lead,
    LeadSource,
    LeadStatus,
    LeadTransition,
    NetworkInstaller,
    UnroutedLead,
)
from apps.quotes import api as quotes

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
    LeadStatus.APPOINTMENT: [LeadStatus.VIEWED, LeadStatus.CONTACTED, LeadStatus.APPOINTMENT],
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
    LeadStatus.APPOINTMENT: "appointment_at",
    LeadStatus.QUOTE_SENT: "quote_sent_at",
}
WITH_QUOTE = (LeadStatus.QUOTE_SENT, LeadStatus.WON, LeadStatus.LOST)
REASON_CODES = {
    LeadStatus.LOST: ("competitor", "Client parti chez un concurrent"),
    LeadStatus.DECLINED: ("out_of_area", "Hors zone"),
}


def _value(lead: Lead, rng: random.Random) -> None:
    """Amounts in euros (a quote of 3,000 to 40,000 €, won at that price) and the reason
    codes of refusals and losses, so that the statistics show pipeline and revenue."""
    if lead.status in WITH_QUOTE:
        lead.quote_amount = rng.randint(30, 400) * 100
    if lead.status == LeadStatus.WON:
        lead.won_amount = lead.quote_amount
    if lead.status in REASON_CODES:
        lead.reason_code, lead.reason = REASON_CODES[lead.status]


def _contact_check(lead: Lead, rng: random.Random, now: datetime) -> None:
    """The homeowner's answer to "L'artisan vous a-t-il contacté ?" 48 h after dispatch:
    mostly "oui", some "non" (the advisors' transmissions page shows them), some silent."""
    asked_at = lead.created_at + timedelta(hours=48)
    if asked_at > now:
        return
    if lead.status in (LeadStatus.DECLINED, LeadStatus.EXPIRED):
        lead.contact_check = ContactCheck.SKIPPED
        return
    lead.contact_check_asked_at = lead.contact_check_sent_at = asked_at
    draw = rng.random()
    if draw < 0.2:
        lead.contact_check = ContactCheck.ASKED
        return
    if lead.contacted_at is None:  # the pro never said it called
        lead.contact_check = ContactCheck.NO
    elif lead.contacted_at <= asked_at or draw < 0.85:
        lead.contact_check = ContactCheck.YES
    else:
        lead.contact_check = ContactCheck.NO
    lead.contact_check_answered_at = min(now, asked_at + timedelta(hours=rng.randint(1, 20)))


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
    # A heating lead: the company's rule says "tous métiers" but it does façades only, so
    # routing left it in the network's "à router" queue (its dashboard shows it).
    UnroutedLead.objects.get_or_create(
        network_id=network_id,
        external_id="RCH-CHAUFFAGE-1",
        defaults={
            "created_at": timezone.now() - timedelta(hours=3),
            "alerted_at": timezone.now() - timedelta(hours=3),
            "data": {
                "external_id": "RCH-CHAUFFAGE-1",
                "category_slug": "chauffage",
                "postcode": company.postcode,
                "department_code": company.department_code,
                "commune_name": "",
                "first_name": "Gérard",
                "last_name": "Fabre",
                "email": "gerard.fabre@exemple.fr",
                "phone": "+33612349876",
                "description": "Remplacement d'une chaudière fioul par une pompe à chaleur.",
            },
        },
    )
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
                    LeadStatus.EXPIRED: "Sans réponse dans les délais",
                }.get(status, "")
            _value(lead, rng)
            lead.save()
            LeadTransition.objects.bulk_create(
                LeadTransition(lead=lead, from_status=a, to_status=b, at=at)
                for a, b, at in transitions
            )
            added += 1
    first = Lead.objects.filter(network_id=network_id).order_by("pk").first()
    _webhook_seed(network_id=network_id, lead_id=first.pk if first else None)
    added += _dispatched_leads_seed(
        rng=rng, now=now, company_id=company.id, sales_rep_user_id=sales_rep_user_id
    )
    return added + _inbox_volume_seed(
        now=now,
        company=company,
        sales_rep_user_id=sales_rep_user_id,
        network_id=network_id,
        target=COMPANY_LEADS.get(scale, 0),
    )


# The demo company's inbox at scale: the benchmark measures the signed-in pages of the
# largest pro (its inbox, dashboard and statistics) with this many leads.
COMPANY_LEADS = {"small": 0, "1x": 500, "10x": 5_000}


def _inbox_volume_seed(
    *, now, company, sales_rep_user_id: int, network_id: int, target: int
) -> int:
    """Network leads for the demo company until it has ``target`` leads, over the last 12
    months, in bulk (external ids ``RCH-VOL-<n>``: idempotent)."""
    missing = target - Lead.objects.filter(pro_id=company.id).count()
    if missing <= 0:
        return 0
    rng = random.Random(f"inbox-{target}")
    check_rng = random.Random(f"inbox-check-{target}")
    taken = Lead.objects.filter(network_id=network_id, external_id__startswith="RCH-VOL-").count()
    leads = []
    for n in range(taken, taken + missing):
        created = now - timedelta(minutes=rng.randint(60, 365 * 24 * 60))
        status = LeadStatus(_dispatched_lead_status(rng, (now - created).total_seconds() / 86400))
        category, description = rng.choice(PROJECTS)
        external_id = f"RCH-VOL-{n + 1}"
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
            email=f"client.vol.{n + 1}@exemple.fr",
            phone=f"+3361235{rng.randint(1000, 9999)}",
            status=status,
            created_at=created,
            notified_at=created,
            assigned_to_id=sales_rep_user_id if rng.random() < 0.4 else None,
        )
        moment = created
        for step in PATHS[status]:
            moment = min(now, moment + timedelta(hours=rng.randint(1, 30)))
            if step in TIMESTAMPS:
                setattr(lead, TIMESTAMPS[step], moment)
        if status in (LeadStatus.WON, LeadStatus.LOST, LeadStatus.DECLINED):
            lead.closed_at = moment
        _value(lead, rng)
        _contact_check(lead, check_rng, now)
        leads.append(lead)
    Lead.objects.bulk_create(leads, batch_size=2_000)
    return len(leads)


def _dispatched_lead_status(rng: random.Random, age_days: float) -> str:
    """Older leads have gone further, as in real life."""
    if age_days < 2:
        return rng.choice([LeadStatus.SENT, LeadStatus.SENT, LeadStatus.VIEWED])
    if age_days < 14:
        return rng.choice(
            [LeadStatus.VIEWED, LeadStatus.CONTACTED, LeadStatus.APPOINTMENT, LeadStatus.QUOTE_SENT]
        )
    return rng.choice([LeadStatus.QUOTE_SENT, LeadStatus.WON, LeadStatus.LOST, LeadStatus.DECLINED])


def _dispatched_leads_seed(
    *, rng: random.Random, now, company_id: int, sales_rep_user_id: int
) -> int:
    """One lead per dispatch of the demo requests (quotes' demo data), in bulk; a request
    already seeded keeps its leads (unique (quote_id, pro_id), conflicts ignored)."""

    rows = quotes.quote_dispatches(channel="demo")
    existing = set(
        Lead.objects.filter(quote_id__in={r["quote_id"] for r in rows}).values_list(
            "quote_id", "pro_id"
        )
    )
    rows = [r for r in rows if (r["quote_id"], r["pro_id"]) not in existing]
    pros: dict = {}
    pro_ids = sorted({r["pro_id"] for r in rows})
    for start in range(0, len(pro_ids), 5_000):
        pros.update(directory.pros_by_ids(pro_ids[start : start + 5_000]))
    leads = []
    check_rng = random.Random(15)  # its own draws: the leads' statuses stay as they were
    for row in rows:
        pro = pros.get(row["pro_id"])
        if pro is None:
            continue
        created = datetime.fromisoformat(row["dispatched_at"])
        status = _dispatched_lead_status(rng, (now - created).total_seconds() / 86400)
        lead = Lead(
            source=LeadSource.QUOTE,
            quote_id=row["quote_id"],
            reference=row["reference"],
            pro_id=pro.id,
            organization_id=pro.organization_id,
            advisor_id=row["advisor_id"],
            category_slug=row["category_slug"],
            postcode=row["postcode"],
            department_code=row["department_code"],
            description=row["description"],
            status=status,
            created_at=created,
            notified_at=created,
            assigned_to_id=(
                sales_rep_user_id if pro.id == company_id and rng.random() < 0.4 else None
            ),
        )
        moment = created
        for step in PATHS[status]:
            moment = min(now, moment + timedelta(hours=rng.randint(1, 30)))
            if step in TIMESTAMPS:
                setattr(lead, TIMESTAMPS[step], moment)
        if status in (LeadStatus.WON, LeadStatus.LOST, LeadStatus.DECLINED):
            lead.closed_at = moment
        _value(lead, rng)
        _contact_check(lead, check_rng, now)
        leads.append(lead)
    Lead.objects.bulk_create(leads, batch_size=2_000, ignore_conflicts=True)
    return len(leads)


def _webhook_seed(*, network_id: int, lead_id: int | None) -> None:
    """The demo network's webhook (Webhooks page) with a delivery log: one delivered, one
    failed after a 500 ("Rejouer"). Disabled: the demo has no receiver to call."""
    import json
    import uuid

    from apps.leads.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

    endpoint, _created = WebhookEndpoint.objects.get_or_create(
        network_id=network_id,
        url="https://crm.reseau-confort.example/eldo",
        defaults={
            "secret": "whsec_demo",
            "is_active": False,
            "created_at": timezone.now() - timedelta(days=7),
        },
    )
    if lead_id is None or endpoint.deliveries.exists():
        return
    now = timezone.now()
    for n, (event_type, status, code) in enumerate(
        [("lead.created", "succeeded", 200), ("lead.status_changed", "failed", 500)]
    ):
        event_id = uuid.uuid5(uuid.NAMESPACE_URL, f"eldo-demo-webhook-{n}")
        at = now - timedelta(days=2 - n)
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_id=event_id,
            event_type=event_type,
            lead_id=lead_id,
            body=json.dumps({"id": str(event_id), "type": event_type, "data": {}}),
            status=status,
            attempts=1 if code == 200 else 13,
            last_response_code=code,
            last_error="" if code == 200 else "Réponse HTTP 500",
            created_at=at,
            delivered_at=at if code == 200 else None,
        )
        WebhookAttempt.objects.create(
            delivery=delivery,
            at=at,
            response_code=code,
            error="" if code == 200 else "Réponse HTTP 500",
            duration_ms=120,
        )


def demo_brand_rules_seed(*, brand_ids: list[int]) -> int:
    """Each demo brand's routing rules: one per certified installer, on its own
    département (idempotent; a rule the brand changed is left as it is). Returns how many
    rules were added."""
    added = 0
    for brand_id in brand_ids:
        for pro in directory.pros_in_network(brand_id, published_only=True):
            _rule, created = NetworkInstaller.objects.get_or_create(
                network_id=brand_id,
                pro_id=pro.id,
                defaults={"department_codes": [pro.department_code]},
            )
            added += created
    return added
