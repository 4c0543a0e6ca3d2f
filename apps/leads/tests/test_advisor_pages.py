"""Advisors' pages of the leads: the list of leads sent to pros (overdue ones flagged), one
lead with its "Réattribuer" action, reached from the request's file in the console."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.leads.models import Lead

pytestmark = pytest.mark.django_db

LIST = "/conseiller/transmissions/"


@pytest.fixture
def overdue_lead(dispatch, facade_pros, midi_team, garonne_owner, mailoutbox):
    quote = dispatch(["facades-du-midi"])
    lead = Lead.objects.get(quote_id=quote.pk)
    Lead.objects.filter(pk=lead.pk).update(created_at=timezone.now() - timedelta(hours=97))
    mailoutbox.clear()
    lead.refresh_from_db()
    return lead


def test_the_console_links_to_the_follow_up_and_the_advisor_reassigns(
    client, overdue_lead, advisor, facade_pros, garonne_owner, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    client.force_login(advisor)
    file = client.get(f"/conseiller/demandes/{overdue_lead.reference}/").content.decode()
    link = f"{LIST}?reference={overdue_lead.reference}"
    assert link in file

    listing = client.get(link)
    body = listing.content.decode()
    assert listing.status_code == 200
    assert f"{LIST}{overdue_lead.pk}/" in body and "Sans réponse" in body
    assert "Façades du Midi" in body

    page = client.get(f"{LIST}{overdue_lead.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Réattribuer" in body and 'value="enduits-de-garonne"' in body
    assert "luce" not in body.lower()  # an advisor sees the project, not the contact here

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{LIST}{overdue_lead.pk}/reattribuer/", {"pro": "enduits-de-garonne"}, follow=True
        )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Demande réattribuée à Enduits de Garonne" in body
    overdue_lead.refresh_from_db()
    assert overdue_lead.status == "expired"
    new = overdue_lead.replaced_by
    assert new.pro_id == facade_pros["garonne"].id
    assert response.redirect_chain[-1][0] == f"{LIST}{new.pk}/"
    assert any("un autre artisan va vous contacter" in m.subject for m in mailoutbox)
    assert any(m.to == [garonne_owner.email] for m in mailoutbox)

    # The old lead now says where it went and offers no second reassignment.
    old = client.get(f"{LIST}{overdue_lead.pk}/").content.decode()
    assert "Réattribuée à" in old and 'name="pro"' not in old
    # Posting again anyway: the French reason, 409, nothing created.
    again = client.post(f"{LIST}{overdue_lead.pk}/reattribuer/", {})
    assert again.status_code == 409
    assert "ne peut plus être réattribuée" in again.content.decode()
    assert Lead.objects.filter(quote_id=overdue_lead.quote_id).count() == 2


def test_a_pro_that_cannot_take_it_is_refused_with_a_message(client, overdue_lead, advisor):
    client.force_login(advisor)
    response = client.post(f"{LIST}{overdue_lead.pk}/reattribuer/", {"pro": "facades-bordelaises"})
    assert response.status_code == 400
    assert "Cet artisan ne peut pas recevoir cette demande" in response.content.decode()
    overdue_lead.refresh_from_db()
    assert overdue_lead.status == "sent"


def test_overdue_filter_and_others_get_404(client, overdue_lead, dispatch, advisor, midi_team):
    fresh = Lead.objects.get(quote_id=dispatch(["facades-du-midi"]).pk)
    client.force_login(advisor)
    body = client.get(LIST, {"retard": "1"}).content.decode()
    assert f"{LIST}{overdue_lead.pk}/" in body and f"{LIST}{fresh.pk}/" not in body
    assert client.get(LIST, {"status": "nonsense", "page": "x"}).status_code == 200
    client.force_login(midi_team["owner"])
    assert client.get(LIST).status_code == 404
    assert client.get(f"{LIST}{overdue_lead.pk}/").status_code == 404
    assert client.post(f"{LIST}{overdue_lead.pk}/reattribuer/", {}).status_code == 404
    assert Lead.objects.get(pk=overdue_lead.pk).status == "sent"


def test_the_list_runs_a_bounded_number_of_queries(
    client, dispatch, facade_pros, advisor, django_assert_max_num_queries
):
    for _ in range(6):
        dispatch(["facades-du-midi", "enduits-de-garonne"])
    client.force_login(advisor)
    with django_assert_max_num_queries(14):
        page = client.get(LIST)
    assert page.content.decode().count('class="lead-row') == 12
