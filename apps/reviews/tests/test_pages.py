"""The French pages: the invitation link, the spontaneous form from a profile, the thanks
and refusal pages, unsubscribe, and the pro's review space (invite, CSV, reply, report)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.reviews.models import (
    InvitationSource,
    Review,
    ReviewInvitation,
    ReviewPhoto,
    ReviewReport,
)
from apps.reviews.tests.support import invite, jpeg, submit_invited, token_in, upload, work_date

pytestmark = pytest.mark.django_db


def _form(**overrides) -> dict:
    return {
        "rating": "5",
        "rating_quality": "5",
        "rating_timeliness": "",
        "title": "Réfection façade",
        "body": "Chantier propre, délais tenus, enduit impeccable : nous sommes ravis.",
        "work_category": "facade",
        "work_date": work_date(25),
        "author_name": "Jeanne",
        "author_email": "jeanne@exemple.fr",
        "author_postcode": "31000",
        "certify": "on",
        **overrides,
    }


def test_the_invitation_page_is_prefilled_and_counts_the_opening(client, pro):
    invitation, token = invite(pro, name="Jeanne Dupuis", work_description="Ravalement de façade")
    response = client.get(f"/avis/invitation/{token}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Votre avis sur Façades du Midi" in html
    assert "avis collecté par l'entreprise" in html  # the pro's own invitation
    assert 'value="Jeanne"' in html  # first name only
    assert 'value="Ravalement de façade"' in html
    assert 'name="author_email"' not in html  # known from the invitation
    assert 'enctype="multipart/form-data"' in html
    assert 'href="/avis/comment-ca-marche/"' in html
    invitation.refresh_from_db()
    assert invitation.opened_at is not None


def test_writing_through_the_invitation_page_publishes_a_verified_review_with_photos(
    client, pro, committed
):
    _invitation, token = invite(pro, source=InvitationSource.ELDO)
    data = _form()
    data.pop("author_email")
    data["photos"] = [upload(jpeg()), upload(jpeg((300, 200)), name="b.jpg")]
    with committed():
        response = client.post(f"/avis/invitation/{token}/", data)
    assert response.status_code == 302
    assert response["Location"] == "/avis/merci/publie/"
    review = Review.objects.get()
    assert (review.status, review.source, review.rating_quality) == ("published", "invited", 5)
    assert ReviewPhoto.objects.count() == 2
    thanks = client.get(response["Location"]).content.decode()
    assert "votre avis est en ligne" in thanks

    used = client.get(f"/avis/invitation/{token}/")
    assert used.status_code == 410
    assert "déjà donné votre avis" in used.content.decode()


def test_errors_are_shown_next_to_their_fields_in_french(client, pro):
    _invitation, token = invite(pro)
    data = _form(body="Court.", author_postcode="99999", certify="")
    data.pop("author_email")
    data["photos"] = [upload(b"pas une image", name="photo.jpg")]
    response = client.post(f"/avis/invitation/{token}/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Cochez cette case pour déposer votre avis." in html
    # The form-level check stops first; fix it and the service's rules speak.
    data["certify"] = "on"
    data["photos"] = [upload(b"pas une image", name="photo.jpg")]  # the first was read
    html = client.post(f"/avis/invitation/{token}/", data).content.decode()
    assert "Votre avis doit compter de 30 à 5" in html
    assert "code postal français valide" in html
    assert "Photo 1 : Ce fichier n&#x27;est pas une image lisible" in html
    assert 'aria-invalid="true"' in html
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ("forge", 404, "pas valide"),
        ("expire", 410, "expiré"),
    ],
)
def test_unusable_links_get_a_clear_page(client, pro, change, status, message):
    invitation, token = invite(pro)
    if change == "forge":
        token = token[:-4] + "AAAA"
    else:
        ReviewInvitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    response = client.get(f"/avis/invitation/{token}/")
    assert response.status_code == status
    assert message in response.content.decode()
    assert client.post(f"/avis/invitation/{token}/", _form()).status_code == status
    assert not Review.objects.exists()


def test_an_invitation_link_lives_30_days(client, pro, monkeypatch):
    """INVITATION_LIFETIME pinned from the outside: created through the service, the link
    still works on day 29 and is refused on day 31 (the clock moved, not the invitation)."""
    created = timezone.now()
    _invitation, token = invite(pro)
    url = f"/avis/invitation/{token}/"

    monkeypatch.setattr(timezone, "now", lambda: created + timedelta(days=29))
    day_29 = client.get(url)
    assert day_29.status_code == 200
    assert "Votre avis sur Façades du Midi" in day_29.content.decode()

    monkeypatch.setattr(timezone, "now", lambda: created + timedelta(days=31))
    day_31 = client.get(url)
    assert day_31.status_code == 410
    assert "il était valable 30 jours" in day_31.content.decode()
    assert client.post(url, _form()).status_code == 410
    assert not Review.objects.exists()


def test_a_spontaneous_review_from_the_profile_is_confirmed_by_email(
    client, pro, committed, mailoutbox
):
    profile = client.get(f"/pro/{pro.slug}/").content.decode()
    assert f'href="/pro/{pro.slug}/donner-mon-avis/"' in profile
    form = client.get(f"/pro/{pro.slug}/donner-mon-avis/")
    assert form.status_code == 200
    assert 'name="author_email"' in form.content.decode()
    with committed():
        response = client.post(f"/pro/{pro.slug}/donner-mon-avis/", _form())
    assert response["Location"] == "/avis/merci/confirmation/"
    token = token_in(mailoutbox[0].body, "/avis/confirmation/")
    # Opening the link (what a mail scanner does) confirms nothing: a button does (POST).
    page = client.get(f"/avis/confirmation/{token}/")
    assert page.status_code == 200
    assert '<form method="post"' in page.content.decode()
    assert Review.objects.get().email_confirmed_at is None
    confirmed = client.post(f"/avis/confirmation/{token}/")
    assert confirmed["Location"] == "/avis/merci/confirme/"
    review = Review.objects.get()
    assert review.status == "pending" and review.email_confirmed_at is not None
    assert client.get(f"/avis/confirmation/{token}x/").status_code == 404
    assert client.post(f"/avis/confirmation/{token}x/").status_code == 404


def test_the_page_form_shares_the_api_throttle(client, api, pro, low_rates):
    from apps.reviews.tests.support import review_payload

    for _ in range(2):
        api.post("/api/v1/reviews/", review_payload(pro="nulle-part"), format="json")
    assert client.post(f"/pro/{pro.slug}/donner-mon-avis/", _form()).status_code == 302
    throttled = client.post(f"/pro/{pro.slug}/donner-mon-avis/", _form(author_email="b@exemple.fr"))
    assert throttled.status_code == 429
    assert "réessayez dans une heure" in throttled.content.decode()
    assert Review.objects.count() == 1


def test_unknown_pro_or_outcome_is_404(client, pro):
    assert client.get("/pro/nulle-part/donner-mon-avis/").status_code == 404
    assert client.get("/avis/merci/n-importe/").status_code == 404


# --- The pro's back office: reviews and invitations ----------------------------------------


def test_the_back_office_pages_are_for_members(client, homeowner, owner, pro):
    for url in ("/espace-pro/avis/", "/espace-pro/invitations/"):
        assert client.get(url).status_code == 302  # sign in first
    client.force_login(homeowner)
    for url in ("/espace-pro/avis/", "/espace-pro/invitations/"):
        assert client.get(url).status_code == 404
    client.force_login(owner)
    reviews = client.get("/espace-pro/avis/")
    assert reviews.status_code == 200
    html = reviews.content.decode()
    assert "Vos avis clients" in html
    assert f"/widget/{pro.slug}/" in html  # the embed code
    assert 'href="/espace-pro/invitations/"' in html  # the back-office menu entry
    invitations = client.get("/espace-pro/invitations/").content.decode()
    assert "Taux de collecte" in invitations
    assert 'aria-current="page">Invitations à laisser un avis' in invitations


def test_a_pro_invites_imports_replies_and_reports_from_its_back_office(
    client, owner, pro, committed, mailoutbox, django_assert_max_num_queries
):
    client.force_login(owner)
    with committed():
        invited = client.post(
            "/espace-pro/invitations/inviter/",
            {
                "customer_name": "Jeanne Dupuis",
                "customer_email": "jeanne@exemple.fr",
                "work_description": "Ravalement",
                "work_date": work_date(10),
            },
        )
    assert invited.status_code == 302
    assert mailoutbox[0].to == ["jeanne@exemple.fr"]

    csv = (
        "customer_name,customer_email,work_description,work_date\n"
        f"Marc Petit,marc@exemple.fr,Peinture,{work_date(12)}\n"
        f"Mauvaise ligne,pas-une-adresse,Peinture,{work_date(12)}\n"
    )
    with committed():
        imported = client.post(
            "/espace-pro/invitations/importer/",
            {"file": SimpleUploadedFile("clients.csv", csv.encode(), content_type="text/csv")},
        )
    assert imported.status_code == 200
    html = imported.content.decode()
    assert "1 invitation envoyée sur 2 lignes" in html
    assert "Ligne 3" in html
    with django_assert_max_num_queries(12):
        page = client.get("/espace-pro/invitations/").content.decode()
    assert "jeanne@exemple.fr" in page and "Envoyée" in page

    review = submit_invited(pro, email="avis@exemple.fr")
    with committed():
        replied = client.post(f"/espace-pro/avis/{review.pk}/repondre/", {"body": "Merci !"})
    assert replied.status_code == 302
    assert Review.objects.get(pk=review.pk).reply.body == "Merci !"
    assert "Merci !" in mailoutbox[-1].body

    other = submit_invited(
        pro, email="autre@exemple.fr", body="Pas content du tout, chantier bâclé et sale."
    )
    reported = client.post(
        f"/espace-pro/avis/{other.pk}/signaler/",
        {"reason": "not_a_customer", "details": "Inconnu"},
    )
    assert reported.status_code == 302
    assert ReviewReport.objects.get().review_id == other.pk
    with django_assert_max_num_queries(14):
        listing = client.get("/espace-pro/avis/").content.decode()
    assert "En cours de vérification" in listing
    assert "Réponse de Façades du Midi" in listing


def test_a_bad_invitation_or_a_malformed_csv_is_explained(client, owner, pro):
    client.force_login(owner)
    bad = client.post(
        "/espace-pro/invitations/inviter/",
        {
            "customer_name": "Jeanne",
            "customer_email": "x",
            "work_description": "Ravalement",
            "work_date": work_date(1),
        },
    )
    assert bad.status_code == 400
    assert "Saisissez une adresse e-mail valide." in bad.content.decode()
    malformed = client.post(
        "/espace-pro/invitations/importer/",
        {"file": SimpleUploadedFile("x.csv", b"nom\nJeanne\n", content_type="text/csv")},
    )
    assert malformed.status_code == 400
    assert "Colonnes manquantes" in malformed.content.decode()
    assert not ReviewInvitation.objects.exists()


def test_another_organizations_review_is_404_from_the_back_office(client, owner, other_pro):
    client.force_login(owner)
    theirs = submit_invited(other_pro, email="x@exemple.fr", work_category="toiture")
    assert (
        client.post(f"/espace-pro/avis/{theirs.pk}/repondre/", {"body": "Bonjour"}).status_code
        == 404
    )
    # Reporting stays open to any signed-in user, but not as the reviewed pro.
    reported = client.post(f"/espace-pro/avis/{theirs.pk}/signaler/", {"reason": "abusive"})
    assert reported.status_code == 302
    assert ReviewReport.objects.get().organization_id is None
