"""Forgotten password, password change and e-mail change, through the pages a person uses."""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client

from apps.accounts.models import EmailChangeNotice, User
from apps.accounts.tests.factories import PASSWORD, UserFactory
from apps.core.models import OutboxEvent

pytestmark = pytest.mark.django_db

RESET_URL = "/mot-de-passe-oublie/"
NEW_PASSWORD = "Nouvelle-Charpente-2025!"


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[-1].split("/", 1)[-1]


@pytest.fixture
def claire(db):
    return UserFactory(email="claire@exemple.fr", first_name="Claire")


def test_the_login_page_links_to_the_forgotten_password_page(client):
    response = client.get("/connexion/")
    assert 'href="/mot-de-passe-oublie/"' in response.content.decode()


def test_reset_answers_the_same_whether_the_address_exists_or_not(client, claire, mailoutbox):
    known = client.post(RESET_URL, {"email": "claire@exemple.fr"})
    unknown = client.post(RESET_URL, {"email": "personne@exemple.fr"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/mot-de-passe-oublie/envoye/"
    assert [m.to for m in mailoutbox] == [["claire@exemple.fr"]]
    page = client.get(known["Location"]).content.decode()
    assert "Si un compte Eldo existe pour cette adresse" in page


def test_reset_link_sets_a_new_password_once(
    client, claire, mailoutbox, django_capture_on_commit_callbacks
):
    client.post(RESET_URL, {"email": "claire@exemple.fr"})
    link = path_of(re.search(r"https?://\S+/mot-de-passe-oublie/\S+/", mailoutbox[0].body).group(0))
    assert mailoutbox[0].subject == "Réinitialisez votre mot de passe Eldo"
    html = mailoutbox[0].alternatives[0][0]
    assert '<html lang="fr">' in html and f'{link}"' in html  # the same link, in the layout

    form_page = client.get(link, follow=True)  # Django swaps the token for a session marker
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    claire.refresh_from_db()
    assert claire.check_password(NEW_PASSWORD)
    # The security notice of a changed password went to the owner.
    assert any("a été modifié" in m.subject for m in mailoutbox[1:])

    again = Client().get(link)
    assert again.status_code == 410
    assert "a déjà servi ou a expiré" in again.content.decode()


def test_an_expired_reset_link_changes_nothing(client, claire, mailoutbox, settings):
    client.post(RESET_URL, {"email": "claire@exemple.fr"})
    link = path_of(re.search(r"https?://\S+/mot-de-passe-oublie/\S+/", mailoutbox[0].body).group(0))
    settings.PASSWORD_RESET_TIMEOUT = -1  # every link issued so far is now past its hour

    response = client.get(link, follow=True)
    assert response.status_code == 410
    assert "Votre mot de passe n'a pas changé" in response.content.decode()
    claire.refresh_from_db()
    assert claire.check_password(PASSWORD)


def test_reset_links_last_one_hour(settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600


def test_password_change_page_keeps_the_session(
    client, claire, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(claire)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/mon-compte/mot-de-passe/",
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
    assert response.status_code == 302
    claire.refresh_from_db()
    assert claire.check_password(NEW_PASSWORD)
    assert client.get("/mon-compte/").status_code == 200  # still signed in
    assert [m.to for m in mailoutbox] == [["claire@exemple.fr"]]


def test_password_change_refuses_a_wrong_current_password(client, claire):
    client.force_login(claire)
    response = client.post(
        "/mon-compte/mot-de-passe/",
        {
            "old_password": "pas-le-bon",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    claire.refresh_from_db()
    assert claire.check_password(PASSWORD)


def request_email_change(client, new_email="claire.nouvelle@exemple.fr", password=PASSWORD):
    return client.post(
        "/mon-compte/adresse-e-mail/", {"new_email": new_email, "password": password}
    )


def test_email_change_is_confirmed_from_the_new_address(
    client, claire, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(claire)
    assert request_email_change(client).status_code == 302
    claire.refresh_from_db()
    assert claire.email == "claire@exemple.fr"  # nothing changes before the confirmation
    (confirmation,) = mailoutbox
    assert confirmation.to == ["claire.nouvelle@exemple.fr"]
    link = path_of(re.search(r"https?://\S+/confirmer/\S+/", confirmation.body).group(0))

    assert client.get(link).status_code == 200  # a mail scanner opening it changes nothing
    claire.refresh_from_db()
    assert claire.email == "claire@exemple.fr"

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(link).status_code == 302
    claire.refresh_from_db()
    assert claire.email == "claire.nouvelle@exemple.fr"
    notice = mailoutbox[-1]
    assert notice.to == ["claire@exemple.fr"]
    assert "claire.nouvelle@exemple.fr" in notice.body
    # No address travelled with the event, and none is kept once the notice left.
    (event,) = OutboxEvent.objects.filter(name="accounts.EmailChanged")
    assert "@" not in json.dumps(event.payload)
    assert not EmailChangeNotice.objects.exists()

    reused = client.post(link)
    assert reused.status_code == 410
    assert "déjà servi" in reused.content.decode()


def test_email_change_needs_the_password_and_a_free_address(client, claire, mailoutbox):
    UserFactory(email="pris@exemple.fr")
    client.force_login(claire)
    wrong = request_email_change(client, password="pas-le-bon")
    taken = request_email_change(client, new_email="pris@exemple.fr")
    assert wrong.status_code == taken.status_code == 200
    assert "Mot de passe incorrect." in wrong.content.decode()
    assert "déjà utilisée" in taken.content.decode()
    assert mailoutbox == []


def test_an_expired_or_altered_email_link_changes_nothing(client, claire, mailoutbox, monkeypatch):
    client.force_login(claire)
    request_email_change(client)
    link = path_of(re.search(r"https?://\S+/confirmer/\S+/", mailoutbox[0].body).group(0))

    from apps.accounts import email_change

    monkeypatch.setattr(email_change, "EMAIL_CHANGE_MAX_AGE", timedelta(seconds=-1))
    expired = client.post(link)
    assert expired.status_code == 410
    assert "a expiré" in expired.content.decode()
    monkeypatch.undo()

    altered = client.post(link[:-3] + "xx/")
    assert altered.status_code == 410
    assert User.objects.get(pk=claire.pk).email == "claire@exemple.fr"


def test_a_link_for_an_address_taken_meanwhile_changes_nothing(client, claire, mailoutbox):
    client.force_login(claire)
    request_email_change(client)
    link = path_of(re.search(r"https?://\S+/confirmer/\S+/", mailoutbox[0].body).group(0))
    UserFactory(email="claire.nouvelle@exemple.fr")

    response = client.post(link)
    assert response.status_code == 410
    assert User.objects.get(pk=claire.pk).email == "claire@exemple.fr"


def test_reset_requests_are_limited_per_address(claire, mailoutbox):
    client = Client(REMOTE_ADDR="198.51.100.9")
    for n in range(5):
        assert client.post(RESET_URL, {"email": f"x{n}@exemple.fr"}).status_code == 302

    response = client.post(RESET_URL, {"email": "claire@exemple.fr"})

    assert response.status_code == 429
    assert "Trop de demandes" in response.content.decode()
    assert mailoutbox == []


def test_a_stranger_cannot_flood_or_block_the_owner_reset(claire, mailoutbox):
    for n in range(8):  # from many addresses
        response = Client(REMOTE_ADDR=f"203.0.113.{n}").post(
            RESET_URL, {"email": "claire@exemple.fr"}
        )
        assert response.status_code == 302  # always the same answer
    assert len(mailoutbox) == 5  # then no more e-mail
    # The links already sent still work for the owner.
    link = path_of(re.search(r"https?://\S+/mot-de-passe-oublie/\S+/", mailoutbox[0].body).group(0))
    assert Client().get(link, follow=True).status_code == 200
