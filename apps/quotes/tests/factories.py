"""factory_boy factories of the quotes context.

``QuoteRequestFactory()`` writes a request as the submission leaves it (new, waiting for an
advisor's call); tests of the submission itself go through the API or the pages.
"""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from apps.quotes.models import QuoteRequest
from apps.quotes.services import CONSENT_TEXT


class QuoteRequestFactory(DjangoModelFactory):
    class Meta:
        model = QuoteRequest

    reference = factory.Sequence(lambda n: f"ELD-2026-{n:06d}")
    kind = "quote"
    channel = "web"
    category_slug = "facade"
    description = "Ravalement de façade, maison de 120 m²."
    postcode = "31000"
    commune_name = "Toulouse"
    department_code = "31"
    first_name = "Luce"
    email = factory.Sequence(lambda n: f"particulier{n}@exemple.fr")
    phone = "+33612345678"
    consent_text = CONSENT_TEXT
    consent_at = factory.LazyFunction(timezone.now)
    next_call_at = factory.LazyFunction(timezone.now)
