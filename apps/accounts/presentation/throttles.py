"""Throttles of the accounts API. Sign-ins are limited by apps.accounts.sign_in_guard
(failures only, per address and per account), not by a request throttle."""

from apps.core.throttling import SimpleRateThrottle


class PasswordChangeThrottle(SimpleRateThrottle):
    """Password changes per account: a stolen access token must not be enough to guess the
    current password (an answer tells whether it was right) and take the account over."""

    scope = "login_email"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": "password_change", "ident": request.user.pk}
