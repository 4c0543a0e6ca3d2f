"""Helpers of the reviews tests: valid input, pictures, invitations, published reviews."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import ExifTags, Image

from apps.reviews import invitations, photos, services
from apps.reviews.invitations import invitation_token
from apps.reviews.models import InvitationSource


def jpeg(size=(640, 480), *, gps: bool = True, color=(200, 120, 60)) -> bytes:
    image = Image.new("RGB", size, color)
    buffer = BytesIO()
    params = {}
    if gps:
        exif = Image.Exif()
        exif[ExifTags.Base.Make] = "EldoTestCam"
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        info[ExifTags.GPS.GPSLatitudeRef] = "N"
        info[ExifTags.GPS.GPSLatitude] = (43.0, 36.0, 16.0)
        params["exif"] = exif
    image.save(buffer, "JPEG", **params)
    return buffer.getvalue()


def upload(content: bytes, name: str = "chantier.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def work_date(days_ago: int = 30) -> str:
    return (timezone.localdate() - timedelta(days=days_ago)).isoformat()


def review_payload(**overrides) -> dict:
    data = {
        "rating": 5,
        "title": "Réfection façade",
        "body": "Chantier propre, délais tenus, enduit impeccable : nous sommes ravis du résultat.",
        "author_name": "Philippe",
        "author_email": "philippe.client@exemple.fr",
        "author_postcode": "31000",
        "work_category": "facade",
        "work_date": work_date(),
    }
    data.update(overrides)
    return data


def invite(
    pro,
    *,
    email="client@exemple.fr",
    name="Jeanne Client",
    created_by=None,
    source=InvitationSource.SINGLE,
    **extra,
):
    """An invitation created by the service (its e-mail leaves after commit). By default
    the pro's own ("avis collecté"); ``source=InvitationSource.ELDO`` for Eldo's own
    ("avis vérifié")."""
    invitation = invitations.review_request_create(
        pro_id=pro.id,
        organization_id=pro.organization_id,
        created_by_id=created_by.pk if created_by else None,
        customer_name=name,
        customer_email=email,
        work_description=extra.get("work_description", "Ravalement de façade"),
        work_date=timezone.localdate() - timedelta(days=extra.get("days_ago", 20)),
        source=source,
    )
    return invitation, invitation_token(invitation)


def submit_invited(
    pro,
    *,
    email="client@exemple.fr",
    rating=5,
    body=None,
    source=InvitationSource.ELDO,
    **overrides,
):
    """An invited review, written through its invitation: by default Eldo's own invitation
    ("avis vérifié", published when no check fires); ``source=InvitationSource.SINGLE`` for
    one the pro collected. Its photos are processed as the relay does after the commit."""
    _invitation, token = invite(pro, email=email, source=source)
    data = review_payload(rating=rating, **overrides)
    if body:
        data["body"] = body
    data["work_date"] = timezone.localdate() - timedelta(days=30)
    data.pop("author_email")
    review = services.review_submit(invitation_token=token, **data)
    if data.get("photos"):
        ready = photos.photos_prepare(review_id=review.pk)
        photos.photos_publish(review_id=review.pk, ready=ready)
    return review


def token_in(text: str, prefix: str) -> str:
    """The token at the end of the link ``prefix<token>/`` found in an e-mail."""
    match = re.search(re.escape(prefix) + r"([^/\s\"<>]+)/", text)
    assert match, f"no {prefix} link in: {text[:500]}"
    return match.group(1)


def deliver_late(event) -> list[str]:
    """``event`` delivered to reviews' handlers as the outbox would (the inbox runs each
    handler's ``prepare`` step, then the handler): a late or repeated delivery."""
    import uuid

    from apps.core.envelope import envelope_of
    from apps.core.inbox import inbox_handle

    envelope = envelope_of(
        event_id=uuid.uuid4(),
        name=event.name,
        version=event.version,
        occurred_at=timezone.now(),
        payload=event.to_payload(),
    )
    return inbox_handle(envelope=envelope, consumer="reviews")
