"""Public French pages of the directory: search and landing pages, contact reveals."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlsplit

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.counters import counter_incr, counter_incr_many
from apps.core.page_sections import sections_render
from apps.core.pagecache import cache_depends, cache_meta, cached_value, public_response_cache
from apps.directory.brands import BRANDS_GENERATION
from apps.directory.contracts import LANDING_SECTIONS_PAGE
from apps.directory.places import nearby_towns, place_phrase
from apps.directory.presentation.forms import SearchForm
from apps.directory.search import (
    SearchCriteria,
    landing_area_of,
    place_resolve,
    pro_search,
    pro_search_summary,
)
from apps.directory.selectors import pro_contact
from apps.directory.services import CATALOG_GENERATION, listing_generations

app_name = "directory"

PAGE_SIZE = 12


def _paginate(queryset, page_number, count: int | None = None):
    paginator = Paginator(queryset, PAGE_SIZE)
    if count is not None:  # already counted (a landing page's summary): no COUNT query
        paginator.count = count
    try:
        return paginator.page(page_number or 1)
    except (EmptyPage, PageNotAnInteger):
        return paginator.page(1) if page_number in (None, "") else None


def _form_fragment_key(form: SearchForm) -> str | None:
    """The filters' HTML is a function of the submitted values and the choices offered (the
    trades): a key made of both lets the rendered fields be reused from the cache when only
    the results changed (a new review). None for a form with errors (not cached)."""
    if form.is_bound and not form.is_valid():
        return None
    data = sorted((name, form.data.getlist(name)) for name in form.fields if name in form.data)
    choices = [list(getattr(field, "choices", [])) for field in form.fields.values()]
    material = json.dumps([data, choices], default=str)  # lazy labels as their text
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def _render_results(
    request,
    *,
    form: SearchForm,
    criteria: SearchCriteria | None,
    title,
    lead,
    breadcrumbs,
    status=200,
    extra=None,
    count=None,
    results=None,
):
    page = None
    if criteria is not None:
        cache_depends(request, *listing_generations(criteria.category))
        if criteria.brand_organization_id is not None:
            cache_depends(request, BRANDS_GENERATION)
        results = pro_search(criteria) if results is None else results
        page = _paginate(results, request.GET.get("page"), count)
        if page is None:
            raise Http404
        shown = [p.slug for p in page.object_list]
        counter_incr_many("directory.SearchImpression", shown)
        cache_meta(request, impressions=shown)
    context = {
        "form": form,
        "form_fragment_key": _form_fragment_key(form),
        "page": page,
        "criteria": criteria,
        "title": title,
        "lead": lead,
        "breadcrumbs": breadcrumbs,
        **(extra or {}),
    }
    return render(request, "directory/search.html", context, status=status)


def count_cached_impressions(request, meta: dict) -> None:
    """A cached list still counts its impressions (apps.core.pagecache ``on_hit``)."""
    if meta.get("impressions"):
        counter_incr_many("directory.SearchImpression", meta["impressions"])


# The parameters a results page reads: any other one is served uncached.
SEARCH_PARAMS = (*SearchForm.base_fields, "page", "page_size")


@public_response_cache(on_hit=count_cached_impressions, params=SEARCH_PARAMS)
def search(request):
    cache_depends(request, CATALOG_GENERATION)  # the trades the form offers and resolves
    form = SearchForm(request.GET or None)
    criteria = form.criteria() if form.is_bound and form.is_valid() else None
    if not form.is_bound:
        criteria = SearchCriteria()
    title = "Trouvez un artisan de confiance"
    if criteria and criteria.category:
        title = f"{criteria.category.name} : artisans et entreprises"
    if criteria and criteria.place:
        title += f" {place_phrase(criteria.place)}"
    if form.selected_brand:
        title = f"Installateurs certifiés {form.selected_brand.name}" + (
            f" {place_phrase(criteria.place)}" if criteria and criteria.place else ""
        )
    crumbs = [{"label": "Accueil", "url": "/"}, {"label": "Artisans", "url": "/artisans/"}]
    if criteria and criteria.category:
        crumbs.append(
            {"label": criteria.category.name, "url": f"/artisans/{criteria.category.slug}/"}
        )
    crumbs.append({"label": "Résultats", "url": ""})
    return _render_results(
        request,
        form=form,
        criteria=criteria,
        title=title,
        lead="Comparez les professionnels du bâtiment grâce aux avis vérifiés de leurs clients.",
        breadcrumbs=crumbs,
    )


@public_response_cache(on_hit=count_cached_impressions, params=SEARCH_PARAMS)
def category_landing(request, category_slug: str, commune_slug: str | None = None):
    cache_depends(request, CATALOG_GENERATION)  # the trades the form offers and resolves
    place = None
    if commune_slug is not None:
        place = place_resolve(commune_slug)
        if place is None or place.kind not in {"commune", "department"}:
            raise Http404
    data = QueryDict(mutable=True)
    data.update(request.GET)
    data["category"] = category_slug
    if place is not None:
        # The field shows "Toulouse (31)", never the slug.
        data["place"] = place.label
    # The form loads the active categories and validates the place anyway: it answers both
    # from what is already resolved, without querying them a second time.
    form = SearchForm(data, known_places={place.label: place} if place else None)
    category = form.active_category(category_slug)
    if category is None:
        raise Http404
    criteria = (
        form.criteria() if form.is_valid() else SearchCriteria(category=category, place=place)
    )
    where = f" {place_phrase(place, with_code=False)}" if place else ""
    crumbs = [
        {"label": "Accueil", "url": "/"},
        {"label": "Artisans", "url": "/artisans/"},
        {"label": category.name, "url": f"/artisans/{category.slug}/"},
    ]
    if place:
        crumbs.append({"label": place.label, "url": ""})
    extra, count, results = {}, None, None
    if place is not None:
        # An introduction made of data: how many pros, their rating, the towns around. It
        # is the results' search (built once) and its count of pros the results' count too.
        results = pro_search(criteria)
        summary, area = _landing_figures(
            criteria, results=results, categories=form.active_categories()
        )
        count = summary["pros"]
        extra = {
            "landing": {
                "category": category,
                "where": place_phrase(place, with_code=False),
                "summary": summary,
                "nearby": [
                    {"name": town.name, "url": f"/artisans/{category.slug}/{town.slug}/"}
                    for town in nearby_towns(place)
                ],
                # What the contexts above the directory add (eldo/landing.py): the latest
                # reviews nearby, the budgets of qualified requests.
                "sections": sections_render(
                    LANDING_SECTIONS_PAGE,
                    request,
                    category_slug=category.slug,
                    place_slug=commune_slug,
                    where=place_phrase(place, with_code=False),
                    # The trade, the place and the categories are loaded already: the
                    # sections' area costs one query here (none when kept), instead of four
                    # in the facade.
                    area=area,
                ),
            }
        }
    return _render_results(
        request,
        extra=extra,
        count=count,
        results=results,
        form=form,
        criteria=criteria,
        title=f"{category.name}{where} : les artisans les mieux notés",
        lead=category.description,
        breadcrumbs=crumbs,
    )


# How long a landing page's figures may be reused at most: what the trade's generations do
# not cover (a certification expiring, for the "RGE" filter) as long as a cached page.
LANDING_FIGURES_SECONDS = 600


def _landing_figures(criteria: SearchCriteria, *, results, categories):
    """A landing page's summary (pros, average rating, reviews) and its sections' area (the
    pros it lists), kept while the lists of its trade hold (``listing_generations``): a
    miss of the whole page (a signed-in visitor, another page of the results, a change in
    another trade) reads neither again."""
    category, place = criteria.category, criteria.place
    assert category is not None and place is not None, "a landing page has both"
    names = listing_generations(category)
    if criteria.brand_organization_id is not None:
        names.append(BRANDS_GENERATION)
    key = "landing:figures:" + repr(
        (
            category.id,
            place.slug,
            criteria.q,
            criteria.min_rating,
            criteria.certification,
            criteria.verified,
            criteria.brand_organization_id,
        )
    )

    def build():
        return (
            pro_search_summary(criteria, results=results),
            landing_area_of(category=category, place=place, categories=categories),
        )

    return cached_value(names, key, build, timeout=LANDING_FIGURES_SECONDS)


# A reveal is counted once per visitor, pro, kind and day (counter, no database write; the
# dedupe is a cache entry keyed by a hash of the client's address and browser) and never
# cached: the profile itself stays cacheable and shows only the links (rel="nofollow",
# robots.txt). Reloading the phone page does not inflate the pro's "Clics contact".
CONTACT_COUNTER = "directory.ContactRevealed"


def _contact_count_once(request, slug: str, kind: str) -> None:
    import hashlib

    from django.core.cache import cache
    from django.utils import timezone
    from rest_framework.settings import api_settings
    from rest_framework.throttling import BaseThrottle

    # The client's address as the throttles see it (X-Forwarded-For only behind NUM_PROXIES).
    if api_settings.NUM_PROXIES is None:
        address = request.META.get("REMOTE_ADDR") or ""
    else:
        address = BaseThrottle().get_ident(request) or ""
    visitor = f"{address}|{request.headers.get('User-Agent', '')[:200]}"
    digest = hashlib.sha256(visitor.encode()).hexdigest()[:32]
    key = f"directory:reveal:{timezone.localdate():%Y%m%d}:{kind}:{slug}:{digest}"
    if cache.add(key, 1, 24 * 3600):
        counter_incr(CONTACT_COUNTER, slug)


@require_GET
@never_cache
def contact_phone(request, slug: str):
    """ "Afficher le numéro": counts the reveal and shows the number with a tel: link."""
    pro = pro_contact(slug=slug)
    if pro is None or not pro["phone"]:
        raise Http404
    _contact_count_once(request, slug, "phone")
    crumbs = [
        {"label": "Accueil", "url": "/"},
        {"label": pro["name"], "url": reverse("pro-profile", args=[slug])},
        {"label": "Téléphone", "url": ""},
    ]
    response = render(request, "directory/contact_phone.html", {"pro": pro, "breadcrumbs": crumbs})
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
@never_cache
def contact_website(request, slug: str):
    """ "Voir le site web": counts the click and redirects to the website stored for this pro
    only (no URL is taken from the request)."""
    pro = pro_contact(slug=slug)
    website = (pro or {}).get("website") or ""
    if urlsplit(website).scheme not in {"http", "https"} or not urlsplit(website).netloc:
        raise Http404
    _contact_count_once(request, slug, "website")
    response = HttpResponseRedirect(website)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


urlpatterns = [
    path("pro/<slug:slug>/telephone/", contact_phone, name="contact-phone"),
    path("pro/<slug:slug>/site-web/", contact_website, name="contact-website"),
    path("artisans/", search, name="search"),
    path("artisans/<slug:category_slug>/", category_landing, name="category"),
    path(
        "artisans/<slug:category_slug>/<slug:commune_slug>/",
        category_landing,
        name="category-place",
    ),
]
