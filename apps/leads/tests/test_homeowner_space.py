"""The homeowner's space: the magic link of the quote confirmation opens (or creates) the
account; "Mes projets" lists the person's requests with the chosen pros and whether each
called; "Demander un autre artisan" and "Clôturer le projet" (done with X → an "avis
vérifié" invitation for X); "Mes avis" and withdrawal (NF Z74-501); the /api/v1/me/ API."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import MagicLink, User
from apps.accounts.tests.factories import UserFactory
from apps.leads.models import ContactCheck, Lead
from apps.quotes.models import QuoteNote, QuoteStatus
from apps.quotes.services import quote_dispatch
from apps.reviews.models import ReviewInvitation, ReviewStatus
from apps.reviews.tests.factories import ReviewFactory
from apps.reviews.tests.support import review_payload, token_in

pytestmark = pytest.mark.django_db


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def _magic_path(message) -> str:
    match = re.search(r"(https?://\S+/connexion/lien/[^/\s]+/)", message.body)
    assert match, message.body
    return _path(match.group(1))


@pytest.fixture
def submitted(make_quote, mailoutbox, django_capture_on_commit_callbacks):
    """A request by Claire, its confirmation e-mail (with the magic link)."""
    with django_capture_on_commit_callbacks(execute=True):
        quote = make_quote(email="claire@exemple.fr", first_name="Claire")
    (message,) = [m for m in mailoutbox if m.to == ["claire@exemple.fr"]]
    mailoutbox.clear()
    return {"quote": quote, "message": message, "link": _magic_path(message)}


@pytest.fixture
def claire_project(dispatch, facade_pros, midi_team, mailoutbox):
    """Claire's request dispatched to Façades du Midi and Enduits de Garonne; Midi called."""
    quote = dispatch(
        ["facades-du-midi", "enduits-de-garonne"], email="claire@exemple.fr", first_name="Claire"
    )
    Lead.objects.filter(quote_id=quote.pk, pro_id=facade_pros["midi"].id).update(
        contact_check=ContactCheck.YES
    )
    mailoutbox.clear()
    return quote


@pytest.fixture
def claire(db):
    return UserFactory(
        email="claire@exemple.fr", first_name="Claire", email_verified_at=timezone.now()
    )


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- The magic link -------------------------------------------------------------------------


def test_the_confirmation_email_link_creates_the_account_and_opens_mes_projets(submitted):
    client = Client()
    page = client.get(submitted["link"])
    assert page.status_code == 200
    assert "claire@exemple.fr" in page.content.decode()
    assert not User.objects.filter(email="claire@exemple.fr").exists()  # a GET changes nothing

    response = client.post(submitted["link"])

    assert response.status_code == 302 and response["Location"] == "/mes-projets/"
    user = User.objects.get(email="claire@exemple.fr")
    assert user.email_verified_at is not None
    assert not user.has_usable_password()  # one can be set later ("mot de passe oublié")
    projects = client.get("/mes-projets/")
    assert submitted["quote"].reference in projects.content.decode()


def test_a_passwordless_homeowner_sets_a_password_with_mot_de_passe_oublie(submitted, mailoutbox):
    Client().post(submitted["link"])
    response = Client().post("/mot-de-passe-oublie/", {"email": "claire@exemple.fr"})
    assert response.status_code == 302
    (message,) = mailoutbox
    reset = re.search(r"https?://[^/\s]+(/mot-de-passe-oublie/\S+/)", message.body).group(1)
    client = Client()
    form = client.get(reset, follow=True)
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Facade-Rose-2026!", "new_password2": "Facade-Rose-2026!"},
    )
    assert response.status_code == 302
    assert Client().login(email="claire@exemple.fr", password="Facade-Rose-2026!")


def test_a_used_link_shows_a_clear_page_and_changes_nothing(submitted):
    Client().post(submitted["link"])
    other = Client()
    page = other.get(submitted["link"])
    assert page.status_code == 410
    assert "déjà servi" in page.content.decode()
    response = other.post(submitted["link"])
    assert response.status_code == 410
    assert "_auth_user_id" not in other.session


def test_an_expired_link_shows_a_clear_page_and_creates_no_account(submitted):
    MagicLink.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = Client().post(submitted["link"])
    assert response.status_code == 410
    assert "a expiré" in response.content.decode()
    assert not User.objects.filter(email="claire@exemple.fr").exists()


def test_an_altered_link_is_refused(submitted):
    response = Client().post(submitted["link"].rstrip("/") + "x/")
    assert response.status_code == 410
    assert "pas valide" in response.content.decode()


def test_an_account_opened_with_someone_elses_address_is_taken_over_by_the_mailbox(
    submitted,
):
    """Pre-hijacking: someone opened an account with Claire's address and a password they
    know, before Claire did anything. When Claire follows her link, the account becomes
    hers: the password nobody proved the mailbox for stops working."""
    from apps.accounts.tests.factories import PASSWORD

    squatted = UserFactory(email="claire@exemple.fr")
    client = Client()
    assert "ce mot de passe est désactivé" in client.get(submitted["link"]).content.decode()
    client.post(submitted["link"])
    squatted.refresh_from_db()
    assert squatted.email_verified_at is not None
    assert int(client.session["_auth_user_id"]) == squatted.pk
    assert not squatted.check_password(PASSWORD)
    assert not Client().login(email="claire@exemple.fr", password=PASSWORD)


def test_a_verified_account_keeps_its_password(submitted):
    from apps.accounts.tests.factories import PASSWORD

    user = UserFactory(email="claire@exemple.fr", email_verified_at=timezone.now())
    Client().post(submitted["link"])
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_an_unverified_account_can_ask_for_a_verification_link(claire_project, mailoutbox):
    user = UserFactory(email="claire@exemple.fr")
    client = _signed_in(user)
    response = client.post("/mes-projets/verifier-mon-adresse/")
    assert response.status_code == 302
    (message,) = mailoutbox
    assert message.to == ["claire@exemple.fr"]
    Client().post(_magic_path(message))
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_a_staff_account_is_never_opened_by_a_magic_link(
    make_quote, advisor, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_quote(email=advisor.email)
    link = _magic_path(mailoutbox[-1])
    client = Client()
    response = client.post(link)
    assert response.status_code == 410
    assert "_auth_user_id" not in client.session


# --- Mes projets ----------------------------------------------------------------------------


def test_mes_projets_lists_the_chosen_pros_and_who_called(
    claire, claire_project, make_quote, django_assert_max_num_queries
):
    make_quote(email="someone.else@exemple.fr")  # not Claire's
    client = _signed_in(claire)
    with django_assert_max_num_queries(12):
        page = client.get("/mes-projets/")
    html = page.content.decode()
    assert claire_project.reference in html
    assert "Façades du Midi</a> — Vous a contacté" in html
    assert "Enduits de Garonne</a> — Pas encore confirmé" in html
    assert html.count("Demande ELD-") == 1


def test_an_account_whose_address_is_not_verified_sees_no_request(claire_project):
    impostor = UserFactory(email="claire@exemple.fr")  # no verified address
    page = _signed_in(impostor).get("/mes-projets/")
    assert claire_project.reference not in page.content.decode()
    assert "vérifiée" in page.content.decode()


def test_another_homeowners_project_is_a_404(claire_project):
    stranger = UserFactory(email="bob@exemple.fr", email_verified_at=timezone.now())
    client = _signed_in(stranger)
    close = client.post(f"/mes-projets/{claire_project.pk}/cloturer/", {"outcome": "abandoned"})
    reopen = client.post(f"/mes-projets/{claire_project.pk}/autre-artisan/", {"note": "x"})
    assert close.status_code == 404 and reopen.status_code == 404
    claire_project.refresh_from_db()
    assert claire_project.homeowner_outcome == "" and claire_project.status == "dispatched"


def test_asking_for_another_pro_puts_the_request_back_in_the_advisors_queue(
    claire, claire_project, advisor, facade_pros, django_capture_on_commit_callbacks
):
    client = _signed_in(claire)
    response = client.post(
        f"/mes-projets/{claire_project.pk}/autre-artisan/", {"note": "Garonne ne répond pas"}
    )
    assert response.status_code == 302
    claire_project.refresh_from_db()
    assert claire_project.status == QuoteStatus.QUALIFIED
    assert claire_project.next_call_at is not None
    note = QuoteNote.objects.get(quote=claire_project)
    assert "autre artisan" in note.body and "Garonne ne répond pas" in note.body
    queue = _signed_in(advisor).get("/conseiller/demandes/")
    assert claire_project.reference in queue.content.decode()
    detail = _signed_in(advisor).get(f"/conseiller/demandes/{claire_project.reference}/")
    assert "Garonne ne répond pas" in detail.content.decode()  # the homeowner's note
    # The advisor dispatches again, the earlier pros kept: a third pro gets the lead.
    with django_capture_on_commit_callbacks(execute=True):
        quote_dispatch(
            quote_id=claire_project.pk,
            actor=advisor,
            pro_slugs=["facades-du-midi", "facades-du-lauragais"],
        )
    assert Lead.objects.filter(quote_id=claire_project.pk).count() == 3


def test_closing_done_with_a_pro_sends_an_avis_verifie_invitation_for_that_pro(
    claire, claire_project, facade_pros, mailoutbox, django_capture_on_commit_callbacks
):
    midi = facade_pros["midi"]
    client = _signed_in(claire)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/mes-projets/{claire_project.pk}/cloturer/", {"outcome": "done", "pro_id": midi.id}
        )
    assert response.status_code == 302
    claire_project.refresh_from_db()
    assert claire_project.homeowner_outcome == "done"
    assert claire_project.homeowner_outcome_pro_id == midi.id
    invitation = ReviewInvitation.objects.get(customer_email="claire@exemple.fr")
    assert invitation.pro_id == midi.id and invitation.source == "eldo"
    assert invitation.lead_id == Lead.objects.get(quote_id=claire_project.pk, pro_id=midi.id).pk
    (message,) = [m for m in mailoutbox if m.to == ["claire@exemple.fr"]]
    assert "Façades du Midi" in message.subject + message.body

    # The review written through that e-mail is labelled "Avis vérifié".
    token = token_in(message.body, "/avis/invitation/")
    data = review_payload(invitation_token=token)
    del data["author_email"]
    with django_capture_on_commit_callbacks(execute=True):
        created = APIClient().post("/api/v1/reviews/", data, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["label"] == "verified"

    # Closed once: a second closing is refused in French, nothing changes.
    again = client.post(
        f"/mes-projets/{claire_project.pk}/cloturer/", {"outcome": "abandoned"}, follow=True
    )
    assert "déjà clôturé ce projet" in again.content.decode()
    claire_project.refresh_from_db()
    assert claire_project.homeowner_outcome == "done"


def test_closing_done_needs_one_of_the_chosen_pros(claire, claire_project, facade_pros):
    response = _signed_in(claire).post(
        f"/mes-projets/{claire_project.pk}/cloturer/",
        {"outcome": "done", "pro_id": facade_pros["bordeaux"].id},
        follow=True,
    )
    assert "Choisissez l&#x27;artisan" in response.content.decode()
    claire_project.refresh_from_db()
    assert claire_project.homeowner_outcome == ""
    assert not ReviewInvitation.objects.exists()


def test_closing_abandoned_sends_no_invitation(
    claire, claire_project, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _signed_in(claire).post(
            f"/mes-projets/{claire_project.pk}/cloturer/", {"outcome": "abandoned"}
        )
    claire_project.refresh_from_db()
    assert claire_project.homeowner_outcome == "abandoned"
    assert not ReviewInvitation.objects.exists() and not mailoutbox


# --- API --------------------------------------------------------------------------------------


def test_api_me_quotes_lists_only_my_requests(claire, claire_project, facade_pros, make_quote):
    make_quote(email="someone.else@exemple.fr")
    api = APIClient()
    api.force_authenticate(claire)
    body = api.get("/api/v1/me/quotes/").json()
    assert [p["reference"] for p in body] == [claire_project.reference]
    pros = {p["pro_name"]: p["contact_confirmed"] for p in body[0]["pros"]}
    assert pros == {"Façades du Midi": "yes", "Enduits de Garonne": ""}
    assert body[0]["can_close"] is True
    assert APIClient().get("/api/v1/me/quotes/").status_code == 401


# --- Mes avis ---------------------------------------------------------------------------------


@pytest.fixture
def claire_review(claire, facade_pros):
    from apps.reviews.aggregates import pro_aggregates_refresh

    midi = facade_pros["midi"]
    review = ReviewFactory(
        pro_id=midi.id,
        rating=2,
        title="Déçue",
        body="Le chantier a pris trois semaines de retard sans nouvelles de l'artisan.",
        work_date=timezone.localdate() - timedelta(days=30),
        author_name="Claire",
        author_email="claire@exemple.fr",
    )
    pro_aggregates_refresh(pro_id=midi.id)
    return review


def test_the_author_withdraws_a_review_it_leaves_the_public_page_and_the_rating(
    claire, claire_review, facade_pros, django_capture_on_commit_callbacks
):
    from apps.reviews.models import ProReviewStats

    midi = facade_pros["midi"]
    assert ProReviewStats.objects.get(pro_id=midi.id).count == 1
    client = _signed_in(claire)
    assert "Déçue" in client.get("/mes-avis/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/mes-avis/{claire_review.pk}/retirer/")
    assert response.status_code == 302
    claire_review.refresh_from_db()
    assert claire_review.status == ReviewStatus.WITHDRAWN
    assert ProReviewStats.objects.get(pro_id=midi.id).count == 0
    assert "Déçue" not in Client().get(f"/pro/{midi.slug}/").content.decode()


def test_api_me_reviews_and_withdraw_another_persons_review_is_a_404(claire, claire_review):
    api = APIClient()
    api.force_authenticate(claire)
    body = api.get("/api/v1/me/reviews/").json()
    assert [r["title"] for r in body] == ["Déçue"] and body[0]["can_withdraw"] is True

    stranger = UserFactory(email="bob@exemple.fr", email_verified_at=timezone.now())
    other = APIClient()
    other.force_authenticate(stranger)
    assert other.get("/api/v1/me/reviews/").json() == []
    assert other.post(f"/api/v1/me/reviews/{claire_review.pk}/withdraw/").status_code == 404
    claire_review.refresh_from_db()
    assert claire_review.status == ReviewStatus.PUBLISHED

    withdrawn = api.post(f"/api/v1/me/reviews/{claire_review.pk}/withdraw/")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
