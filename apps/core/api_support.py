"""DRF plumbing shared by every context: pagination and JSON errors."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from apps.core.errors import DomainError


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def domain_error_body(exc: DomainError) -> dict:
    """``{"detail": message, "code": code}``; field errors sit beside them in DRF's shape
    (``{field: [messages]}``), a field named like one of those two keys keeping its own."""
    body: dict[str, str | list[str]] = {"detail": str(exc.message), "code": exc.code}
    body.update({field: [str(m) for m in messages] for field, messages in exc.errors.items()})
    return body


def exception_handler(exc, context):
    """DRF's handler, plus the domain errors services raise (``apps.core.errors``: status
    from the class, French message, stable code) and Django validation errors as
    field-level 400s."""
    if isinstance(exc, DomainError):
        set_rollback()  # as DRF does for its own exceptions under ATOMIC_REQUESTS
        return Response(domain_error_body(exc), status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(response.data, list):
        response.data = {"non_field_errors": response.data}
    return Response(response.data, status=response.status_code, headers=dict(response.items()))


# --- OpenAPI: the error responses every operation can give (drf-spectacular hook) --------

_ERROR_DESCRIPTIONS = {
    "400": "Requête invalide : messages en français par champ (`{champ: [messages]}`).",
    "401": "Non authentifié, ou jeton invalide ou expiré.",
    "403": "Action non permise à ce rôle.",
    "404": "Inconnu, ou d'une autre organisation.",
    "413": "Corps de requête trop volumineux (`REQUEST_MAX_BODY_KB`, `REQUEST_MAX_MULTIPART_MB`).",
    "415": "Type de contenu refusé : JSON, formulaire ou multipart seulement.",
    "429": "Trop de requêtes : réessayer après `Retry-After` secondes.",
}
_ERROR_SCHEMA = {
    "type": "object",
    "description": "`detail` (message) et `code` (stable, pour les programmes) ou, pour un "
    "400, un message par champ.",
    # A string; or, for a 400 on an operation whose input has a field of that name (the
    # token endpoint's 2FA `code`), that field's messages.
    "properties": {
        key: {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
        for key in ("detail", "code")
    },
    "additionalProperties": True,
}


def document_error_responses(result, generator, request, public):
    """The error contract on every operation of the schema: 400, 401 (a bad or expired
    token is refused even on public endpoints), 403, 404, 413 (the body-size guard answers
    before reading), 415 (a body no parser accepts) and 429 (every endpoint is throttled),
    each a JSON object. Responses a view documents itself are kept."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = _ERROR_SCHEMA
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for code, description in _ERROR_DESCRIPTIONS.items():
                responses.setdefault(code, {"description": description, "content": content})
    return result
