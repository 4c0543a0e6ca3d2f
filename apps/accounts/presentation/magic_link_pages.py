"""The magic link of the quote confirmation e-mail: GET shows the button, POST signs in."""

from __future__ import annotations

from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.accounts.magic_links import MagicLinkError, magic_link_check, magic_link_redeem

app_name = "accounts-magic"


@never_cache
@require_http_methods(["GET", "POST"])
def redeem(request, token: str):
    try:
        if request.method == "POST":
            user, next_path = magic_link_redeem(token)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(next_path)
        email, takes_over = magic_link_check(token)
    except MagicLinkError as exc:
        return render(request, "accounts/magic/invalid.html", {"error": str(exc)}, status=410)
    context = {"email": email, "takes_over": takes_over}
    return render(request, "accounts/magic/confirm.html", context)


urlpatterns = [
    path("connexion/lien/<str:token>/", redeem, name="redeem"),
]
