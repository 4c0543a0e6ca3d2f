"""The leads context's public interface: plain data in, plain data out.

The stats context reacts to the leads' events.
"""

from __future__ import annotations

from datetime import datetime

from apps.core.actor import Actor


def dashboard_leads(*, actor: Actor, organization_id: int, now: datetime | None = None) -> dict:
    """The pro dashboard's leads for this actor (the page's, already read: no query for
    who they are): those of the company (a sales rep: its own) still waiting
    for a first contact, oldest first, each as plain data — id, reference, client name,
    commune, trade, status and its French label, received_at, deadline_at (received +
    LEADS_FIRST_CONTACT_HOURS), overdue, hours_left (negative: hours late), url — the ten
    oldest; plus ``count`` (how many wait) and ``overdue`` (how many are late), and
    ``hours`` (the delay). A constant number of queries."""
    from django.urls import reverse
    from django.utils import timezone

    from apps.leads import selectors, services

    now = now or timezone.now()
    # The pro's own dashboard: what its memberships show, not what staff powers would.
    actor = actor.without_staff_powers()
    leads = selectors.to_contact(actor=actor, organization_id=organization_id)
    people = selectors.lead_people(leads)
    names = selectors.category_names()
    delay = services.first_contact_delay()
    rows = []
    for lead in leads:
        deadline = lead.created_at + delay
        rows.append(
            {
                "id": lead.pk,
                "reference": lead.reference,
                "name": people[lead.pk]["name"],
                "commune": people[lead.pk]["commune"],
                "postcode": lead.postcode,
                "category_name": names.get(lead.category_slug, lead.category_slug),
                "status": lead.status,
                "status_label": str(lead.get_status_display()),
                "received_at": lead.created_at,
                "deadline_at": deadline,
                "overdue": deadline <= now,
                "hours_left": int((deadline - now).total_seconds() // 3600),
                "url": reverse("leads-backoffice:detail", args=[lead.pk]),
            }
        )
    counts = selectors.to_contact_counts(
        actor=actor, organization_id=organization_id, overdue_before=now - delay
    )
    return {
        "leads": rows,
        "count": counts["total"],
        "overdue": counts["overdue"],
        "hours": int(delay.total_seconds() // 3600),
    }


def contact_confirmations(quote_ids: list[int]) -> dict[int, dict[int, str]]:
    """{quote_id: {pro_id: "yes" | "no" | ""}}: did the homeowner confirm that the pro
    contacted them ("contact confirmé" / "non confirmé"; "" not answered), one query."""
    from apps.leads.homeowner import contact_confirmations as read

    answers: dict[int, dict[int, str]] = {}
    for (quote_id, pro_id), answer in read(list(quote_ids)).items():
        answers.setdefault(quote_id, {})[pro_id] = answer
    return answers
