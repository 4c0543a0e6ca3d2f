"""``facade_calls``: which calls from one context into another's ``api.py`` happen inside an
open database transaction.

A context that leaves the monolith answers its facade over HTTP: a call made inside a
transaction would then hold row locks (and a connection) for a network round trip, and
could not be rolled back with it. So no cross-context call may run inside ``atomic``.

The recorder watches function calls (``sys.setprofile``) while the block runs and keeps
every call of a public facade function (``apps.<ctx>.api``) made from another context's
module while the connection is deeper in ``atomic`` than where the block started (the
test's own transaction is not counted; handlers run by the outbox after commit are, since
each runs in its own transaction).

    def test_...(facade_calls):
        with facade_calls() as calls:
            ...  # the flow
        assert calls.inside_transactions() == KNOWN_INSIDE_TRANSACTIONS
"""

from __future__ import annotations

import contextlib
import inspect
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.db import connection


def _facade_codes() -> dict[object, str]:
    from tests.test_facades import public_functions  # needs Django set up: imported late

    return {inspect.unwrap(f).__code__: name for name, f in public_functions().items()}


@dataclass
class FacadeCalls:
    codes: dict[object, str]
    baseline: int = 0
    calls: list[tuple[str, str, bool]] = field(default_factory=list)

    def profile(self, frame, event, _arg):
        if event != "call":
            return
        name = self.codes.get(frame.f_code)
        if name is None or frame.f_back is None:
            return
        caller = frame.f_back.f_globals.get("__name__", "")
        parts = caller.split(".")
        if len(parts) < 2 or parts[0] != "apps" or parts[1] == name.split(".")[0]:
            return  # a test, the project, or the context calling its own facade
        inside = len(connection.atomic_blocks) > self.baseline
        self.calls.append((caller, name, inside))

    def crossings(self) -> set[str]:
        return {f"{caller} -> {name}" for caller, name, _inside in self.calls}

    def inside_transactions(self) -> set[str]:
        return {f"{caller} -> {name}" for caller, name, inside in self.calls if inside}


@pytest.fixture
def facade_calls():
    codes = _facade_codes()

    @contextlib.contextmanager
    def record() -> Iterator[FacadeCalls]:
        calls = FacadeCalls(codes=codes, baseline=len(connection.atomic_blocks))
        previous = sys.getprofile()
        sys.setprofile(calls.profile)
        threading.setprofile(calls.profile)
        try:
            yield calls
        finally:
            sys.setprofile(previous)
            threading.setprofile(None)

    return record
