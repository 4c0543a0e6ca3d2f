from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import APIException, Throttled
from rest_framework_simplejwt import tokens as simplejwt_tokens
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenVerifySerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from apps.accounts import token_revocation
from apps.accounts.selectors import identity_for_user
from apps.accounts.tokens import RefreshToken, UntypedToken


def add_identity_claims(token, user) -> None:
    """What the holder may do, read from accounts now (at sign-in and at each refresh):
    ``roles`` and ``orgs`` for API clients, ``staff_role`` and ``memberships`` for the
    services that authorize from the token alone (apps.core.principal)."""
    identity = identity_for_user(user=user)
    token["roles"] = list(identity.roles)
    token["orgs"] = [
        {"id": m.organization_id, "slug": m.slug, "kind": m.kind, "role": m.role}
        for m in identity.memberships
    ]
    token["staff_role"] = identity.staff_role
    token["memberships"] = [
        {"organization_id": m.organization_id, "role": m.role, "organization_kind": m.kind}
        for m in identity.memberships
    ]
    token_revocation.stamp(token, user)


def refresh_for_user(user) -> simplejwt_tokens.RefreshToken:
    refresh = RefreshToken.for_user(user)
    add_identity_claims(refresh, user)
    return refresh


def user_for_token(token) -> object:
    """The active user a token names, if that token predates no password change."""
    User = get_user_model()
    user_id = token.payload.get(api_settings.USER_ID_CLAIM)
    user = User.objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first() if user_id else None
    if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
        raise AuthenticationFailed(
            _("Aucun compte actif ne correspond à ce jeton."), "no_active_account"
        )
    if token.payload.get(api_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
        raise AuthenticationFailed(
            _("Le mot de passe a changé depuis l'émission de ce jeton."), "password_changed"
        )
    return user


def _second_factor_ok(user, otp: str) -> bool:
    """Staff tokens need the second factor too (``otp``: a TOTP or a recovery code), as
    staff pages do (apps.accounts.two_factor)."""
    from django.conf import settings
    from django_otp import match_token

    from apps.accounts.two_factor import is_staff_account

    if not settings.ELDO_STAFF_2FA or not is_staff_account(user):
        return True
    return bool(otp.strip()) and match_token(user, otp.strip().replace(" ", "")) is not None


class SignInThrottled(Throttled):
    """429 with Retry-After and a French message (no English suffix); ``code`` says
    whether the e-mailed code would let the owner in (``sign_in_code_required``)."""

    def __init__(self, refusal):
        self.wait = refusal.wait
        code = "sign_in_code_required" if refusal.code_required else "throttled"
        APIException.__init__(self, refusal.message, code)


class EldoTokenObtainPairSerializer(TokenObtainPairSerializer):
    """E-mail + password (+ the e-mailed ``code`` once the account's limit is reached),
    under the sign-in limits of apps.accounts.sign_in_guard."""

    default_error_messages = {"no_active_account": _("E-mail ou mot de passe incorrect.")}
    token_class = RefreshToken

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"] = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=12,
            write_only=True,
            help_text=_(
                "Code à usage unique reçu par e-mail, demandé après trop d'échecs sur ce compte."
            ),
        )
        self.fields["otp"] = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=20,
            write_only=True,
            help_text=_(
                "Comptes de l'équipe Eldo : code de l'application de double authentification "
                "(ou un code de secours)."
            ),
        )

    def validate(self, attrs):
        from apps.accounts.sign_in_guard import SignInAttempt, SignInRefused

        email = attrs[self.username_field].strip().lower()
        attempt = SignInAttempt(request=self.context.get("request"), email=email)
        try:
            self.user = attempt.authenticate(
                **{self.username_field: email},
                password=attrs["password"],
                code=attrs.get("code", ""),
            )
        except SignInRefused as exc:
            raise SignInThrottled(exc) from exc
        if self.user is None or not api_settings.USER_AUTHENTICATION_RULE(self.user):
            raise AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            )
        if not _second_factor_ok(self.user, attrs.get("otp", "")):
            attempt.failed()
            raise AuthenticationFailed(
                _("Code de double authentification manquant ou incorrect."), "otp_required"
            )
        refresh = self.get_token(self.user)
        if api_settings.UPDATE_LAST_LOGIN:
            update_last_login(None, self.user)
        return {"refresh": str(refresh), "access": str(refresh.access_token)}

    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        add_identity_claims(token, user)
        return token


def _reuse_detect(raw: str) -> None:
    """A genuine refresh token, unexpired but already blacklisted (rotated or logged out),
    presented again: someone else holds its family. Every token of the user is revoked
    (apps.accounts.token_revocation)."""
    try:
        # Signature, expiry, audience, issuer (no blacklist check): forged tokens revoke nothing.
        token = UntypedToken(raw)
    except TokenError:
        return
    if token.get(api_settings.TOKEN_TYPE_CLAIM) == RefreshToken.token_type:
        jti = token.get(api_settings.JTI_CLAIM)
        if jti and BlacklistedToken.objects.filter(token__jti=jti).exists():
            token_revocation.user_tokens_revoke(token.get(api_settings.USER_ID_CLAIM))


class EldoTokenRefreshSerializer(serializers.Serializer):
    """Rotating refresh: the presented token is blacklisted, claims are recomputed."""

    refresh = serializers.CharField()
    access = serializers.CharField(read_only=True)

    def validate(self, attrs):
        try:
            old = RefreshToken(attrs["refresh"])
        except TokenError as exc:
            _reuse_detect(attrs["refresh"])
            raise InvalidToken(str(exc)) from exc
        user = user_for_token(old)
        _blacklisted, created = old.blacklist()
        if not created:  # another request rotated this very token since it was checked
            raise InvalidToken(_("Ce jeton de rafraîchissement a déjà été utilisé."))
        fresh = refresh_for_user(user)
        return {"access": str(fresh.access_token), "refresh": str(fresh)}


class EldoTokenVerifySerializer(TokenVerifySerializer):
    def validate(self, attrs):
        try:
            token = UntypedToken(attrs["token"])
        except TokenError as exc:
            raise InvalidToken(str(exc)) from exc
        user_for_token(token)
        jti = token.get(api_settings.JTI_CLAIM)
        if (
            token_revocation.is_revoked(token)
            or BlacklistedToken.objects.filter(token__jti=jti).exists()
        ):
            raise InvalidToken(_("Ce jeton a été révoqué."))
        return {}


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(trim_whitespace=False, max_length=256)
    new_password = serializers.CharField(trim_whitespace=False, max_length=256)


class AccountEraseSerializer(serializers.Serializer):
    password = serializers.CharField(
        trim_whitespace=False,
        max_length=256,
        help_text=_("Le mot de passe actuel du compte, pour confirmer la suppression."),
    )


class MembershipSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    role = serializers.CharField()


class MeSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    is_staff = serializers.BooleanField()
    staff_role = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    memberships = MembershipSerializer(many=True)
