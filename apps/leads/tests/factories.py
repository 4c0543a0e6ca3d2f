"""factory_boy factories of the leads context.

``LeadFactory(pro=pro)`` writes a lead of that pro (its organization too) as the dispatch or
an inbound network leaves it; tests of the dispatch itself go through the quotes flow.
"""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from apps.leads.models import Lead


class LeadFactory(DjangoModelFactory):
    class Meta:
        model = Lead
        exclude = ("pro",)

    pro = None  # a directory ProProfile (or ProRef): sets pro_id and organization_id
    pro_id = factory.LazyAttribute(lambda lead: lead.pro.id)
    organization_id = factory.LazyAttribute(lambda lead: lead.pro.organization_id)
    category_slug = "facade"
    postcode = "31000"
    department_code = "31"
    first_name = "Jeanne"
    created_at = factory.LazyFunction(timezone.now)
