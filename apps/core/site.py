"""Absolute URLs of the site, from ``settings.SITE_URL`` only.

Never from the request's ``Host`` header: the widget, the badge, the sitemap and the
profile's structured data are cached and served to everyone, so one request with a forged
``Host`` (any port is accepted on an allowed host) would make them link elsewhere for
every visitor until the entry expires."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def absolute_url(url: str) -> str:
    """``/pro/x/`` -> ``https://eldo.fr/pro/x/``; an already absolute URL (media on a CDN)
    and an empty one are returned as they are."""
    if not url or url.startswith(("http://", "https://", "//")):
        return url
    return settings.SITE_URL + (url if url.startswith("/") else f"/{url}")


def site_scheme() -> str:
    return urlsplit(settings.SITE_URL).scheme or "https"


def site_domain() -> str:
    """The host (and port, if any) of SITE_URL."""
    return urlsplit(settings.SITE_URL).netloc
