"""The staff admin shows the requests read-only, with their calls and audit trail."""

import pytest

from apps.quotes import services

pytestmark = pytest.mark.django_db


def test_a_worked_request_shows_in_the_admin_with_its_advisor(client, staff, advisor, make_quote):
    quote = make_quote()
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    services.quote_call_log(quote_id=quote.pk, actor=advisor.actor, outcome="no_answer")
    client.force_login(staff)

    listing = client.get("/admin/quotes/quoterequest/")
    page = client.get(f"/admin/quotes/quoterequest/{quote.pk}/change/")

    assert listing.status_code == page.status_code == 200
    assert quote.reference in listing.content.decode()
    assert "Pas de réponse" in page.content.decode()
