"""Building pros for tests through the same services the product uses."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django.utils.text import slugify

from apps.accounts.tests.factories import OrganizationFactory
from apps.directory.models import (
    Category,
    CheckKind,
    CheckSource,
    CheckStatus,
    Commune,
    ProCheck,
    ProNetwork,
    ProProfile,
    ProRating,
)
from apps.directory.services import pro_rating_store, pro_search_index_refresh
from apps.directory.validators import siret_with_checksum


def make_pro(
    name: str,
    *,
    commune: str = "31555",
    trades: tuple[str, ...] = ("facade",),
    departments: tuple[str, ...] = (),
    radius_km: int | None = None,
    rating: tuple[float, int] | None = None,
    certifications: tuple[tuple[str, int], ...] = (),
    verified: bool = False,
    insured: bool = True,
    description: str = "",
    published: bool = True,
) -> ProProfile:
    """A published pro. ``rating`` is (average, count); certifications (kind, days valid)
    are labels Eldo verified; ``verified`` adds a verified identity check; ``insured`` (the
    default, as matching skips uninsured pros) a verified décennale covering its trades."""
    place = Commune.objects.get(insee_code=commune)
    organization = OrganizationFactory(name=name, slug=slugify(name))
    pro = ProProfile.objects.create(
        organization_id=organization.pk,
        name=name,
        slug=organization.slug,
        siret=siret_with_checksum("7321829540001"),
        description=description,
        commune=place,
        postcode=place.postal_codes.first().code,
        latitude=place.latitude,
        longitude=place.longitude,
        service_radius_km=radius_km,
        is_verified=verified,
        is_published=published,
    )
    pro.categories.set(Category.objects.filter(slug__in=trades))
    pro.service_departments.set(departments)
    verified_check = {"status": CheckStatus.VERIFIED, "checked_at": timezone.now()}
    for kind, days in certifications:
        ProCheck.objects.create(
            pro=pro,
            kind=CheckKind.LABEL,
            label=kind,
            number=f"{kind}-1",
            source=CheckSource.ADEME_RGE if kind == "rge" else CheckSource.STAFF,
            valid_until=date.today() + timedelta(days=days),
            **verified_check,
        )
    if verified:
        ProCheck.objects.create(
            pro=pro,
            kind=CheckKind.IDENTITY,
            number=pro.siret,
            source=CheckSource.SIRENE,
            **verified_check,
        )
    if insured:
        insurance = ProCheck.objects.create(
            pro=pro,
            kind=CheckKind.INSURANCE,
            number=f"DEC-{pro.id}",
            issuer="SMABTP",
            source=CheckSource.STAFF,
            valid_until=date.today() + timedelta(days=365),
            **verified_check,
        )
        insurance.trades.set(pro.categories.all())
    ProRating.objects.get_or_create(pro=pro)
    if rating:
        average, count = rating
        pro_rating_store(
            pro_id=pro.id,
            average=average,
            count=count,
            histogram={"5": count},
            criteria={},
            score=bayesian(average, count),
        )
    pro_search_index_refresh(pro_ids=[pro.id])
    pro = ProProfile.objects.get(pk=pro.pk)
    # The profile keeps its organization's id only; tests that add members or read the
    # organization's own rows find the accounts row here.
    pro.organization = organization
    return pro


def bayesian(
    average: float, count: int, *, prior_mean: float = 4.3, prior_weight: int = 7
) -> float:
    return (prior_weight * prior_mean + count * average) / (prior_weight + count)


def link_network(pro: ProProfile, network_id: int) -> None:
    """The pro shows this network or manufacturer (what staff set in the admin)."""
    ProNetwork.objects.get_or_create(pro=pro, network_id=network_id)


def make_brand(
    name: str,
    *,
    slug: str,
    trades: tuple[str, ...] = ("pompe-a-chaleur",),
    published: bool = True,
    **fields,
):
    """A manufacturer (accounts organization of kind "manufacturer") with its brand page."""
    from apps.directory.models import Brand

    organization = OrganizationFactory(name=name, slug=f"org-{slug}", kind="manufacturer")
    brand = Brand.objects.create(
        organization_id=organization.pk,
        name=name,
        slug=slug,
        tagline=fields.pop("tagline", "Pompes à chaleur fabriquées en France"),
        description=fields.pop("description", "Fabricant de pompes à chaleur depuis 1987."),
        product_families=fields.pop("product_families", ["Pompes à chaleur air/eau"]),
        is_published=published,
        **fields,
    )
    brand.categories.set(Category.objects.filter(slug__in=trades))
    brand.organization = organization  # the accounts row behind it, as for make_pro
    return brand
