"""Fixtures of the cross-context GDPR tests: the quotes and leads fixtures (geography,
façade pros, requests built and dispatched through the real services)."""

from apps.leads.tests.conftest import (  # noqa: F401  (fixtures)
    directory_data,
    dispatch,
    facade_pros,
    homeowner,
    make_quote,
    other_advisor,
    payload,
)
