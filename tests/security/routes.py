"""Every URL the resolver knows (Django's admin and media aside), with concrete arguments."""

from __future__ import annotations

import re

from django.urls import URLPattern, URLResolver, get_resolver

# Paths not in the matrix, each for a reason: the admin is Django's own (staff session,
# model permissions; tested in test_authorization.py as a whole), media are files.
EXCLUDED_PREFIXES = ("admin/", "^media/")

_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def routes() -> list[str]:
    """Route patterns as written in the URLconfs, e.g. ``api/v1/pros/<slug:slug>/``."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    found = [r for r in walk(get_resolver().url_patterns) if not r.startswith(EXCLUDED_PREFIXES)]
    return sorted(set(found))


# Values for parameters that name no object of an organization.
FIXED = {
    "token": "jeton-inconnu",
    "uidb64": "MA",  # a password-reset link: base64 of an account id
    "outcome": "publie",
    "section": "pages",
    "category_slug": "facade",
    "commune_slug": "toulouse",
    "proof_id": "999999",  # no proof of experience in the world
    "claim_id": "999999",  # no claim of a profile in the world
    "context": "directory",  # a facade served over HTTP
    "function": "categories",
}


def concrete(route: str, ids: dict) -> str:
    """``route`` with its parameters filled from ``ids`` (the world's objects)."""

    def value(match: re.Match) -> str:
        name = match["name"]
        if name == "invitation_id" and route.startswith("api/v1/organizations/"):
            name = "team_invitation_id"
        if name in FIXED:
            return FIXED[name]
        return str(ids[name])

    return "/" + _PARAM.sub(value, route)
