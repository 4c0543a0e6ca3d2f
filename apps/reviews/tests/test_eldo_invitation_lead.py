"""Eldo's own invitation tied to a lead: once per lead, whatever the number of calls."""

from datetime import date

import pytest

from apps.reviews import api as reviews_api
from apps.reviews.models import ReviewInvitation

pytestmark = pytest.mark.django_db


def test_an_eldo_invitation_is_tied_to_its_lead_once(pro, committed, mailoutbox):
    def invite():
        return reviews_api.eldo_review_request_create(
            pro_id=pro.id,
            organization_id=pro.organization_id,
            customer_name="Jeanne Client",
            customer_email="jeanne@exemple.fr",
            work_description="Ravalement (demande transmise par Eldo)",
            work_date=date.today(),
            lead_id=4242,
        )

    with committed():
        first = invite()
    with committed():
        again = invite()
    assert first == again
    invitation = ReviewInvitation.objects.get()
    assert (invitation.lead_id, invitation.source) == (4242, "eldo")
    assert len(mailoutbox) == 1
