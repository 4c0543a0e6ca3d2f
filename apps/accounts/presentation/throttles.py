import hashlib

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class LoginIpThrottle(SimpleRateThrottle):
    """Login attempts per client address."""

    scope = "login"

    def get_ident(self, request):
        # With NUM_PROXIES unset DRF trusts the whole X-Forwarded-For header, which the
        # client writes: one fake address per attempt would dodge this throttle.
        if api_settings.NUM_PROXIES is None:
            return request.META.get("REMOTE_ADDR") or ""
        return super().get_ident(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginEmailThrottle(SimpleRateThrottle):
    """Login attempts per targeted account, whatever the address they come from."""

    scope = "login_email"

    def get_cache_key(self, request, view):
        data = request.data if isinstance(request.data, dict) else {}
        email = data.get("email")
        if not isinstance(email, str) or not email.strip():
            return None
        # Hashed: a fixed-length, printable key (any cache backend) that stores no address.
        normalized = email.strip().lower().encode("utf-8", "surrogatepass")
        ident = hashlib.sha256(normalized).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PasswordChangeThrottle(SimpleRateThrottle):
    """Password changes per account: a stolen access token must not be enough to guess the
    current password (an answer tells whether it was right) and take the account over."""

    scope = "login_email"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": "password_change", "ident": request.user.pk}
