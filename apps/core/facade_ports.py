"""A context's view of another context's public facade, in-process or over HTTP.

A context calls another one through a port, never by importing its ``api`` module::

    from apps.core.facade_ports import facade

    directory = facade("directory")
    directory.pro_profile(slug)

Inside the monolith the port is the ``apps.<context>.api`` module itself, looked up at call
time (tests that patch a facade function keep working). When the context runs as its own
service (``REMOTE_FACADES = {"reviews": "http://reviews:8000"}``), the port is an HTTP
client generated from the context's contract (``apps.<context>.contracts.<Context>Facade``,
a ``typing.Protocol``): only the functions the contract lists can be called, and a
service that does not answer raises ``FacadeUnavailable``.

The importer does not import the other context: a carved service, where that context is
not installed, loads the module that holds the port without loading the other context's
models.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.conf import settings


class FacadePort:
    """Resolves each attribute on the in-process module or on the remote client."""

    def __init__(self, context: str):
        self._context = context

    def __repr__(self) -> str:
        return f"<facade {self._context}>"

    @property
    def remote(self) -> bool:
        return bool(getattr(settings, "REMOTE_FACADES", {}).get(self._context))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if self.remote:
            from apps.core.remote_facades import client_for

            return getattr(client_for(self._context), name)
        return getattr(importlib.import_module(f"apps.{self._context}.api"), name)


def facade(context: str) -> Any:
    """The port to ``context``'s public facade (see the module's docstring)."""
    return FacadePort(context)
