"""simplejwt's token classes, signed and verified with the key set of apps.core.token_keys
(ES256, the active kid in every header). Every token this project issues or reads goes
through these classes (``AUTH_TOKEN_CLASSES``, the serializers and views of accounts)."""

from __future__ import annotations

from rest_framework_simplejwt import tokens

from apps.core.token_keys import KeyedTokenBackend, token_backend


class _KeyedBackend:
    @property
    def token_backend(self) -> KeyedTokenBackend:
        return token_backend()


class AccessToken(_KeyedBackend, tokens.AccessToken):
    pass


# The stubs see BlacklistMixin.for_user and Token.for_user clash in any subclass of
# simplejwt's RefreshToken; at run time BlacklistMixin's wins, as in simplejwt itself.
class RefreshToken(_KeyedBackend, tokens.RefreshToken):  # type: ignore[misc]
    access_token_class = AccessToken


class UntypedToken(_KeyedBackend, tokens.UntypedToken):
    pass
