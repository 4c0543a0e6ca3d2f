"""Staff manage pros in the admin; photos go through the image pipeline."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.core.images import ImageRejected
from apps.directory.models import ProPhoto
from apps.directory.services import pro_photo_add
from apps.directory.tests.factories import make_pro
from apps.directory.validators import siret_is_valid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


def jpeg(name="photo.jpg") -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (1200, 800), (200, 120, 60)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_a_gallery_photo_is_re_encoded_with_a_thumbnail_and_shows_on_the_profile(client):
    pro = make_pro("Façades du Midi")
    photo = pro_photo_add(pro_id=pro.id, upload=jpeg("../../etc/passwd.jpg"), caption="Chantier")
    assert "passwd" not in photo.image.name
    assert photo.thumbnail.name
    with Image.open(photo.thumbnail.path) as thumb:
        assert thumb.width <= 480
    html = client.get("/pro/facades-du-midi/").content.decode()
    assert photo.thumbnail.url in html
    assert 'alt="Chantier"' in html


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_stored():
    pro = make_pro("Façades du Midi")
    fake = SimpleUploadedFile("photo.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    with pytest.raises(ImageRejected):
        pro_photo_add(pro_id=pro.id, upload=fake)
    assert not ProPhoto.objects.exists()


def test_staff_manage_pros_in_the_admin(client, django_user_model):
    make_pro("Façades du Midi")
    admin = django_user_model.objects.create_superuser(email="admin@eldo.test", password="x" * 12)
    client.force_login(admin)
    assert client.get("/admin/directory/proprofile/").status_code == 200
    page = client.get("/admin/directory/proprofile/?q=facades")
    assert "Façades du Midi" in page.content.decode()
    pro_id = page.context["cl"].result_list[0].pk
    assert client.get(f"/admin/directory/proprofile/{pro_id}/change/").status_code == 200
    assert client.get("/admin/directory/category/").status_code == 200
    assert client.get("/admin/directory/commune/?q=31450").status_code == 200


@pytest.mark.parametrize(
    ("siret", "valid"),
    [
        ("73282932000074", True),  # a real, well-formed SIRET
        ("73282932000075", False),
        ("7328293200007", False),
        ("7328293200007A", False),
        ("35600000000048", True),  # La Poste head office (Luhn)
        ("35600000049837", True),  # La Poste establishment: digit sum multiple of 5
    ],
)
def test_siret_checksum(siret, valid):
    assert siret_is_valid(siret) is valid


def test_the_admin_logo_field_refuses_what_is_not_an_image_and_re_encodes_the_rest():
    from apps.directory.admin import ProProfileForm

    pro = make_pro("Façades du Midi")
    fake = SimpleUploadedFile("logo.png", b"GIF89a<script>", content_type="image/png")
    form = ProProfileForm(instance=pro)
    form.cleaned_data = {"logo": fake}
    from django import forms

    with pytest.raises(forms.ValidationError) as refused:
        form.clean_logo()
    assert "Format non accepté" in " ".join(refused.value.messages)
    form.cleaned_data = {"logo": jpeg("mon logo.jpg")}
    cleaned = form.clean_logo()
    assert cleaned.name.endswith("-thumb.jpg") and "mon logo" not in cleaned.name
