"""``GET /.well-known/jwks.json``: the public keys that verify the API's tokens.

Any service verifies an access token alone with them (ES256, the token's ``kid`` names the
key). Public, cacheable for five minutes: a key is published before it signs (rotation in
docs/deploy.md), so a verifier's copy is never older than the tokens it is shown. Answered
from the settings alone: no database, no cache.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

from apps.core.token_keys import key_set

JWKS_MAX_AGE = 300


@require_GET
def jwks(request):
    response = JsonResponse(key_set().jwks())
    response["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    return response


urlpatterns = [path(".well-known/jwks.json", jwks, name="jwks")]
