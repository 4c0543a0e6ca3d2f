"""Self-service account pages: forgotten password (Django's own reset views, French
templates), password change, sign-in address change confirmed from the new address."""

from __future__ import annotations

import hashlib
import logging
from base64 import b32encode

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.accounts import email_change, services, two_factor
from apps.accounts.sign_ins import client_address
from apps.core.mail import message_build
from apps.core.throttling import FailureWindow

app_name = "accounts-account"
logger = logging.getLogger(__name__)


def _password_changed(user) -> None:
    """Tell the owner, and revoke the API tokens issued before (PasswordChanged)."""
    services.password_changed_publish(user_id=user.pk, changed_at=timezone.now())


class ResetRequestForm(PasswordResetForm):
    email = forms.EmailField(
        label=_("Adresse e-mail de votre compte"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def get_users(self, email):
        """Also the accounts without a password yet (opened by a magic link): the reset
        link is how their owner chooses one. Django's form leaves them out."""
        from apps.accounts.models import User

        email = (email or "").strip().lower()
        return User.objects.filter(email=email, is_active=True)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """Through apps.core.mail like every e-mail: the reset mail's own templates in the
        base layout, whatever names the view passes. A missing template raises; as in
        Django, a failed delivery is only logged: the page answers the same either way."""
        message = message_build(
            to=to_email, template="accounts/email/password_reset", context=context
        )
        try:
            if message.to:
                message.send()
        except Exception:
            logger.exception("Failed to send password reset email to %s", context["user"].pk)


class PasswordResetView(auth_views.PasswordResetView):
    """Always the same answer ("if an account exists, an e-mail is on its way"), whether the
    address is known or not; the link is single-use and valid PASSWORD_RESET_TIMEOUT."""

    form_class = ResetRequestForm
    template_name = "accounts/account/password_reset.html"
    success_url = reverse_lazy("accounts-account:password-reset-sent")

    def form_valid(self, form):
        """Per address: 429 past THROTTLE_PASSWORD_RESET. Per account: past it, the same
        "sent" page but no more e-mail (a stranger cannot fill the owner's mailbox, nor
        stop them from resetting: the links already sent stay valid)."""
        by_address = FailureWindow("password_reset", client_address(self.request) or "unknown")
        wait = by_address.wait()
        if wait is not None:
            form.add_error(
                None,
                _("Trop de demandes depuis votre adresse. Réessayez dans %(minutes)s minutes.")
                % {"minutes": max(1, wait // 60)},
            )
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(wait)
            return response
        by_address.record()
        email = form.cleaned_data["email"].strip().lower()
        by_account = FailureWindow("password_reset", hashlib.sha256(email.encode()).hexdigest())
        if by_account.wait() is not None:
            return redirect(self.success_url)
        by_account.record()
        return super().form_valid(form)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/account/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link from the e-mail: a new password, or a clear page when the link was already
    used or has expired (nothing changes then)."""

    template_name = "accounts/account/password_reset_confirm.html"
    success_url = reverse_lazy("accounts-account:password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        _password_changed(form.user)
        return response

    def render_to_response(self, context, **response_kwargs):
        if not context.get("validlink"):
            response_kwargs.setdefault("status", 410)
        return super().render_to_response(context, **response_kwargs)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/account/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    """Signed in: current password, then the new one twice; this session stays open."""

    template_name = "accounts/account/password_change.html"
    success_url = reverse_lazy("accounts-account:password-change")

    def form_valid(self, form):
        response = super().form_valid(form)
        _password_changed(form.user)
        messages.success(self.request, _("Votre mot de passe a été modifié."))
        return response


class EmailChangeForm(forms.Form):
    new_email = forms.EmailField(
        label=_("Nouvelle adresse e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Mot de passe actuel"),
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


@login_required
def account_home(request):
    """ "Mon compte": the person's own settings, whatever their role."""
    return render(request, "accounts/account/home.html")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def email_change_page(request):
    form = EmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new_email = email_change.email_change_request(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                _(
                    "Un lien de confirmation a été envoyé à %(email)s : l'adresse change "
                    "quand vous l'ouvrez."
                )
                % {"email": new_email},
            )
            return redirect("accounts-account:email-change")
    return render(request, "accounts/account/email_change.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def email_confirm_page(request, token: str):
    """GET shows what will change (a mail scanner opening the link changes nothing);
    POST applies it."""
    try:
        user, new_email = email_change.email_change_pending(token)
        if request.method == "POST":
            email_change.email_change_confirm(token=token)
            messages.success(
                request, _("Votre adresse e-mail est désormais %(email)s.") % {"email": new_email}
            )
            return redirect("accounts-account:home" if request.user.is_authenticated else "home")
    except ValidationError as exc:
        return render(
            request, "accounts/account/email_confirm.html", {"error": exc.messages[0]}, status=410
        )
    return render(
        request,
        "accounts/account/email_confirm.html",
        {"old_email": user.email, "new_email": new_email},
    )


class OtpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code à 6 chiffres de votre application (ou un code de secours)"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_page(request):
    """Double authentification: enrol (QR code, first code, recovery codes shown once),
    or verify this session with a code, then go on to ``next``."""
    device = two_factor.confirmed_totp(request.user)
    form = OtpCodeForm(request.POST or None)
    next_url = _safe_next(request)
    context = {"form": form, "next": next_url, "enrolled": device is not None}
    if device is None:
        pending = two_factor.totp_enrolment_device(request.user)
        if request.method == "POST" and form.is_valid():
            codes = two_factor.totp_enrol(request=request, code=form.cleaned_data["code"])
            if codes is not None:
                context.update({"recovery_codes": codes, "enrolled": True})
                return render(request, "accounts/account/two_factor.html", context)
            form.add_error("code", _("Code incorrect : vérifiez l'heure de votre téléphone."))
        context.update(
            {
                "qr_svg": two_factor.qr_code_svg(pending),
                "secret": b32encode(pending.bin_key).decode().rstrip("="),
            }
        )
    elif not request.user.is_verified():
        if request.method == "POST" and form.is_valid():
            if two_factor.session_verify(request=request, code=form.cleaned_data["code"]):
                return redirect(next_url or "accounts-account:home")
            form.add_error(
                "code", _("Code incorrect ou déjà utilisé : attendez le suivant et réessayez.")
            )
    else:
        if request.method == "POST" and request.POST.get("action") == "recovery_codes":
            context["recovery_codes"] = two_factor.recovery_codes_replace(request.user)
        context["codes_left"] = two_factor.recovery_codes_left(request.user)
    regenerating = request.POST.get("action") == "recovery_codes"
    status = 400 if request.method == "POST" and not regenerating and form.errors else 200
    return render(request, "accounts/account/two_factor.html", context, status=status)


urlpatterns = [
    path("mon-compte/", account_home, name="home"),
    path("mot-de-passe-oublie/", PasswordResetView.as_view(), name="password-reset"),
    path(
        "mot-de-passe-oublie/envoye/", PasswordResetSentView.as_view(), name="password-reset-sent"
    ),
    path(
        "mot-de-passe-oublie/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "mot-de-passe-oublie/termine/",
        PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("mon-compte/double-authentification/", two_factor_page, name="two-factor"),
    path("mon-compte/mot-de-passe/", PasswordChangeView.as_view(), name="password-change"),
    path("mon-compte/adresse-e-mail/", email_change_page, name="email-change"),
    path(
        "mon-compte/adresse-e-mail/confirmer/<str:token>/",
        email_confirm_page,
        name="email-confirm",
    ),
]
