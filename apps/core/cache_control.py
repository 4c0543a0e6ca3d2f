"""``Cache-Control: private, no-store`` on every answer to a signed-in caller.

What a signed-in person sees carries personal data (a homeowner's contact details in a
lead, a pro's statistics, the account menu in a page's header), so no shared cache (Kong's
proxy-cache, a corporate proxy, a CDN) and no browser disk cache may keep it. The rule is
by caller, not by endpoint, so a new personal endpoint cannot forget it: any request that
is authenticated (session, JWT, partner API key — DRF sets ``request.user`` on the Django
request too) or that presents credentials gets ``private, no-store``, replacing whatever
the view set (``public, max-age``, ``cache_page``). Anonymous answers keep their headers.
"""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers

PRIVATE = "private, no-store"


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return True
    meta = request.META
    return bool(meta.get("HTTP_AUTHORIZATION") or meta.get("HTTP_X_API_KEY"))


class PrivateCacheControlMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _signed_in(request):
            add_never_cache_headers(response)  # Expires in the past, no-cache, max-age=0
            response["Cache-Control"] = PRIVATE
        return response
