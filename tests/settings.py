"""Settings of the test suite: the product's settings, read once this pytest-xdist worker has
its own Redis database and directory (pytest-django imports this module before any conftest,
so the isolation cannot wait for the conftest's plugins)."""

from tests.parallel import isolate_this_worker

isolate_this_worker()

from eldo.settings import *  # noqa: E402, F403
