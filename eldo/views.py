"""Pages that compose several contexts (home, pro profile), SEO files and error pages.

The composition root reads each context through its public ``api`` module only, so a
context can move behind the gateway without these pages changing shape.
"""

import json
from datetime import date

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import cache_page

from apps.directory import api as directory
from apps.reviews import api as reviews

PROFILE_REVIEWS_PER_PAGE = 10


def home(request):
    categories = [
        {"name": c.name, "url": f"/artisans/{c.slug}/", "icon": c.name[:1]}
        for c in directory.categories()
        if c.parent_slug is None
    ]
    figures = directory.platform_figures()
    review_figures = reviews.platform_figures()
    context = {
        "categories": categories,
        "figures": [
            figure
            for figure in (
                {"value": figures["pros"], "label": "Pros qualifiés dans toute la France"},
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
                "pro_name": review.pro_name,
                "pro_url": review.pro_url,
                "url": review.url,
            }
            for review in reviews.latest_reviews(limit=6)
        ],
    }
    return render(request, "home.html", context)


def _profile_reviews(request, pro_id: int) -> dict:
    """The reviews block of the profile: one page, sorted as asked (newest first)."""
    try:
        number = int(request.GET.get("page") or 1)
    except ValueError:
        raise Http404 from None
    page = reviews.pro_reviews(
        pro_id=pro_id,
        page=number,
        page_size=PROFILE_REVIEWS_PER_PAGE,
        ordering=request.GET.get("tri") or "recent",
    )
    if page is None:
        raise Http404
    # A Page over the count only, for the pagination component: no query.
    paginator = Paginator(range(page.count), PROFILE_REVIEWS_PER_PAGE)
    return {
        "reviews": page,
        "reviews_page": paginator.page(page.page) if page.count else None,
        "review_orderings": reviews.review_orderings(),
    }


def _json_ld(data: dict) -> str:
    # Inside <script>, "</" must not appear: escape the characters HTML could interpret.
    raw = json.dumps(data, ensure_ascii=False)
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def pro_profile(request, slug: str):
    profile = directory.pro_profile(slug, request=request)
    if profile is None:
        raise Http404
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
    if profile["phone"]:
        structured["telephone"] = profile["phone"]
    if rating["count"]:
        structured["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": rating["average"],
            "reviewCount": rating["count"],
            "bestRating": 5,
            "worstRating": 1,
        }
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
        "histogram_rows": [
            {
                "stars": star,
                "count": histogram[str(star)],
                "percent": round(100 * histogram[str(star)] / total),
            }
            for star in range(5, 0, -1)
        ],
        "json_ld": _json_ld(structured),
        **_profile_reviews(request, profile["id"]),
    }
    return render(request, "pages/pro_profile.html", context)


@cache_page(3600)
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        "Disallow: /connexion/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap-index'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Introuvable."}, status=404)
    return render(request, "errors/404.html", status=404)


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"detail": "Erreur interne du serveur."}, status=500)
    # Rendered without the request: no context processor, nothing that could fail again.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())


def bad_request(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Requête invalide."}, status=400)
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Accès refusé."}, status=403)
    return render(request, "errors/403.html", status=403)
