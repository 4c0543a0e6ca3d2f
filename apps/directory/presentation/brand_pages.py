"""Public brand pages: /marques/ (the list) and /marques/<slug>/ (a manufacturer, its trades
and product families, its certified installers by département, "Demander un devis à un
installateur certifié")."""

from __future__ import annotations

import json

from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from apps.core.counters import counter_incr
from apps.core.pagecache import cache_depends, cache_meta, public_response_cache
from apps.core.site import absolute_url
from apps.directory import brands
from apps.directory.services import LISTING_GENERATION

app_name = "directory-brands"

# Counted like a profile view (no database write per view); the stats context sums them
# per brand and day (the brand's dashboard).
BRAND_VIEW_COUNTER = "directory.BrandPageViewed"


def _json_ld(data: dict) -> str:
    raw = json.dumps(data, ensure_ascii=False)
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@require_GET
@public_response_cache(params=())
def brand_list(request):
    cache_depends(request, brands.BRANDS_GENERATION, LISTING_GENERATION)
    context = {
        "brands": brands.brand_list(),
        "breadcrumbs": [{"label": "Accueil", "url": "/"}, {"label": "Marques", "url": ""}],
    }
    return render(request, "directory/brands/list.html", context)


def _count_cached_view(request, meta: dict) -> None:
    counter_incr(BRAND_VIEW_COUNTER, meta["slug"])


@require_GET
@public_response_cache(on_hit=_count_cached_view, params=())
def brand_detail(request, slug: str):
    cache_depends(request, brands.BRANDS_GENERATION, LISTING_GENERATION)
    brand = brands.brand_published(slug)
    if brand is None:
        raise Http404
    cache_meta(request, slug=brand.slug)
    counter_incr(BRAND_VIEW_COUNTER, brand.slug)
    installers = brands.brand_installers(brand)
    page_url = absolute_url(brands.brand_url(brand.slug))
    structured = {
        "@context": "https://schema.org",
        "@type": "Brand",
        "name": brand.name,
        "url": page_url,
        **({"description": brand.tagline} if brand.tagline else {}),
        **({"logo": absolute_url(brand.logo.url)} if brand.logo else {}),
    }
    context = {
        "brand": brand,
        "trades": list(brand.categories.all()),
        "departments": brands.installers_by_department(installers),
        "figures": brands.brand_figures(installers),
        "quote_url": f"{reverse('quotes:request')}?brand={brand.slug}",
        "search_url": f"{reverse('directory:search')}?brand={brand.slug}",
        "json_ld": _json_ld(structured),
        "breadcrumbs": [
            {"label": "Accueil", "url": "/"},
            {"label": "Marques", "url": reverse("directory-brands:list")},
            {"label": brand.name, "url": ""},
        ],
    }
    return render(request, "directory/brands/detail.html", context)


urlpatterns = [
    path("marques/", brand_list, name="list"),
    path("marques/<slug:slug>/", brand_detail, name="detail"),
]
