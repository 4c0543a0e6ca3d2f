"""Pages of the composition root served without the reviews when reviews does not answer.

When reviews runs as its own service (``settings.REMOTE_FACADES``), a call through its port
may raise ``FacadeUnavailable``. The home page, a pro's profile and the landing pages still
answer 200: the part that needs reviews falls back (no feed, « Avis momentanément
indisponibles » in place of a pro's list, the rating the directory holds still shown), and
the page is not stored by the public response cache. After a first failure the request
does not try reviews again: one timeout per page, not one per call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from apps.core.errors import FacadeUnavailable
from apps.core.pagecache import cache_skip

logger = logging.getLogger(__name__)

T = TypeVar("T")
F = TypeVar("F")


def reviews_unavailable(request) -> bool:
    """Whether reviews already failed to answer during this request."""
    return getattr(request, "_reviews_unavailable", False)


def unless_reviews_unavailable(request, read: Callable[[], T], fallback: F) -> T | F:
    """``read()`` (a call through the reviews port), or ``fallback`` when reviews does not
    answer: the page is then degraded and not cached."""
    if reviews_unavailable(request):
        return fallback
    try:
        return read()
    except FacadeUnavailable as exc:
        logger.warning("page %s without reviews: %s", request.path, exc)
        request._reviews_unavailable = True
        cache_skip(request)
        return fallback
