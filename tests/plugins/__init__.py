"""Pytest plugins of the suite, registered by the root conftest (``pytest_plugins``)."""
