"""Domain errors that reach a page: the 404 page, or a French message, never a 500.

The API answers them in ``apps.core.api_support.exception_handler`` (DRF catches them
before any middleware); this is the same mapping for the HTML pages.
"""

import logging

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
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
