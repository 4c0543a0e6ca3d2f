"""Sections a context's page shows but a context above it supplies.

A context never imports the ones above it (import-linter layers), yet some of its public
pages are worth more with their data: the directory's landing pages show the latest reviews
nearby and the budgets of qualified requests. The page declares a name
("directory.landing") and renders, where it wants them, whatever the composition root
(``eldo/landing.py``) registered under that name. A provider receives the request (for
``apps.core.pagecache.cache_depends``) and plain facts about the page, reads the other
contexts through their ``api`` and returns its HTML, or "" to show nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

Provider = Callable[..., str]

_providers: dict[str, list[tuple[str, Provider]]] = {}


def register_section(page: str, name: str, provider: Provider) -> Provider:
    """Declare ``provider(request, **facts) -> html`` as section ``name`` of ``page``, in
    registration order; registering the same name again replaces it."""
    sections = [entry for entry in _providers.get(page, []) if entry[0] != name]
    _providers[page] = [*sections, (name, provider)]
    return provider


def sections_render(page: str, request, **facts) -> list[SafeString]:
    """The HTML of each section registered for ``page`` that has something to show."""
    rendered = [provider(request, **facts) for _name, provider in _providers.get(page, [])]
    # Providers render templates (autoescaped): their output is trusted HTML.
    return [mark_safe(html) for html in rendered if html]  # noqa: S308 # nosec B308 B703
