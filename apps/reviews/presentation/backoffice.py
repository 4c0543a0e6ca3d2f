"""The pro's review pages in the back office (templates/backoffice/base.html):
/espace-pro/avis/ (reviews, reply, report, the widget's embed code) and
/espace-pro/invitations/ (funnel, invite one customer or a CSV file, follow-up).

The organization acted for comes from accounts' back-office context (session, ``?org=``);
a user who is no member of a company gets 404, like another organization's objects.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from apps.core.site import absolute_url
from apps.reviews import deliverability, invitations, selectors, services
from apps.reviews.invitations import INVITATION_STATUS_LABELS, invitation_status
from apps.reviews.models import ProReviewStats, ReviewInvitation
from apps.reviews.presentation import access
from apps.reviews.presentation.forms import (
    CsvImportForm,
    InvitationForm,
    ReplyForm,
    ReportForm,
    errors_to_form,
)

app_name = "reviews-backoffice"


_scope = access.backoffice_scope


def _page(queryset, number, size):
    try:
        return Paginator(queryset, size).page(number or 1)
    except (EmptyPage, PageNotAnInteger) as exc:
        raise Http404 from exc


@login_required
def reviews_page(request):
    context, pro = _scope(request, "reviews")
    page = _page(
        selectors.review_list_for_organization_pros(pro_ids=[pro.id]), request.GET.get("page"), 10
    )
    stats = ProReviewStats.objects.filter(pro_id=pro.id).first()
    return render(
        request,
        "reviews/backoffice/reviews.html",
        {
            **context,
            "pro": pro,
            "page": page,
            "reviews": selectors.review_cards(page.object_list),
            "average": stats.average if stats else 0,
            "count": stats.count if stats else 0,
            "reply_form": ReplyForm(),
            "report_form": ReportForm(),
            "widget_url": absolute_url(reverse("reviews:widget", args=[pro.slug])),
        },
    )


def _render_invitations(request, *, invite_form=None, import_form=None, report=None, status=200):
    context, pro = _scope(request, "invitations")
    page = _page(selectors.invitation_list(pro_ids=[pro.id]), request.GET.get("page"), 20)
    funnel = invitations.invitation_funnel(pro_ids=[pro.id])
    allowance = invitations.invitation_allowance(pro.organization_id)
    rows = [
        {
            "invitation": invitation,
            "status_label": INVITATION_STATUS_LABELS[
                invitation_status(invitation, opted_out=invitation.opted_out)
            ],
        }
        for invitation in page.object_list
    ]
    return render(
        request,
        "reviews/backoffice/invitations.html",
        {
            **context,
            "pro": pro,
            "funnel": funnel,
            "collection_percent": f"{round(funnel['collection_rate'] * 100)}\u00a0%",
            "invite_form": invite_form or InvitationForm(),
            "import_form": import_form or CsvImportForm(),
            "import_report": report,
            "can_import": _may_import(context),
            "allowance": allowance,
            "page": page,
            "rows": rows,
        },
        status=status,
    )


_may_import = access.backoffice_may_import


def _limit_status(exc: invitations.InvitationLimit) -> int:
    return 429 if exc.code == "quota" else 409


@login_required
def invitations_page(request):
    return _render_invitations(request)


@login_required
@require_POST
def invite(request):
    _context, pro = _scope(request, "invitations")
    form = InvitationForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            invitations.review_request_create(
                pro_id=pro.id,
                organization_id=pro.organization_id,
                created_by_id=request.user.pk,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        except invitations.InvitationLimit as exc:
            form.add_error(None, exc.message)
            status = _limit_status(exc)
        else:
            email = form.cleaned_data["customer_email"]
            messages.success(request, f"Invitation envoyée à {email}.")
            return redirect("reviews-backoffice:invitations")
    return _render_invitations(request, invite_form=form, status=status)


@login_required
@require_POST
def import_csv(request):
    context, pro = _scope(request, "invitations")
    if not _may_import(context):
        raise Http404
    form = CsvImportForm(request.POST, request.FILES)
    report = None
    status = 400
    if form.is_valid():
        try:
            report = invitations.review_requests_import(
                pro_id=pro.id,
                organization_id=pro.organization_id,
                created_by_id=request.user.pk,
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        except invitations.InvitationLimit as exc:
            form.add_error(None, exc.message)
            status = _limit_status(exc)
    return _render_invitations(
        request, import_form=form, report=report, status=200 if report else status
    )


@login_required
@require_POST
def mark_undeliverable(request, invitation_id: int):
    """ "Adresse en erreur": no more mail to that address (any member of the pro)."""
    _context, pro = _scope(request, "invitations")
    try:
        invitation = deliverability.invitation_mark_undeliverable(
            invitation_id=invitation_id, pro_ids=[pro.id]
        )
    except ReviewInvitation.DoesNotExist as exc:
        raise Http404 from exc
    messages.success(
        request,
        f"Adresse {invitation.customer_email} marquée en erreur : Eldo ne lui écrira plus "
        f"(ni relance ni nouvelle invitation).",
    )
    return redirect("reviews-backoffice:invitations")


@login_required
@require_POST
def reply(request, review_id: int):
    _scope(request, "reviews")
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Écrivez votre réponse avant de l'envoyer.")
        return redirect("reviews-backoffice:reviews")
    try:
        services.review_reply_create(
            review_id=review_id, user_id=request.user.pk, body=form.cleaned_data["body"]
        )
    except services.InvalidTransition as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Votre réponse est publiée ; l'auteur de l'avis est prévenu.")
    return redirect("reviews-backoffice:reviews")


@login_required
@require_POST
def report(request, review_id: int):
    _scope(request, "reviews")
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez le motif du signalement.")
        return redirect("reviews-backoffice:reviews")
    if not access.submission_allowed(request, "review_report"):
        messages.error(request, "Trop de signalements en peu de temps : réessayez plus tard.")
        return redirect("reviews-backoffice:reviews")
    try:
        services.review_report_create(
            review_id=review_id,
            user_id=request.user.pk,
            reason=form.cleaned_data["reason"],
            details=form.cleaned_data["details"],
        )
    except services.InvalidTransition as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            "Signalement enregistré : l'avis est marqué « en cours de vérification » jusqu'à "
            "la décision d'un modérateur.",
        )
    return redirect("reviews-backoffice:reviews")


from apps.reviews.presentation import (  # noqa: E402
    funnel_pages,
    permanent_link_pages,
    timing_pages,
    tool_key_pages,
    widget_pages,
)

urlpatterns = [
    path("espace-pro/avis/", reviews_page, name="reviews"),
    path("espace-pro/avis/widget/", widget_pages.widget_configurator, name="widget"),
    path("espace-pro/avis/<id:review_id>/repondre/", reply, name="reply"),
    path("espace-pro/avis/<id:review_id>/signaler/", report, name="report"),
    path("espace-pro/invitations/", invitations_page, name="invitations"),
    path("espace-pro/invitations/entonnoir/", funnel_pages.funnel_page, name="funnel"),
    path(
        "espace-pro/invitations/entonnoir/export.csv",
        funnel_pages.funnel_export,
        name="funnel-export",
    ),
    path("espace-pro/invitations/inviter/", invite, name="invite"),
    path("espace-pro/invitations/importer/", import_csv, name="import"),
    path("espace-pro/invitations/delais/", timing_pages.timing_page, name="timing"),
    path("espace-pro/invitations/cles-api/", tool_key_pages.tool_keys_page, name="tool-keys"),
    path(
        "espace-pro/invitations/cles-api/<str:prefix>/revoquer/",
        tool_key_pages.tool_key_revoke,
        name="tool-key-revoke",
    ),
    path(
        "espace-pro/invitations/lien-permanent/",
        permanent_link_pages.permanent_link_page,
        name="permanent-link",
    ),
    path(
        "espace-pro/invitations/lien-permanent/qr-code.png",
        permanent_link_pages.sticker_png,
        name="permanent-link-png",
    ),
    path(
        "espace-pro/invitations/lien-permanent/qr-code.svg",
        permanent_link_pages.sticker_svg,
        name="permanent-link-svg",
    ),
    path(
        "espace-pro/invitations/lien-permanent/flyer.pdf",
        permanent_link_pages.flyer_pdf,
        name="permanent-link-flyer",
    ),
    path(
        "espace-pro/invitations/<id:invitation_id>/adresse-en-erreur/",
        mark_undeliverable,
        name="undeliverable",
    ),
]
