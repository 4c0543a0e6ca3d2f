"""GDPR and accountability in the quotes context: every advisor action lands in the staff
audit log; a homeowner's erasure closes and anonymises their requests; anonymisation,
by erasure or retention, is announced so that the leads context drops its copies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.events import UserErased
from apps.core.events import publish
from apps.core.models import OutboxEvent
from apps.core.privacy import email_digest
from apps.quotes import services
from apps.quotes.models import QuoteRequest, QuoteStatus, QuoteTransition
from apps.quotes.tests.conftest import qualify_changes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]

BASE = "/api/v1/quotes/"


def _journal(staff) -> str:
    client = Client()
    client.force_login(staff)
    response = client.get("/eldo/journal/")
    assert response.status_code == 200
    return response.content.decode()


def test_each_advisor_action_is_in_the_audit_log_with_its_author(
    make_quote, advisor, staff, api_as, facade_pros, django_capture_on_commit_callbacks
):
    worked = make_quote()
    rejected = make_quote()
    api = api_as(advisor)

    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"{BASE}{worked.reference}/claim/").status_code == 200
        call = api.post(f"{BASE}{worked.reference}/calls/", {"outcome": "reached"}, format="json")
        assert call.status_code == 201
        qualify = api.post(f"{BASE}{worked.reference}/qualify/", qualify_changes(), format="json")
        assert qualify.status_code == 200
        dispatch = api.post(
            f"{BASE}{worked.reference}/dispatch/", {"pros": ["facades-du-midi"]}, format="json"
        )
        assert dispatch.status_code == 200
        reject = api.post(f"{BASE}{rejected.reference}/reject/", {"reason": "spam"}, format="json")
        assert reject.status_code == 200

    html = _journal(staff)
    for label in (
        "Demande prise en charge",
        "Appel noté",
        "Demande qualifiée",
        "Demande transmise aux artisans",
        "Demande refusée",
    ):
        assert label in html
    assert html.count(worked.reference) == 4
    assert rejected.reference in html
    assert "Camille Durand" in html
    assert "Demande refusée : Demande frauduleuse ou indésirable" in html
    assert "Prise en charge (la demande était « Reçue »)" in html


def test_erasure_closes_open_requests_and_anonymises_every_request_of_the_address(
    make_quote, advisor, django_capture_on_commit_callbacks
):
    mine_new = make_quote(email="luce.moreau@exemple.fr")
    mine_worked = make_quote(email="luce.moreau@exemple.fr", kind="callback")
    services.quote_claim(quote_id=mine_worked.pk, actor=advisor.actor)
    someone_else = make_quote(email="marc@exemple.fr")

    with django_capture_on_commit_callbacks(execute=True):
        publish(
            UserErased(
                user_id=999, email_sha256=email_digest("luce.moreau@exemple.fr"), erased_at=""
            )
        )

    for quote in QuoteRequest.objects.filter(pk__in=[mine_new.pk, mine_worked.pk]):
        assert quote.status == QuoteStatus.REJECTED
        assert quote.rejection_reason == "cancelled"
        assert quote.next_call_at is None
        assert (quote.first_name, quote.email, quote.phone, quote.description) == ("", "", "", "")
        assert quote.anonymised_at is not None
    assert QuoteTransition.objects.filter(
        quote_id=mine_worked.pk, to_status="rejected", note__contains="RGPD"
    ).exists()
    assert QuoteRequest.objects.get(pk=someone_else.pk).email == "marc@exemple.fr"
    assert QuoteRequest.objects.get(pk=someone_else.pk).status == QuoteStatus.NEW


def test_an_erased_open_request_counts_as_cancelled_and_nobody_is_written_to(
    make_quote, advisor, staff, django_capture_on_commit_callbacks, mailoutbox
):
    quote = make_quote(email="luce.moreau@exemple.fr")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publish(
            UserErased(
                user_id=999, email_sha256=email_digest("luce.moreau@exemple.fr"), erased_at=""
            )
        )

    rejected = OutboxEvent.objects.get(name="quotes.QuoteRejected")
    assert rejected.payload["quote_id"] == quote.pk
    assert rejected.payload["reason"] == "cancelled" and rejected.payload["advisor_id"] is None
    assert mailoutbox == []
    journal = _journal(staff)
    assert "Demande refusée" in journal and quote.reference in journal


def test_an_erased_request_leaves_the_advisors_queue(
    make_quote, advisor, django_capture_on_commit_callbacks
):
    quote = make_quote(email="luce.moreau@exemple.fr")
    with django_capture_on_commit_callbacks(execute=True):
        publish(
            UserErased(
                user_id=999, email_sha256=email_digest("luce.moreau@exemple.fr"), erased_at=""
            )
        )
    client = Client()
    client.force_login(advisor)

    html = client.get("/conseiller/demandes/").content.decode()

    assert quote.reference not in html


def test_anonymisation_is_announced_for_retention_and_erasure(
    make_quote, django_capture_on_commit_callbacks
):
    old = make_quote()
    QuoteRequest.objects.filter(pk=old.pk).update(
        last_activity_at=timezone.now() - timedelta(days=2000)
    )
    services.quotes_anonymise_inactive()
    mine = make_quote(email="luce.moreau@exemple.fr")
    services.quotes_erase_for_contact(email_sha256=email_digest("Luce.Moreau@exemple.fr"))

    events = OutboxEvent.objects.filter(name="quotes.QuoteRequestsAnonymised").order_by(
        "created_at"
    )
    assert [(e.payload["quote_ids"], e.payload["reason"]) for e in events] == [
        ([old.pk], "retention"),
        ([mine.pk], "erasure"),
    ]
    # nothing left to erase: no second announcement
    assert (
        services.quotes_erase_for_contact(email_sha256=email_digest("luce.moreau@exemple.fr")) == []
    )
    assert events.count() == 2
