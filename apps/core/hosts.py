"""Ports pinned on the ``Host`` header.

Django matches ``ALLOWED_HOSTS`` on the host name only and accepts any port
(``eldo.fr:6666`` passes as ``eldo.fr``). In production a ``Host`` that carries a port is
accepted only when that exact ``host:port`` is one of the ``ALLOWED_HOSTS`` entries
(``localhost:8000`` for the compose stack); a port-less ``Host`` (what the gateway forwards
on 443) is checked by Django as usual. Absolute URLs never come from ``Host`` anyway
(apps.core.site): this closes the door one step earlier."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http.request import split_domain_port


def host_port_allowed(host: str) -> bool:
    if not settings.HOST_PORTS_PINNED:
        return True
    domain, port = split_domain_port(host.lower())
    if not port:
        return True
    allowed = {entry.lower() for entry in settings.ALLOWED_HOSTS}
    return "*" in allowed or f"{domain}:{port}" in allowed


class HostPortMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        host = request.META.get("HTTP_HOST", "")
        if host and not host_port_allowed(host):
            raise DisallowedHost(f"Port not allowed in HTTP_HOST header: {host!r}.")
        return self.get_response(request)
