from apps.core.throttling import ClientAddressRateThrottle, EmailRateThrottle, SimpleRateThrottle


class LoginIpThrottle(ClientAddressRateThrottle):
    """Login attempts per client address."""

    scope = "login"


class LoginEmailThrottle(EmailRateThrottle):
    """Login attempts per targeted account, whatever the address they come from."""

    scope = "login_email"


class PasswordChangeThrottle(SimpleRateThrottle):
    """Password changes per account: a stolen access token must not be enough to guess the
    current password (an answer tells whether it was right) and take the account over."""

    scope = "login_email"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": "password_change", "ident": request.user.pk}
