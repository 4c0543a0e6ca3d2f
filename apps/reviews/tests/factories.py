"""factory_boy factories of the reviews context.

``ReviewFactory(pro_id=pro.id)`` writes a review row as it stands after submission (a
published spontaneous review by default); tests of the submission itself go through
``support.submit_invited`` or the API, which run the service.
"""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from apps.reviews.models import Review, ReviewSource, ReviewStatus


class ReviewFactory(DjangoModelFactory):
    class Meta:
        model = Review

    source = ReviewSource.SPONTANEOUS
    status = ReviewStatus.PUBLISHED
    rating = 5
    title = "Chantier soigné"
    body = "Travail soigné : chantier propre et délais tenus, je recommande."
    work_category_slug = "facade"
    work_category_name = "Façade"
    work_date = factory.LazyFunction(timezone.localdate)
    author_name = factory.Sequence(lambda n: f"Client{n}")
    author_email = factory.Sequence(lambda n: f"client{n}@exemple.fr")
    author_postcode = "31000"
    author_commune = "Toulouse"
    text_fingerprint = factory.Sequence(lambda n: f"{n:064d}")
    published_at = factory.LazyAttribute(
        lambda review: timezone.now() if review.status == ReviewStatus.PUBLISHED else None
    )
