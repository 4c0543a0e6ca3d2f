"""Sitemaps whose locations come from SITE_URL (apps.core.site), never from ``Host``."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem
from django.template.response import TemplateResponse
from django.urls import reverse

from apps.core.site import absolute_url, site_domain, site_scheme


class SiteSitemap(Sitemap):
    def get_protocol(self, protocol=None):
        return site_scheme()

    def get_domain(self, site=None):
        return site_domain()


def sitemap_index(request, sitemaps: dict, sitemap_url_name: str):
    """Django's index view builds each section's URL from the request's host; this one
    from SITE_URL (same template, same pagination)."""
    items = []
    for section, sitemap in sitemaps.items():
        sitemap = sitemap() if callable(sitemap) else sitemap
        url = absolute_url(reverse(sitemap_url_name, kwargs={"section": section}))
        items.append(SitemapIndexItem(url, None))
        for page in range(2, sitemap.paginator.num_pages + 1):
            items.append(SitemapIndexItem(f"{url}?p={page}", None))
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": items}, content_type="application/xml"
    )
