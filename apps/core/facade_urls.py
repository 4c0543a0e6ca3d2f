"""The route of the facades over HTTP (``apps.core.remote_facades``), without their
machinery.

``remote_facades`` validates calls with pydantic (~7 MiB of a web worker) and answers only
when ``FACADES_TOKEN`` is set: a monolith's worker, which never answers one, should not pay
for it. The route is declared here and the module is imported by the first call.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


# Facade functions open their own transactions where they write: the view never runs inside
# a request-wide one (a DATABASES entry's ATOMIC_REQUESTS).
@csrf_exempt
@transaction.non_atomic_requests
def facade_call(request: HttpRequest, context: str, function: str) -> HttpResponse:
    """POST /internal/facades/<context>/<function>: apps.core.remote_facades.facade_call."""
    from apps.core.remote_facades import facade_call as call

    return call(request, context, function)


urlpatterns = [
    path("internal/facades/<slug:context>/<slug:function>", facade_call, name="facade-call"),
]
