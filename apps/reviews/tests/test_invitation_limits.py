"""Limits on review invitations: who may import a CSV, a daily quota per organization, one
invitation per customer per pro per 90 days, no links nor addresses in the texts Eldo's
e-mail repeats."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.reviews.models import InvitationPolicy, ReviewInvitation
from apps.reviews.tests.support import invite, work_date

pytestmark = pytest.mark.django_db

URL = "/api/v1/review-requests/"
HEADER = "customer_name;customer_email;work_description;work_date\n"


def _request(**overrides) -> dict:
    return {
        "customer_name": "Jeanne Dupuis",
        "customer_email": "jeanne.dupuis@exemple.fr",
        "work_description": "Ravalement de façade",
        "work_date": work_date(20),
        **overrides,
    }


def _csv(rows: list[str]):
    content = HEADER + "".join(f"{row}\n" for row in rows)
    return SimpleUploadedFile("clients.csv", content.encode(), content_type="text/csv")


def _rows(n: int, *, start: int = 0) -> list[str]:
    return [
        f"Client {i};client{i}@exemple.fr;Ravalement;{work_date(10)}"
        for i in range(start, start + n)
    ]


# --- The exploit: a sales rep mass-mailing arbitrary people under Eldo's name ---------------


def test_a_sales_rep_may_not_import_a_csv(as_user, sales_rep, committed, mailoutbox):
    with committed():
        response = as_user(sales_rep).post(
            f"{URL}bulk/", {"file": _csv(_rows(3))}, format="multipart"
        )
    assert response.status_code == 403
    assert not ReviewInvitation.objects.exists()
    assert mailoutbox == []


def test_the_sales_rep_gets_no_csv_form_in_the_back_office(client, sales_rep, owner):
    client.force_login(sales_rep)
    page = client.get("/espace-pro/invitations/").content.decode()
    assert 'action="/espace-pro/invitations/importer/"' not in page
    response = client.post("/espace-pro/invitations/importer/", {"file": _csv(_rows(2))})
    assert response.status_code == 404
    assert not ReviewInvitation.objects.exists()

    client.force_login(owner)
    assert (
        'action="/espace-pro/invitations/importer/"'
        in client.get("/espace-pro/invitations/").content.decode()
    )


@pytest.mark.parametrize(
    "text",
    [
        "Vous avez gagné un iPhone ! http://cadeau.example/iphone",
        "Réclamez votre lot sur www.cadeau-gratuit.fr",
        "Écrivez à gagnant@cadeau.example pour réclamer",
        "Voir bit.ly/xyz123",
        "Rendez-vous sur cadeaux-gratuits.com",
    ],
)
def test_links_and_addresses_in_the_work_description_are_refused(as_user, owner, text):
    response = as_user(owner).post(URL, _request(work_description=text), format="json")
    assert response.status_code == 400, response.content
    assert "lien" in response.json()["work_description"][0]
    assert not ReviewInvitation.objects.exists()


def test_a_link_in_the_customer_name_is_refused_too(as_user, owner):
    response = as_user(owner).post(
        URL, _request(customer_name="Gagnant http://x.example"), format="json"
    )
    assert response.status_code == 400
    assert "customer_name" in response.json()


def test_a_csv_row_with_a_link_is_skipped_with_its_line(as_user, owner, committed):
    rows = [
        f"Jeanne;jeanne@exemple.fr;Vous avez gagné un iPhone ! http://x.example;{work_date(5)}",
        f"Marc;marc@exemple.fr;Peinture des volets;{work_date(5)}",
    ]
    with committed():
        report = as_user(owner).post(f"{URL}bulk/", {"file": _csv(rows)}, format="multipart").json()
    assert report["created"] == 1
    assert report["skipped"][0]["line"] == 2
    assert "work_description" in report["skipped"][0]["errors"]


def test_plain_descriptions_with_dots_and_numbers_are_fine(as_user, owner, committed):
    with committed():
        response = as_user(owner).post(
            URL,
            _request(
                work_description="Ravalement 120 m2, enduit à la chaux.De plus, fin le 12.03."
            ),
            format="json",
        )
    assert response.status_code == 201, response.content


# --- One invitation per customer per pro per 90 days ----------------------------------------


def test_the_same_customer_is_not_invited_twice_within_90_days(as_user, owner, pro, committed):
    first, _token = invite(pro, email="jeanne.dupuis@exemple.fr")
    ReviewInvitation.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(days=60),
        expires_at=timezone.now() - timedelta(days=30),
    )
    again = as_user(owner).post(URL, _request(), format="json")
    assert again.status_code == 400
    assert "90 jours" in again.json()["customer_email"][0]

    ReviewInvitation.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(days=91)
    )
    with committed():
        assert as_user(owner).post(URL, _request(), format="json").status_code == 201


def test_a_csv_skips_customers_invited_within_90_days(as_user, owner, pro, committed):
    invite(pro, email="client0@exemple.fr")
    with committed():
        report = (
            as_user(owner).post(f"{URL}bulk/", {"file": _csv(_rows(2))}, format="multipart").json()
        )
    assert report["created"] == 1
    assert report["skipped"][0]["line"] == 2
    assert "90 jours" in report["skipped"][0]["errors"]["customer_email"][0]


def test_another_pro_may_invite_the_same_customer(pro, other_pro):
    invite(pro, email="jeanne@exemple.fr")
    invite(other_pro, email="jeanne@exemple.fr")
    assert ReviewInvitation.objects.count() == 2


# --- The daily quota per organization ---------------------------------------------------------


def test_the_daily_quota_stops_single_invitations(as_user, owner, pro, settings, committed):
    settings.REVIEWS_INVITATIONS_DAILY_QUOTA = 2
    for n in range(2):
        invite(pro, email=f"client{n}@exemple.fr")
    response = as_user(owner).post(URL, _request(), format="json")
    assert response.status_code == 429
    assert "2 invitations par jour" in response.json()["detail"]
    assert ReviewInvitation.objects.count() == 2


def test_a_csv_stops_at_the_quota_and_reports_the_rest(as_user, owner, settings, committed):
    settings.REVIEWS_INVITATIONS_DAILY_QUOTA = 3
    with committed():
        report = (
            as_user(owner).post(f"{URL}bulk/", {"file": _csv(_rows(5))}, format="multipart").json()
        )
    assert report["created"] == 3
    assert [row["line"] for row in report["skipped"]] == [5, 6]
    assert "quota" in report["skipped"][0]["errors"]["non_field_errors"][0]
    assert ReviewInvitation.objects.count() == 3


def test_yesterdays_invitations_do_not_count(as_user, owner, pro, settings, committed):
    settings.REVIEWS_INVITATIONS_DAILY_QUOTA = 1
    old, _token = invite(pro, email="hier@exemple.fr")
    ReviewInvitation.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=1, hours=1)
    )
    with committed():
        assert as_user(owner).post(URL, _request(), format="json").status_code == 201


def test_staff_raise_an_organizations_quota_in_the_admin(
    client, staff, as_user, owner, pro, settings, committed
):
    settings.REVIEWS_INVITATIONS_DAILY_QUOTA = 1
    invite(pro, email="client0@exemple.fr")
    assert as_user(owner).post(URL, _request(), format="json").status_code == 429

    client.force_login(staff)
    policy = InvitationPolicy.objects.get(organization_id=pro.organization_id)
    page = client.get(f"/admin/reviews/invitationpolicy/{policy.pk}/change/")
    assert page.status_code == 200
    response = client.post(
        f"/admin/reviews/invitationpolicy/{policy.pk}/change/",
        {"organization_id": pro.organization_id, "daily_quota": 500, "paused_reason": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with committed():
        assert as_user(owner).post(URL, _request(), format="json").status_code == 201
