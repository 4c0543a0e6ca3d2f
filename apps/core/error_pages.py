"""Domain errors that reach a page: the 404 page, or a French message, never a 500.

The API answers them in ``apps.core.api_support.exception_handler`` (DRF catches them
before any middleware); this is the same mapping for the HTML pages.

Also the error handlers of every project's URLconf (the monolith's and a carved
service's): JSON under /api/, the error pages elsewhere.
"""

import base64
import hashlib
import logging
import re
import sys

from django.contrib import messages
from django.db import InterfaceError, OperationalError
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme

from apps.core.api_support import domain_error_body
from apps.core.errors import DomainError

logger = logging.getLogger(__name__)


def _same_site_referer(request) -> str | None:
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return None


class DomainErrorMiddleware:
    """A ``NotFound`` (or a link that never existed) is the normal 404 page. Any other
    domain error on a form's POST goes back to the page the form was on with the message
    as a flash error (303); without a page to go back to, or on a GET, the message is shown
    on the error page with the error's status (409, 410, 429…). Under /api/ (views DRF
    does not wrap) the answer is the API's JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        status = exception.http_status
        if status == 404:
            raise Http404(exception.message) from exception
        logger.info(
            "domain error on a page",
            extra={"code": exception.code, "status": status, "path": request.path},
        )
        if request.path.startswith("/api/"):  # a plain Django view of the API: its JSON
            return JsonResponse(domain_error_body(exception), status=status)
        back = _same_site_referer(request) if request.method == "POST" else None
        if back:
            messages.error(request, exception.message)
            return HttpResponseRedirect(back, status=303)
        return render(
            request,
            "errors/refused.html",
            {"status": status, "message": exception.message, "errors": exception.errors},
            status=status,
        )


# --- Error handlers (handler400/403/404/500 of every project's URLconf) --------------------


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Introuvable."}, status=404)
    return render(request, "errors/404.html", status=404)


# How long a client should wait before retrying while the database is unreachable.
DATABASE_OUTAGE_RETRY_AFTER = 30


def server_error(request):
    # PostgreSQL unreachable (restart, failover, no pooled connection in time) is an
    # outage, not a bug: a 503 with Retry-After, which clients and the gateway retry.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return service_unavailable(request)
    if _wants_json(request):
        return JsonResponse({"detail": "Erreur interne du serveur."}, status=500)
    # Rendered without the request: no context processor, nothing that could fail again.
    html = loader.get_template("errors/500.html").render()
    response = HttpResponseServerError(html)
    # Standalone page, so its CSS is inline: the CSP allows exactly that <style> by hash.
    response._csp_update = {"style-src": _style_hashes(html)}
    return response


def service_unavailable(request) -> HttpResponse:
    """The French 503 page (JSON for API clients) with Retry-After: an outage, not a bug."""
    response: HttpResponse
    if _wants_json(request):
        response = JsonResponse(
            {"detail": "Service momentanément indisponible, réessayez plus tard."}, status=503
        )
    else:
        html = loader.get_template("errors/503.html").render()
        response = HttpResponse(html, status=503)
        response._csp_update = {"style-src": _style_hashes(html)}
    response["Retry-After"] = str(DATABASE_OUTAGE_RETRY_AFTER)
    return response


_INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def _style_hashes(html: str) -> list[str]:
    digests = (hashlib.sha256(css.encode()).digest() for css in _INLINE_STYLE.findall(html))
    return [f"'sha256-{base64.b64encode(digest).decode()}'" for digest in digests]


def bad_request(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Requête invalide."}, status=400)
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Accès refusé."}, status=403)
    return render(request, "errors/403.html", status=403)
