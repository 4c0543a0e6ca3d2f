"""Review requests: who may send them, the e-mail, the funnel, CSV import, reminders,
opt-out. Through the API and the links the customer receives."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.core.models import OutboxEvent
from apps.reviews.invitations import invitation_reminders_send
from apps.reviews.models import ReviewInvitation, ReviewOptOut
from apps.reviews.tests.support import invite, review_payload, token_in, work_date

pytestmark = pytest.mark.django_db

URL = "/api/v1/review-requests/"


def _request(**overrides) -> dict:
    return {
        "customer_name": "Jeanne Dupuis",
        "customer_email": "jeanne.dupuis@exemple.fr",
        "work_description": "Ravalement de façade",
        "work_date": work_date(20),
        **overrides,
    }


# --- Who may invite ------------------------------------------------------------------------


def test_an_owner_invites_a_customer_who_receives_a_french_email_after_commit(
    as_user, owner, pro, committed, mailoutbox
):
    with committed():
        response = as_user(owner).post(URL, _request(), format="json")
        assert mailoutbox == []  # nothing leaves before the commit

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["pro"] == pro.slug
    assert body["status"] == "queued"  # answered before the commit: the e-mail leaves after
    detail = as_user(owner).get(f"{URL}{body['id']}/").json()
    assert detail["status"] == "sent"
    assert detail["sent_at"] is not None
    assert "token" not in str(body).lower()  # the pro never sees the customer's link
    (mail,) = mailoutbox
    assert mail.to == ["jeanne.dupuis@exemple.fr"]
    assert mail.subject == "Façades du Midi aimerait connaître votre avis sur ses travaux"
    assert "Bonjour Jeanne," in mail.body
    assert "Ravalement de façade" in mail.body
    html = mail.alternatives[0][0]
    assert html.startswith("<!doctype html>") and 'lang="fr"' in html
    token = token_in(mail.body, "/avis/invitation/")
    assert f"/avis/invitation/{token}/" in html  # the last path segment is the token
    assert mail.extra_headers["List-Unsubscribe"].startswith("<http")
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert OutboxEvent.objects.filter(name="reviews.ReviewRequestSent").exists()


@pytest.mark.parametrize("role", ["manager", "sales_rep"])
def test_managers_and_sales_reps_may_invite_too(as_user, pro, committed, role):
    from apps.accounts.tests.factories import MembershipFactory, UserFactory

    member = UserFactory(email=f"{role}@facades-du-midi.fr")
    MembershipFactory(user=member, organization=pro.organization, role=role)
    with committed():
        response = as_user(member).post(URL, _request(), format="json")
    assert response.status_code == 201
    assert as_user(member).get(URL).json()["count"] == 1


@pytest.mark.parametrize("who", ["homeowner", "advisor", "moderator"])
def test_users_who_are_not_pro_members_may_not_invite(request, as_user, pro, who):
    client = as_user(request.getfixturevalue(who))
    assert client.post(URL, _request(), format="json").status_code == 403
    assert client.get(URL).status_code == 403
    assert not ReviewInvitation.objects.exists()


def test_anonymous_is_asked_to_authenticate(api, pro):
    assert api.post(URL, _request(), format="json").status_code == 401
    assert api.get(URL).status_code == 401


def test_staff_names_the_pro(as_user, staff, pro, committed):
    client = as_user(staff)
    assert client.post(URL, _request(), format="json").status_code == 400
    with committed():
        response = client.post(URL, _request(pro=pro.slug), format="json")
    assert response.status_code == 201


def test_another_organizations_pro_and_invitations_answer_404(
    as_user, owner, other_owner, pro, other_pro
):
    theirs, _token = invite(other_pro, email="client.toiture@exemple.fr")
    mine, _token = invite(pro, email="client.facade@exemple.fr")
    client = as_user(owner)

    assert client.post(URL, _request(pro=other_pro.slug), format="json").status_code == 404
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.get(URL, {"pro": other_pro.slug}).status_code == 404
    listed = client.get(URL).json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert client.get(f"{URL}{mine.pk}/").json()["customer_email"] == "client.facade@exemple.fr"
    assert as_user(other_owner).get(f"{URL}{mine.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"customer_email": "pas-une-adresse"}, "customer_email"),
        ({"customer_name": ""}, "customer_name"),
        ({"work_description": "x"}, "work_description"),
        ({"work_date": work_date(-2)}, "work_date"),
        ({"work_date": work_date(900)}, "work_date"),
    ],
)
def test_bad_requests_are_refused_in_french(as_user, owner, overrides, field):
    response = as_user(owner).post(URL, _request(**overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not ReviewInvitation.objects.exists()


def test_a_pending_invitation_is_not_sent_twice(as_user, owner, committed):
    client = as_user(owner)
    with committed():
        assert client.post(URL, _request(), format="json").status_code == 201
    again = client.post(URL, _request(customer_email="JEANNE.dupuis@exemple.fr"), format="json")
    assert again.status_code == 400
    assert "déjà été invité" in again.json()["customer_email"][0]


# --- The funnel ----------------------------------------------------------------------------


def test_the_funnel_counts_sent_opened_written_and_the_collection_rate(
    api, as_user, owner, pro, committed, mailoutbox
):
    client = as_user(owner)
    with committed():
        for n in range(4):
            client.post(URL, _request(customer_email=f"client{n}@exemple.fr"), format="json")
    tokens = [token_in(mail.body, "/avis/invitation/") for mail in mailoutbox]

    assert api.get(f"/avis/invitation/{tokens[0]}/").status_code == 200  # opened
    assert api.get(f"/avis/invitation/{tokens[1]}/").status_code == 200
    data = review_payload(invitation_token=tokens[1])
    with committed():
        assert api.post("/api/v1/reviews/", data, format="json").status_code == 201

    funnel = client.get(f"{URL}funnel/").json()
    assert funnel == {
        "invited": 4,
        "sent": 4,
        "opened": 2,
        "written": 1,
        "collection_rate": 0.25,
    }
    statuses = {row["customer_email"]: row["status"] for row in client.get(URL).json()["results"]}
    assert statuses == {
        "client0@exemple.fr": "opened",
        "client1@exemple.fr": "written",
        "client2@exemple.fr": "sent",
        "client3@exemple.fr": "sent",
    }
    from apps.reviews import api as reviews_api

    assert reviews_api.collection_funnel(pro_id=pro.id).collection_rate == 0.25


# --- CSV import ----------------------------------------------------------------------------


def _csv(text: str, *, encoding: str = "utf-8", name: str = "clients.csv"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def _french_date(days_ago: int) -> str:
    return (timezone.localdate() - timedelta(days=days_ago)).strftime("%d/%m/%Y")


def test_a_csv_invites_the_valid_rows_and_reports_the_others_line_by_line(
    as_user, owner, committed, mailoutbox
):
    content = (
        "customer_name;customer_email;work_description;work_date\n"
        f"Jeanne Dupuis;jeanne@exemple.fr;Ravalement;{work_date(10)}\n"
        "Marc Petit;marc@exemple.fr;Peinture des volets;15/01/2099\n"
        f"Paul Roux;pas-une-adresse;Enduit;{work_date(15)}\n"
        f"Jeanne encore;JEANNE@exemple.fr;Ravalement;{work_date(10)}\n"
        "Lucie Marty;lucie@exemple.fr;Isolation;le mois dernier\n"
        "\n"
        f"Hélène Faure;helene@exemple.fr;Façade complète;{_french_date(40)}\n"
    )
    with committed():
        response = as_user(owner).post(f"{URL}bulk/", {"file": _csv(content)}, format="multipart")

    assert response.status_code == 201, response.content
    report = response.json()
    assert report["rows"] == 6
    assert report["created"] == 2
    assert sorted(i["customer_email"] for i in report["invitations"]) == [
        "helene@exemple.fr",
        "jeanne@exemple.fr",
    ]
    skipped = {row["line"]: row for row in report["skipped"]}
    assert set(skipped) == {3, 4, 5, 6}
    assert "futur" in skipped[3]["errors"]["work_date"][0]
    assert "customer_email" in skipped[4]["errors"]
    assert "en double" in skipped[5]["errors"]["customer_email"][0]
    assert "illisible" in skipped[6]["errors"]["work_date"][0]
    assert sorted(m.to[0] for m in mailoutbox) == ["helene@exemple.fr", "jeanne@exemple.fr"]


def test_a_windows_csv_with_french_headers_is_understood(as_user, owner, committed):
    content = f"Nom;E-mail;Travaux;Date\nHélène Faure;helene@exemple.fr;Façade;{work_date(10)}\n"
    with committed():
        response = as_user(owner).post(
            f"{URL}bulk/", {"file": _csv(content, encoding="cp1252")}, format="multipart"
        )
    assert response.status_code == 201
    assert ReviewInvitation.objects.get().customer_name == "Hélène Faure"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "vide"),
        (b"customer_name,customer_email\nJeanne,jeanne@exemple.fr\n", "Colonnes manquantes"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "pas un fichier CSV"),
        (b"customer_name,customer_email,work_description,work_date\n", "aucun client"),
        (
            b'customer_name,customer_email,work_description,work_date\n"Jeanne,"x"y,a,b\n',
            "mal formé",
        ),
    ],
    ids=["empty", "missing-columns", "binary", "header-only", "broken-quotes"],
)
def test_a_malformed_file_is_refused_whole_and_changes_nothing(as_user, owner, content, message):
    upload = SimpleUploadedFile("clients.csv", content, content_type="text/csv")
    response = as_user(owner).post(f"{URL}bulk/", {"file": upload}, format="multipart")
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()["file"])
    assert not ReviewInvitation.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_bulk_import_is_for_pro_members_only(as_user, homeowner, api):
    upload = _csv("customer_name,customer_email,work_description,work_date\n")
    assert (
        as_user(homeowner).post(f"{URL}bulk/", {"file": upload}, format="multipart").status_code
        == 403
    )
    assert api.post(f"{URL}bulk/", {"file": upload}, format="multipart").status_code == 401


# --- Reminders -----------------------------------------------------------------------------


def _sent_days_ago(invitation, days: int) -> None:
    moment = timezone.now() - timedelta(days=days)
    ReviewInvitation.objects.filter(pk=invitation.pk).update(
        created_at=moment, sent_at=moment, expires_at=moment + timedelta(days=30)
    )


def test_reminders_leave_after_7_and_14_days_once_each(pro, committed, mailoutbox):
    with committed():
        invitation, _token = invite(pro)
    mailoutbox.clear()

    _sent_days_ago(invitation, 6)
    with committed():
        assert invitation_reminders_send() == 0
    _sent_days_ago(invitation, 8)
    with committed():
        assert invitation_reminders_send() == 1
        assert invitation_reminders_send() == 0  # already reminded
    assert [m.subject for m in mailoutbox] == ["Rappel : votre avis sur Façades du Midi compte"]

    _sent_days_ago(invitation, 15)
    ReviewInvitation.objects.filter(pk=invitation.pk).update(
        last_reminded_at=timezone.now() - timedelta(days=7)
    )
    with committed():
        assert invitation_reminders_send() == 1
    _sent_days_ago(invitation, 25)
    with committed():
        assert invitation_reminders_send() == 0  # two reminders at most
    assert len(mailoutbox) == 2
    invitation.refresh_from_db()
    assert invitation.reminders_sent == 2


def test_no_reminder_once_the_review_is_written(api, pro, committed, mailoutbox):
    with committed():
        invitation, token = invite(pro)
        assert (
            api.post(
                "/api/v1/reviews/", review_payload(invitation_token=token), format="json"
            ).status_code
            == 201
        )
    mailoutbox.clear()
    _sent_days_ago(invitation, 8)
    with committed():
        assert invitation_reminders_send() == 0
    assert mailoutbox == []


def test_no_reminder_after_an_opt_out_and_the_opt_out_holds_forever(
    api, pro, owner, as_user, committed, mailoutbox
):
    with committed():
        invitation, token = invite(pro, email="jeanne@exemple.fr")
    page = api.get(f"/avis/desinscription/{token}/")
    assert page.status_code == 200
    assert "Me désinscrire" in page.content.decode()
    assert not ReviewOptOut.objects.exists()  # a GET (link preview) changes nothing

    # RFC 8058 one-click: the mail client POSTs without a CSRF token.
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        f"/avis/desinscription/{token}/", {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert "C'est noté" in response.content.decode()
    mailoutbox.clear()

    _sent_days_ago(invitation, 8)
    with committed():
        assert invitation_reminders_send() == 0
    assert mailoutbox == []

    ReviewInvitation.objects.update(expires_at=timezone.now() - timedelta(days=400))
    refused = as_user(owner).post(URL, _request(customer_email="Jeanne@Exemple.fr"), format="json")
    assert refused.status_code == 400
    assert "ne plus recevoir" in refused.json()["customer_email"][0]


def test_an_invitation_queued_before_an_opt_out_is_not_sent(pro, committed, mailoutbox):
    from apps.reviews.invitations import invitation_opt_out

    _invitation, token = invite(pro, email="jeanne@exemple.fr")  # e-mail not sent yet
    invitation_opt_out(token)
    with committed():
        invite(pro, email="autre@exemple.fr")  # commits both: only this one leaves
    assert [m.to for m in mailoutbox] == [["autre@exemple.fr"]]


def test_reminders_run_from_celery_beat(settings):
    from apps.reviews import tasks

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks.invitation_reminders_send.name in scheduled
    assert tasks.aggregates_refresh_all.name in scheduled
    assert tasks.invitation_reminders_send.name == "reviews.invitation_reminders_send"
