"""Pages that compose several contexts (home, pro profile), SEO files and error pages.

The composition root reads each context through its public ``api`` module only, so a
context can move behind the gateway without these pages changing shape.
"""

import json
from datetime import date

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_page

from apps.core.facade_ports import facade
from apps.core.pagecache import cache_depends, cache_meta, public_response_cache
from apps.core.site import absolute_url
from apps.directory import api as directory
from apps.quotes import api as quotes
from apps.reviews.contracts import ReviewsFacade
from eldo.degraded import reviews_unavailable, unless_reviews_unavailable

reviews: ReviewsFacade = facade("reviews")

PROFILE_REVIEWS_PER_PAGE = 10


@public_response_cache(params=())
def home(request):
    review_generations = unless_reviews_unavailable(request, reviews.latest_cache_generations, ())
    cache_depends(request, directory.listing_cache_generation(), *review_generations)
    categories = [
        {"name": c.name, "url": f"/artisans/{c.slug}/", "icon": c.name[:1]}
        for c in directory.categories()
        if c.parent_slug is None
    ]
    figures = directory.platform_figures()
    quote_figures = quotes.platform_figures()
    review_figures = unless_reviews_unavailable(request, reviews.platform_figures, {"reviews": 0})
    context = {
        "categories": categories,
        "figures": [
            figure
            for figure in (
                {"value": figures["pros"], "label": "Pros qualifiés dans toute la France"},
                {"value": quote_figures["homeowners_helped"], "label": "Particuliers accompagnés"},
                {"value": review_figures["reviews"], "label": "Avis clients publiés"},
            )
            if figure["value"]
        ],
        "latest_reviews": [
            {
                "author_name": review.author_name,
                "rating": review.rating,
                "title": review.title,
                "body": review.body,
                "commune": review.author_commune,
                "postcode": review.author_postcode,
                # Shown relative ("il y a 3 heures"): the cached page may be up to
                # PUBLIC_RESPONSE_CACHE_SECONDS old, so the exact date is in <time> too.
                "published_at": review.published_at,
                "pro_name": review.pro_name,
                "pro_url": review.pro_url,
                "url": review.url,
            }
            for review in unless_reviews_unavailable(
                request, lambda: reviews.latest_reviews(limit=6), []
            )
        ],
    }
    return render(request, "home.html", context)


def _profile_reviews(request, pro_id: int) -> dict:
    """The reviews block of the profile: one page, sorted as asked (newest first); when
    reviews does not answer, ``reviews_unavailable`` and no list."""
    try:
        number = int(request.GET.get("page") or 1)
    except ValueError:
        raise Http404 from None
    page = unless_reviews_unavailable(
        request,
        lambda: reviews.pro_reviews(
            pro_id=pro_id,
            page=number,
            page_size=PROFILE_REVIEWS_PER_PAGE,
            ordering=request.GET.get("tri") or "recent",
        ),
        None,
    )
    if reviews_unavailable(request):
        return {"reviews": None, "reviews_page": None, "reviews_unavailable": True}
    if page is None:
        raise Http404
    # A Page over the count only, for the pagination component: no query.
    paginator = Paginator(range(page.count), PROFILE_REVIEWS_PER_PAGE)
    return {
        "reviews": page,
        "reviews_page": paginator.page(page.page) if page.count else None,
        "review_orderings": unless_reviews_unavailable(request, reviews.review_orderings, []),
    }


def _json_ld(data: dict) -> str:
    # Inside <script>, "</" must not appear: escape the characters HTML could interpret.
    raw = json.dumps(data, ensure_ascii=False)
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _review_json_ld(card, *, rules_url: str) -> dict:
    """A schema.org Review of the page's reviews; its label (avis vérifié, collecté par
    l'entreprise, spontané) in ``additionalType`` (the explanation's URL) and ``keywords``."""
    return {
        "@type": "Review",
        "name": card.title,
        "reviewBody": card.body,
        "datePublished": card.published_at.date().isoformat(),
        "author": {"@type": "Person", "name": card.author_name},
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": card.rating,
            "bestRating": 5,
            "worstRating": 1,
        },
        "additionalType": f"{rules_url}#label-{card.label}",
        "keywords": card.label_name,
    }


def _count_cached_profile_view(request, meta: dict) -> None:
    directory.pro_profile_viewed(meta["slug"])


@public_response_cache(on_hit=_count_cached_profile_view, params=("page", "tri"))
def pro_profile(request, slug: str):
    profile = directory.pro_profile(slug)
    if profile is None:
        raise Http404
    # Read right after the profile (its id is needed), before the reviews are.
    review_generations = unless_reviews_unavailable(
        request, lambda: reviews.pro_reviews_cache_generations(profile["id"]), ()
    )
    cache_depends(
        request,
        directory.pro_cache_generation(profile["id"]),
        *review_generations,
        directory.brands_cache_generation(),
    )
    cache_meta(request, slug=slug)
    directory.pro_profile_viewed(slug)
    rating = profile["rating"]
    histogram = profile["histogram"]
    total = sum(histogram.values()) or 1
    structured = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "name": profile["name"],
        "url": profile["url"],
        "address": {
            "@type": "PostalAddress",
            "streetAddress": profile["address"],
            "postalCode": profile["postcode"],
            "addressLocality": profile["commune"],
            "addressCountry": "FR",
        },
    }
    # Only labels Eldo verified and still valid (the profile's "certifications").
    if profile["certifications"]:
        structured["hasCredential"] = [
            {
                "@type": "EducationalOccupationalCredential",
                "credentialCategory": "certification",
                "name": cert["label"],
                **({"validUntil": cert["valid_until"]} if cert["valid_until"] else {}),
            }
            for cert in profile["certifications"]
        ]
    # The brands it is a certified installer of (checked by Eldo): the programme it belongs
    # to, and the brand it installs.
    if profile["brands"]:
        structured["memberOf"] = [
            {"@type": "Organization", "name": b["name"], "url": b["url"]} for b in profile["brands"]
        ]
        structured["brand"] = [
            {"@type": "Brand", "name": b["name"], "url": b["url"]} for b in profile["brands"]
        ]
    # No telephone: the number is shown on request only ("Afficher le numéro"), where each
    # reveal is counted for the pro; printing it in the page would bypass that.
    if rating["count"]:
        structured["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": rating["average"],
            "reviewCount": rating["count"],
            "bestRating": 5,
            "worstRating": 1,
        }
    reviews_context = _profile_reviews(request, profile["id"])
    if reviews_context["reviews"] and reviews_context["reviews"].items:
        rules_url = absolute_url(reverse("reviews:how-it-works"))
        structured["review"] = [
            _review_json_ld(card, rules_url=rules_url) for card in reviews_context["reviews"].items
        ]
    context = {
        "pro": profile,
        "place_label": f"{profile['commune']} ({profile['postcode']})",
        # 732 829 320 00074: SIREN then the establishment's number, as printed on invoices.
        "siret_display": f"{s[:3]} {s[3:6]} {s[6:9]} {s[9:]}" if (s := profile["siret"]) else "",
        "breadcrumbs": [
            {"label": "Accueil", "url": "/"},
            {"label": "Artisans", "url": "/artisans/"},
            {"label": profile["name"], "url": ""},
        ],
        "certifications": [
            {**cert, "valid_until": date.fromisoformat(cert["valid_until"])}
            for cert in profile["certifications"]
        ],
        "verifications": [
            {
                **line,
                "checked_on": date.fromisoformat(c) if (c := line["checked_on"]) else None,
                "valid_until": date.fromisoformat(v) if (v := line["valid_until"]) else None,
            }
            for line in profile["verifications"]
        ],
        "histogram_rows": [
            {
                "stars": star,
                "count": histogram[str(star)],
                "percent": round(100 * histogram[str(star)] / total),
            }
            for star in range(5, 0, -1)
        ],
        "json_ld": _json_ld(structured),
        **reviews_context,
    }
    return render(request, "pages/pro_profile.html", context)


@cache_page(3600)
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        "Disallow: /connexion/",
        # Contact reveals are counted clicks, not pages.
        "Disallow: /pro/*/telephone/",
        "Disallow: /pro/*/site-web/",
        f"Sitemap: {absolute_url(reverse('sitemap-index'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
