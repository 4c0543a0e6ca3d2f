"""Dispatch: one lead per chosen pro, idempotent, e-mails once, capacity and fairness."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.core import outbox
from apps.core.models import OutboxEvent
from apps.directory import api as directory
from apps.directory.models import ProLeadLoad
from apps.leads.models import Lead
from apps.quotes.models import QuoteRequest

pytestmark = pytest.mark.django_db


def _pro_mails(mailoutbox):
    return [m for m in mailoutbox if m.subject.startswith("Nouvelle demande de devis")]


def test_dispatch_creates_one_lead_per_pro_and_mails_each_pro_once(
    dispatch, facade_pros, midi_team, garonne_owner, mailoutbox
):
    quote = dispatch(["facades-du-midi", "enduits-de-garonne"])
    leads = Lead.objects.filter(quote_id=quote.pk)
    assert {lead.pro_id for lead in leads} == {facade_pros["midi"].id, facade_pros["garonne"].id}
    assert all(lead.status == "sent" and lead.notified_at for lead in leads)
    pro_mails = _pro_mails(mailoutbox)
    assert len(pro_mails) == 2
    midi_mail = next(m for m in pro_mails if "philippe@facades-du-midi.fr" in m.to)
    assert set(midi_mail.to) == {
        "philippe@facades-du-midi.fr",
        "sophie@facades-du-midi.fr",
        "karim@facades-du-midi.fr",
    }
    assert f"/espace-pro/demandes/{leads.get(pro_id=facade_pros['midi'].id).pk}/" in midi_mail.body
    assert "luce" not in midi_mail.body.lower()  # the contact waits in the back office
    # The homeowner is told who will contact them (quotes' e-mail).
    assert any("transmis à des artisans" in m.subject for m in mailoutbox)
    # The directory counts the load (capacity, fairness).
    load = ProLeadLoad.objects.get(pro_id=facade_pros["midi"].id)
    assert load.leads_this_month == 1 and load.last_served_at is not None


def test_double_dispatch_and_redelivery_create_nothing_twice(
    dispatch,
    advisor,
    facade_pros,
    midi_team,
    mailoutbox,
    api_as,
    django_capture_on_commit_callbacks,
):
    quote = dispatch(["facades-du-midi"])
    # The advisor clicks again (idempotent on the quotes side)...
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(advisor).post(
            f"/api/v1/quotes/{quote.reference}/dispatch/",
            {"pros": ["facades-du-midi"]},
            format="json",
        )
    assert response.status_code == 200
    # ...and the relay redelivers every event (sweep after a lost ack): no effect.
    for event in OutboxEvent.objects.all():
        OutboxEvent.objects.filter(pk=event.pk).update(delivered_at=None)
        outbox.deliver(event.pk)
    # Even a second dispatch event for the same request finds the leads already there.
    from apps.leads import services

    services.leads_dispatch_for_quote(
        quote_id=quote.pk, pro_ids=[facade_pros["midi"].id], advisor_id=advisor.pk
    )
    assert Lead.objects.filter(quote_id=quote.pk).count() == 1
    assert len(_pro_mails(mailoutbox)) == 1
    assert ProLeadLoad.objects.get(pro_id=facade_pros["midi"].id).leads_this_month == 1
    assert OutboxEvent.objects.filter(name="leads.LeadDispatched").count() == 1


def test_a_pro_without_capacity_is_refused_and_nothing_is_created(
    dispatch, make_quote, advisor, facade_pros, api_as
):
    from apps.quotes import services as quote_services

    pro = facade_pros["midi"]
    pro.monthly_lead_cap = 1
    pro.save(update_fields=["monthly_lead_cap"])
    ProLeadLoad.objects.create(
        pro=pro, month=timezone.localdate().replace(day=1), leads_this_month=1
    )
    quote = make_quote()
    quote_services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    quote_services.quote_qualify(quote_id=quote.pk, actor=advisor.actor, changes={})
    response = api_as(advisor).post(
        f"/api/v1/quotes/{quote.reference}/dispatch/",
        {"pros": ["facades-du-midi", "enduits-de-garonne"]},
        format="json",
    )
    assert response.status_code == 409
    assert "plafond" in response.json()["detail"]
    assert QuoteRequest.objects.get(pk=quote.pk).status == "qualified"
    assert not Lead.objects.exists()


def test_matching_skips_full_pros_and_serves_equal_scores_least_recently_first(facade_pros):
    lauragais = facade_pros["lauragais"]
    month = timezone.localdate().replace(day=1)
    # Two unrated pros (equal scores): the one served recently goes after the other.
    garonne = facade_pros["garonne"]
    garonne.rating.delete()
    ProLeadLoad.objects.create(
        pro=garonne, month=month, leads_this_month=1, last_served_at=timezone.now()
    )
    slugs = [m.pro.slug for m in directory.pros_matching(category_slug="facade", postcode="31000")]
    assert slugs.index("facades-du-lauragais") < slugs.index("enduits-de-garonne")
    match = next(
        m
        for m in directory.pros_matching(category_slug="facade", postcode="31000")
        if m.pro.slug == "enduits-de-garonne"
    )
    assert "Capacité restante : 19 ce mois-ci" in match.reasons
    # At capacity: not suggested at all. An old month does not count.
    lauragais.monthly_lead_cap = 2
    lauragais.save(update_fields=["monthly_lead_cap"])
    ProLeadLoad.objects.create(pro=lauragais, month=month, leads_this_month=2)
    slugs = [m.pro.slug for m in directory.pros_matching(category_slug="facade", postcode="31000")]
    assert "facades-du-lauragais" not in slugs
    ProLeadLoad.objects.filter(pro=lauragais).update(month=month.replace(year=month.year - 1))
    slugs = [m.pro.slug for m in directory.pros_matching(category_slug="facade", postcode="31000")]
    assert "facades-du-lauragais" in slugs
    assert directory.pro_capacities([lauragais.id])[lauragais.id].remaining == 2
