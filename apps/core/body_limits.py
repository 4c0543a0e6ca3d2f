"""Request-body size guard: 413 before the body is read.

Without it Django reads (and spools to ``/tmp``, a small tmpfs in the image) whatever a
client sends before a view can refuse it. Limits, from the settings:

- ``REQUEST_MAX_MULTIPART_BYTES`` (12 MB): ``multipart/form-data`` (review photos, proofs,
  verification documents, logos);
- ``REQUEST_MAX_BODY_BYTES`` (1 MB): every other body (JSON, forms);
- ``REQUEST_BODY_LIMIT_ROUTES``: per-path-prefix overrides ``{prefix: bytes}``.

With a ``Content-Length`` the decision is taken on the header alone (nothing read). A
chunked body (no length) is read up to the limit plus one byte and refused past it; what
was read is handed to Django from memory. The gateway (Kong ``request-size-limiting``,
``nginx_http_client_max_body_size``) and gunicorn (``limit_request_*``) refuse earlier.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpResponse, JsonResponse

MESSAGE = "La requête est trop volumineuse (%(max)s Mo maximum)."


def body_limit(path: str, content_type: str) -> int:
    for prefix, limit in getattr(settings, "REQUEST_BODY_LIMIT_ROUTES", {}).items():
        if path.startswith(prefix):
            return int(limit)
    if content_type.lower().startswith("multipart/"):
        return settings.REQUEST_MAX_MULTIPART_BYTES
    return settings.REQUEST_MAX_BODY_BYTES


def _too_large(request, limit: int) -> HttpResponse:
    message = MESSAGE % {"max": round(limit / (1024 * 1024), 1)}
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "request_too_large"}, status=413)
    else:
        response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
    # The rest of the body is not read: the connection cannot be reused.
    response["Connection"] = "close"
    return response


class BodySizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        limit = body_limit(request.path, meta.get("CONTENT_TYPE", ""))
        length = meta.get("CONTENT_LENGTH", "")
        if length:
            try:
                declared = int(length)
            except ValueError:
                declared = 0  # Django treats an unreadable length as no body
            if declared > limit:
                return _too_large(request, limit)
        elif "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower():
            stream = meta.get("wsgi.input")
            if stream is not None:
                head = stream.read(limit + 1)
                if len(head) > limit:
                    return _too_large(request, limit)
                meta["wsgi.input"] = io.BytesIO(head)
                meta["CONTENT_LENGTH"] = str(len(head))
                request._stream = LimitedStream(io.BytesIO(head), len(head))
        return self.get_response(request)
