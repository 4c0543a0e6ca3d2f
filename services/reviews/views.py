"""The service's own views: the redirect standing in for a monolith page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect


def monolith_redirect(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    """A monolith page reached on the service: the same path on the public site."""
    return HttpResponseRedirect(settings.MONOLITH_PUBLIC_URL + request.get_full_path())
