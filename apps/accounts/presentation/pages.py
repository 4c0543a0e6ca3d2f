from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.urls import path
from django.utils.translation import gettext_lazy as _

from apps.accounts.sign_in_guard import SignInAttempt, SignInRefused

app_name = "accounts"


class GuardedSignInMixin:
    """The sign-in limits of apps.accounts.sign_in_guard on a Django login form: failures
    counted per address and per account; past the account's limit, the code e-mailed to
    the owner is asked for (the ``code`` field shows then)."""

    refusal: SignInRefused | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"] = forms.CharField(
            label=_("Code reçu par e-mail"),
            required=False,
            max_length=12,
            widget=forms.HiddenInput,
        )
        if self.data.get("code"):
            self._show_code_field()

    def _show_code_field(self) -> None:
        self.fields["code"].widget = forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        )

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            attempt = SignInAttempt(request=self.request, email=email)
            try:
                self.user_cache = attempt.authenticate(
                    username=attempt.email,
                    password=password,
                    code=self.cleaned_data.get("code", ""),
                )
            except SignInRefused as exc:
                self.refusal = exc
                if exc.code_required:
                    self._show_code_field()
                raise ValidationError(exc.message, code="throttled") from exc
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class EmailAuthenticationForm(GuardedSignInMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Saisissez une adresse e-mail et un mot de passe valides. "
            "Le mot de passe tient compte des majuscules."
        ),
        "inactive": _("Ce compte est désactivé."),
    }


class AdminSignInForm(GuardedSignInMixin, AdminAuthenticationForm):
    """/admin/login/: the same limits as every other way in."""


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        """No (safe) ``next``: each role lands on its own home (apps.accounts.navigation)."""
        from apps.accounts.navigation import home_url_for

        return home_url_for(self.request.user)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.refusal is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.refusal.wait)
        return response

    def form_valid(self, form):
        from apps.accounts.sign_ins import sign_in_record

        response = super().form_valid(form)
        sign_in_record(request=self.request, response=response, user_id=form.get_user().pk)
        return response


def invitation(request, token: str):
    """Accept a team invitation: signed-in with the invited address, or by creating an account."""
    from django.contrib import messages
    from django.contrib.auth import login
    from django.core.exceptions import ValidationError
    from django.shortcuts import redirect, render

    from apps.accounts import team
    from apps.accounts.presentation.team_forms import InvitationAcceptForm

    try:
        pending = team.invitation_from_token(token)
    except ValidationError as exc:
        return render(request, "accounts/invitation.html", {"error": exc.messages[0]}, status=410)
    form = InvitationAcceptForm(request.POST or None)
    account_exists = (
        not request.user.is_authenticated
        and get_user_model().objects.filter(email=pending.email).exists()
    )
    problem = ""
    if request.method == "POST":
        signed_in = request.user.is_authenticated
        if signed_in or form.is_valid():
            try:
                if signed_in:
                    team.invitation_accept(token=token, user=request.user)
                else:
                    user = team.invitation_accept(token=token, **form.cleaned_data)
                    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            except ValidationError as exc:
                if not signed_in and hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    problem = " ".join(exc.messages)
            else:
                messages.success(request, f"Bienvenue dans l'équipe {pending.organization.name} !")
                return redirect("home")
    return render(
        request,
        "accounts/invitation.html",
        {"invitation": pending, "form": form, "account_exists": account_exists, "problem": problem},
    )


urlpatterns = [
    path("connexion/", LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("equipe/invitation/<str:token>/", invitation, name="invitation"),
]
