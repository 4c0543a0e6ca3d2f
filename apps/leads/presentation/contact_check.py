"""The homeowner's page behind "L'artisan X vous a-t-il contacté ?" (apps/leads/contact_check.py).

The e-mail's "Oui" and "Non" links open this page (``?reponse=oui|non`` only chooses which
answer is offered first); the answer is recorded by the page's POST form, never by a GET.
A forged or unknown link answers 404; an expired or already answered one 410, and nothing
is recorded. Served ``private, no-store`` and ``noindex``: the URL is a credential.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_http_methods

from apps.leads import contact_check
from apps.leads.models import ContactCheck, LeadSource

app_name = "leads-contact-check"


class CommentForm(forms.Form):
    """The homeowner's optional word with a "non" (for the advisor, not the pro)."""

    comment = forms.CharField(
        label="Un mot pour votre conseiller",
        required=False,
        max_length=contact_check.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Par exemple, quand vous êtes joignable.",
    )


def _private(response):
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _link_error(request, error: contact_check.ContactCheckLinkError):
    return _private(
        render(
            request,
            "leads/contact_check/link_invalid.html",
            {"message": error.message, "answered": error.code == "answered"},
            status=error.http_status,
        )
    )


def _question(request, lead, *, offered: str, form=None, error: str = "", status=200):
    form = form or CommentForm()
    if lead.source == LeadSource.INBOUND:  # the network follows its leads up, not Eldo
        form.fields["comment"].label = "Un mot pour le réseau"
    return _private(
        render(
            request,
            "leads/contact_check/question.html",
            {
                "lead": lead,
                "pro_name": contact_check.pro_name(lead),
                "offered": offered,
                "form": form,
                "error": error,
                "hours": contact_check.due_delay().total_seconds() // 3600,
            },
            status=status,
        )
    )


@require_http_methods(["GET", "POST"])
def answer(request, token: str):
    try:
        lead = contact_check.contact_check_lead(token)
    except contact_check.ContactCheckLinkError as error:
        return _link_error(request, error)
    if request.method == "GET":
        offered = contact_check.ANSWERS.get(request.GET.get("reponse", ""), ContactCheck.YES)
        return _question(request, lead, offered=offered)
    choice = request.POST.get("answer", "")
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _question(request, lead, offered=ContactCheck.NO, form=form, status=400)
    try:
        lead = contact_check.contact_check_answer(
            token=token, answer=choice, comment=form.cleaned_data["comment"]
        )
    except contact_check.ContactCheckLinkError as error:
        return _link_error(request, error)
    except ValidationError as error:
        return _question(
            request,
            lead,
            offered=ContactCheck.NO,
            form=form,
            error=" ".join(error.messages),
            status=400,
        )
    return _private(
        render(
            request,
            "leads/contact_check/thanks.html",
            {"lead": lead, "pro_name": contact_check.pro_name(lead)},
        )
    )


urlpatterns = [
    path("devis/contact-artisan/<str:token>/", answer, name="answer"),
]
