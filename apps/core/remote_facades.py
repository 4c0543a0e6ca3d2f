"""Facades over HTTP: a context's public functions called on another process.

A context that runs as its own service (``reviews``, with its own database) still calls the
contexts it needs (``directory``, ``accounts``), and the monolith still calls it, through
``apps.core.facade_ports``. When ``settings.REMOTE_FACADES`` names a URL for a context, the
port is the client built here; the process that holds the context answers with the view
below. Both sides work from the context's contract, ``apps.<ctx>.contracts.<Ctx>Facade``
(a ``typing.Protocol`` whose methods have the ``api`` functions' signatures):

- the client has the Protocol's methods only; a call binds its arguments to the method's
  signature, turns each into JSON by its annotation (pydantic's ``TypeAdapter``: frozen
  dataclasses, tuples, dates, unions…) and POSTs ``{"args": {...}}`` to
  ``<url>/internal/facades/<ctx>/<function>`` with ``Authorization: Bearer
  <FACADES_TOKEN>`` and the request id; the answer is read back by the return annotation;
- the server (``facade_call``, routed by ``apps.core.facade_urls``) answers only for the
  contexts in ``settings.FACADES_SERVED`` when ``FACADES_TOKEN`` is set, validates the
  arguments by the same annotations (400 with field errors), calls
  ``apps.<ctx>.api.<function>`` outside any request-wide transaction, and answers the
  result as JSON;
- a domain error (``apps.core.errors``) or Django's ``ValidationError`` travels as
  ``{"error": {"type", "detail", "code", "errors"}}`` with its 4xx and is raised again, same
  class, same message, by the client; a refused connection, a timeout, a 5xx or an answer
  that breaks the contract raise ``FacadeUnavailable``.

``apps.core`` imports no context: the contract and the ``api`` module are found by their
conventional paths with importlib.
"""

from __future__ import annotations

import hmac
import importlib
import inspect
import json
import logging
import os
import threading
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from requests.adapters import HTTPAdapter

from apps.core import errors
from apps.core.errors import FacadeUnavailable
from apps.core.request_context import request_id_var

__all__ = ["FacadeUnavailable", "client_for", "contract_for", "facade_call"]

logger = logging.getLogger(__name__)

PATH = "internal/facades/{context}/{function}"
REQUEST_ID_HEADER = "X-Request-ID"

# The errors that cross the wire, by the name the server sends: a context's own subclass
# travels as the nearest of these (the client cannot import the context that defines it).
DOMAIN_ERRORS: dict[str, type[errors.DomainError]] = {
    cls.__name__: cls
    for cls in (
        errors.NotFound,
        errors.Conflict,
        errors.InvalidInput,
        errors.PermissionDenied,
        errors.LimitReached,
        errors.Gone,
        errors.DomainError,
    )
}


# -- the contract ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """One function of a contract: its signature (``self`` dropped) and its codecs."""

    context: str
    name: str
    signature: inspect.Signature
    arguments: dict[str, TypeAdapter[Any]]
    result: TypeAdapter[Any]


def contract_for(context: str) -> type:
    """The Protocol ``apps.<context>.contracts.<Context>Facade``."""
    module = importlib.import_module(f"apps.{context}.contracts")
    return getattr(module, f"{context.capitalize()}Facade")


def contract_functions(contract: type) -> list[str]:
    """The functions a contract lists (its own public methods, in declaration order)."""
    return [
        name
        for name, member in vars(contract).items()
        if inspect.isfunction(member) and not name.startswith("_")
    ]


@cache
def operations(context: str) -> dict[str, Operation]:
    """{function name: Operation} of a context's contract, built once per process."""
    contract = contract_for(context)
    found = {}
    for name in contract_functions(contract):
        method = getattr(contract, name)
        hints = typing.get_type_hints(method)
        signature = inspect.signature(method)
        parameters = list(signature.parameters.values())[1:]  # self
        found[name] = Operation(
            context=context,
            name=name,
            signature=signature.replace(parameters=parameters),
            arguments={p.name: TypeAdapter(hints.get(p.name, Any)) for p in parameters},
            result=TypeAdapter(hints.get("return", Any)),
        )
    return found


# -- the client ------------------------------------------------------------------------------

_sessions: dict[int, requests.Session] = {}
_sessions_lock = threading.Lock()


def _session() -> requests.Session:
    """One pooled session per process (a forked worker builds its own)."""
    pid = os.getpid()
    session = _sessions.get(pid)
    if session is None:
        with _sessions_lock:
            session = _sessions.get(pid)
            if session is None:
                session = requests.Session()
                adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=0)
                session.mount("http://", adapter)
                session.mount("https://", adapter)
                _sessions.clear()
                _sessions[pid] = session
    return session


class RemoteFacade:
    """A context's contract, each function a POST to the process that holds the context."""

    def __init__(self, context: str, base_url: str):
        self._context = context
        self._base_url = base_url.rstrip("/")
        self._operations = operations(context)

    def __repr__(self) -> str:
        return f"<remote facade {self._context} at {self._base_url}>"

    def __dir__(self) -> list[str]:
        return sorted(self._operations)

    def __getattr__(self, name: str) -> Any:
        operation = self.__dict__.get("_operations", {}).get(name)
        if operation is None:
            raise AttributeError(f"{name!r} is not in the {self._context} contract")

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._call(operation, args, kwargs)

        call.__name__ = call.__qualname__ = name
        call.__signature__ = operation.signature  # type: ignore[attr-defined]
        return call

    def _call(self, operation: Operation, args: tuple, kwargs: dict) -> Any:
        bound = operation.signature.bind(*args, **kwargs)
        payload = {
            name: operation.arguments[name].dump_python(value, mode="json")
            for name, value in bound.arguments.items()
        }
        url = f"{self._base_url}/{PATH.format(context=self._context, function=operation.name)}"
        headers = {"Authorization": f"Bearer {settings.FACADES_TOKEN}"}
        request_id = request_id_var.get()
        if request_id != "-":
            headers[REQUEST_ID_HEADER] = request_id
        timeout = float(getattr(settings, "REMOTE_FACADES_TIMEOUT", 2.0))
        try:
            response = _session().post(
                url, json={"args": payload}, headers=headers, timeout=(timeout, timeout)
            )
        except requests.RequestException as exc:
            logger.warning("facade %s.%s: %s", self._context, operation.name, exc)
            raise FacadeUnavailable(self._context, type(exc).__name__) from exc
        return self._answer(operation, response)

    def _answer(self, operation: Operation, response: requests.Response) -> Any:
        where = f"{self._context}.{operation.name}"
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200 and isinstance(body, dict) and "result" in body:
            try:
                return operation.result.validate_python(body["result"])
            except PydanticValidationError as exc:
                logger.error("facade %s: result breaks the contract: %s", where, exc)
                raise FacadeUnavailable(self._context, "result breaks the contract") from exc
        error = body.get("error") if isinstance(body, dict) else None
        if 400 <= response.status_code < 500 and isinstance(error, dict):
            raised = _error_from_wire(error)
            if raised is not None:
                raise raised
        level = logging.WARNING if response.status_code >= 500 else logging.ERROR
        logger.log(level, "facade %s: HTTP %s %s", where, response.status_code, body)
        raise FacadeUnavailable(self._context, f"HTTP {response.status_code}")


def _error_from_wire(error: dict[str, Any]) -> Exception | None:
    """The exception a server's error answer stands for; None for one it cannot stand for."""
    kind, detail, code = error.get("type"), error.get("detail"), error.get("code")
    if kind == "ValidationError" and isinstance(detail, dict | list | str):
        return ValidationError(detail, code=code)
    cls = DOMAIN_ERRORS.get(kind or "")
    if cls is None:
        return None
    return cls(detail, code=code, errors=error.get("errors") or None)


@cache
def _client(context: str, base_url: str) -> RemoteFacade:
    return RemoteFacade(context, base_url)


def client_for(context: str) -> RemoteFacade:
    """The HTTP client of ``context``'s contract, at ``settings.REMOTE_FACADES[context]``."""
    base_url = settings.REMOTE_FACADES.get(context)
    if not base_url:
        raise FacadeUnavailable(context, "no URL in settings.REMOTE_FACADES")
    return _client(context, base_url)


# -- the server ------------------------------------------------------------------------------


def _error(status: int, kind: str, detail: Any, code: str, field_errors: Any = None):
    body = {"type": kind, "detail": detail, "code": code}
    if field_errors:
        body["errors"] = field_errors
    return JsonResponse({"error": body}, status=status)


def _error_to_wire(exc: Exception) -> JsonResponse:
    if isinstance(exc, ValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return _error(400, "ValidationError", detail, getattr(exc, "code", None) or "invalid")
    assert isinstance(exc, errors.DomainError)
    kind = next(c.__name__ for c in type(exc).__mro__ if c.__name__ in DOMAIN_ERRORS)
    return _error(exc.http_status, kind, exc.message, exc.code, exc.errors)


def _served_operation(context: str, function: str) -> Operation | None:
    if not settings.FACADES_TOKEN or context not in settings.FACADES_SERVED:
        return None
    return operations(context).get(function)


def _authorized(request: HttpRequest) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    expected = settings.FACADES_TOKEN.encode()
    return scheme == "Bearer" and hmac.compare_digest(token.encode(), expected)


def _arguments(operation: Operation, body: bytes) -> tuple[dict[str, Any], dict[str, list]]:
    """The call's arguments validated by their annotations, or the errors per field."""
    try:
        raw = json.loads(body or b"{}").get("args", {})
    except (ValueError, AttributeError):
        return {}, {"args": ['Corps JSON attendu : {"args": {...}}.']}
    if not isinstance(raw, dict):
        return {}, {"args": ["Un objet est attendu."]}
    values: dict[str, Any] = {}
    problems: dict[str, list] = {}
    for name in raw.keys() - operation.arguments.keys():
        problems[name] = ["Argument inconnu."]
    for name, adapter in operation.arguments.items():
        if name not in raw:
            if operation.signature.parameters[name].default is inspect.Parameter.empty:
                problems[name] = ["Argument obligatoire."]
            continue
        try:
            values[name] = adapter.validate_python(raw[name])
        except PydanticValidationError as exc:
            problems[name] = [
                ".".join(str(part) for part in (name, *e["loc"])) + f": {e['msg']}"
                for e in exc.errors()
            ]
    return values, problems


def _invoke(operation: Operation, values: dict[str, Any]) -> HttpResponse:
    bound = operation.signature.bind(**values)
    function = getattr(importlib.import_module(f"apps.{operation.context}.api"), operation.name)
    try:
        result = function(*bound.args, **bound.kwargs)
    except (errors.DomainError, ValidationError) as exc:
        return _error_to_wire(exc)
    except Exception:
        logger.exception("facade %s.%s failed", operation.context, operation.name)
        return _error(500, "ServerError", "Erreur interne.", "server_error")
    try:
        encoded = operation.result.dump_python(result, mode="json")
    except Exception:  # a result the contract does not describe: the server's bug
        logger.exception(
            "facade %s.%s: result breaks the contract", operation.context, operation.name
        )
        return _error(500, "ServerError", "Erreur interne.", "server_error")
    return JsonResponse({"result": encoded})


# Facade functions open their own transactions where they write: the view never runs inside
# a request-wide one (a DATABASES entry's ATOMIC_REQUESTS).
@csrf_exempt
@transaction.non_atomic_requests
def facade_call(request: HttpRequest, context: str, function: str) -> HttpResponse:
    """POST /internal/facades/<context>/<function>: one call of a served context's contract.
    Nothing is served without FACADES_TOKEN; the token is checked before anything else is
    said about the function."""
    operation = _served_operation(context, function)
    if operation is None:
        return _error(404, "UnknownFunction", "Fonction inconnue.", "unknown_function")
    if not _authorized(request):
        return _error(401, "Unauthorized", "Jeton invalide.", "unauthorized")
    if request.method != "POST":
        response = _error(405, "MethodNotAllowed", "POST attendu.", "method_not_allowed")
        response["Allow"] = "POST"
        return response
    values, problems = _arguments(operation, request.body)
    if problems:
        return _error(400, "InvalidArguments", "Arguments invalides.", "invalid", problems)
    return _invoke(operation, values)
