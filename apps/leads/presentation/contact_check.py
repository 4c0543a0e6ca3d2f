"""The homeowner's page behind "L'artisan X vous a-t-il contacté ?" (apps/leads/contact_check.py).

The e-mail's "Oui" and "Non" links open this page (``?reponse=oui|non`` only chooses which
answer is offered first); the answer is recorded by the page's POST form, never by a GET.
A forged or unknown link answers 404; an expired or already answered one 410, and nothing
is recorded. Served ``private, no-store`` and ``noindex``: the URL is a credential.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_http_methods

from apps.leads import contact_check
from apps.leads.models import ContactCheck

app_name = "leads-contact-check"


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


def _question(request, lead, *, offered: str, comment: str = "", error: str = "", status=200):
    return _private(
        render(
            request,
            "leads/contact_check/question.html",
            {
                "lead": lead,
                "pro_name": contact_check.pro_name(lead),
                "offered": offered,
                "comment": comment,
                "comment_max": contact_check.COMMENT_MAX,
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
    comment = request.POST.get("comment", "")[: contact_check.COMMENT_MAX]
    try:
        lead = contact_check.contact_check_answer(token=token, answer=choice, comment=comment)
    except contact_check.ContactCheckLinkError as error:
        return _link_error(request, error)
    except ValidationError as error:
        return _question(
            request,
            lead,
            offered=ContactCheck.YES,
            comment=comment,
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
