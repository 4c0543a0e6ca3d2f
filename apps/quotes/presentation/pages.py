"""French pages: the homeowner's forms and status page, and the advisors' console.

The console answers 404 to anyone who is not an advisor or staff, as if it did not exist.
Its actions are plain POST forms (no JavaScript): success redirects back to the request
with a message; an action the request's state forbids re-renders it with the reason
(HTTP 409).
"""

from __future__ import annotations

from math import ceil

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.actor import actor_of
from apps.directory import api as directory
from apps.quotes import selectors, services
from apps.quotes.models import QuoteChannel, QuoteKind, QuoteRequest, QuoteStatus
from apps.quotes.presentation.forms import (
    CallbackRequestForm,
    CallForm,
    DispatchForm,
    QualifyForm,
    QueueFilterForm,
    QuoteRequestForm,
    RejectForm,
    add_service_errors,
)
from apps.quotes.presentation.throttles import page_submission_wait
from apps.quotes.validators import phone_display

app_name = "quotes"

QUEUE_PAGE_SIZE = 25
SUBMIT_FIELDS = (
    "category",
    "description",
    "postcode",
    "commune",
    "first_name",
    "last_name",
    "email",
    "phone",
    "consent",
    "budget_range",
    "timeline",
    "property_type",
    "callback_slot",
    "pro",
    "brand",
)

# --- Homeowner pages ------------------------------------------------------------------------


def _target_pro(slug: str | None):
    if not slug or len(slug) > 200:
        return None
    return directory.pros_by_slugs([slug]).get(slug)


def _submit(request, form, *, kind: str, template: str, context: dict):
    """Shared POST handling of the quote and callback forms."""
    if form.data.get("website"):
        # The honeypot was filled: a bot. It sees a success and nothing is recorded.
        return render(request, "quotes/submitted.html", {"quote": None})
    wait = page_submission_wait(request)
    if wait is not None:
        minutes = max(1, ceil(wait / 60))
        form.add_error(
            None,
            f"Vous avez envoyé beaucoup de demandes en peu de temps. Réessayez dans "
            f"{minutes} minute{'s' if minutes > 1 else ''}, ou appelez-nous.",
        )
        return render(request, template, {**context, "form": form}, status=429)
    if form.is_valid():
        data = {name: form.cleaned_data.get(name, "") for name in SUBMIT_FIELDS}
        data["consent"] = bool(data["consent"])
        try:
            submission = services.quote_submit(kind=kind, channel=QuoteChannel.WEB, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            token = selectors.quote_status_token(submission.quote.pk)
            return redirect("quotes:submitted", token=token)
    # The form comes back with its errors next to the fields: a 400, as the API answers.
    return render(request, template, {**context, "form": form}, status=400)


@require_http_methods(["GET", "POST"])
def quote_request(request):
    target = _target_pro(
        request.POST.get("pro") if request.method == "POST" else request.GET.get("pro")
    )
    brand_slug = request.POST.get("brand") if request.method == "POST" else request.GET.get("brand")
    brand = directory.brand_by_slug(brand_slug[:120]) if brand_slug else None
    context = {
        "kind": QuoteKind.QUOTE,
        "target": target,
        "brand": brand,
        "title": "Décrivez votre projet en ligne, c'est simple et gratuit",
        "lead": "Un conseiller Eldo vous rappelle pour préciser votre besoin, puis jusqu'à "
        "trois artisans qualifiés de votre secteur vous contactent.",
        "submit_label": "Envoyer ma demande de devis",
    }
    if request.method == "POST":
        form = QuoteRequestForm(request.POST)
        return _submit(
            request, form, kind=QuoteKind.QUOTE, template="quotes/request.html", context=context
        )
    form = QuoteRequestForm(
        initial={"pro": target.slug if target else "", "brand": brand.slug if brand else ""}
    )
    return render(request, "quotes/request.html", {**context, "form": form})


@require_http_methods(["GET", "POST"])
def callback_request(request):
    context = {
        "kind": QuoteKind.CALLBACK,
        "target": None,
        "title": "Vous ne trouvez pas votre bonheur ? Un conseiller Eldo vous rappelle",
        "lead": "Laissez-nous votre numéro : un conseiller vous appelle, gratuitement, pour "
        "comprendre votre projet et vous orienter vers les bons professionnels.",
        "submit_label": "Être rappelé(e)",
    }
    if request.method == "POST":
        form = CallbackRequestForm(request.POST)
        return _submit(
            request, form, kind=QuoteKind.CALLBACK, template="quotes/request.html", context=context
        )
    return render(request, "quotes/request.html", {**context, "form": CallbackRequestForm()})


def _quote_for_token(token: str) -> QuoteRequest:
    quote = selectors.quote_for_status_token(token)
    if quote is None:
        raise Http404
    return quote


def _private(response):
    # The page is reached through a secret link: never cached by a proxy, never indexed.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


@require_GET
def submitted(request, token: str):
    quote = _quote_for_token(token)
    return _private(
        render(
            request,
            "quotes/submitted.html",
            {"quote": quote, "token": token, "phone": phone_display(quote.phone)},
        )
    )


def progress_steps(quote: QuoteRequest, status: str | None = None) -> list[dict]:
    """The four steps of the status page: done, current, stopped (refused, unreachable) or
    upcoming, each with its date once reached. ``status``: the one shown, if not quote's."""
    status = status or quote.status
    reached = {
        QuoteStatus.NEW: 0,
        QuoteStatus.IN_QUALIFICATION: 1,
        QuoteStatus.UNREACHABLE: 1,
        QuoteStatus.QUALIFIED: 2,
        QuoteStatus.DISPATCHED: 3,
        QuoteStatus.REJECTED: 1 if quote.claimed_at else 0,
    }[status]
    stopped = status in (QuoteStatus.REJECTED, QuoteStatus.UNREACHABLE)
    dates = [quote.created_at, quote.claimed_at, quote.qualified_at, quote.dispatched_at]
    steps = []
    for index, (_status, label) in enumerate(selectors.STATUS_STEPS):
        if index < reached or (index == reached and status == QuoteStatus.DISPATCHED):
            state = "done"
        elif index == reached:
            state = "stopped" if stopped else "current"
        else:
            state = "upcoming"
        date = dates[index] if state != "upcoming" else None
        steps.append({"label": label, "state": state, "date": date})
    return steps


@require_GET
def status_page(request, token: str):
    quote = _quote_for_token(token)
    status = selectors.public_status(quote)
    context = {
        "quote": quote,
        "status": status,
        "steps": progress_steps(quote, status),
        "category_name": selectors.category_names().get(quote.category_slug, ""),
        "pros": list(quote.dispatches.all()),
    }
    return _private(render(request, "quotes/status.html", context))


# --- Advisor console ------------------------------------------------------------------------


def _advisor_or_404(request) -> None:
    if not actor_of(request).is_advisor:
        raise Http404


@never_cache
@require_GET
def console_queue(request):
    _advisor_or_404(request)
    form = QueueFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_bound and form.is_valid() else {}
    status = cleaned.get("status", "")
    statuses = services.OPEN_STATUSES if not status else [] if status == "all" else [status]
    queryset = selectors.quote_queue(
        statuses=statuses,
        category_slug=cleaned.get("category", ""),
        department_code=(cleaned.get("department") or "").upper(),
        assigned_to_id=request.user.pk if cleaned.get("mine") else None,
        q=cleaned.get("q", ""),
    )
    page = Paginator(queryset, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.advisors_attach(page.object_list)
    names = form.category_names
    now = timezone.now()
    rows = [
        {
            "quote": quote,
            "category_name": names.get(quote.category_slug, ""),
            "overdue": quote.next_call_at is not None
            and quote.next_call_at <= now
            and quote.status in (QuoteStatus.NEW, QuoteStatus.IN_QUALIFICATION),
            "phone": phone_display(quote.phone),
            "promise": selectors.callback_promise(quote, now=now),
        }
        for quote in page.object_list
    ]
    return render(
        request,
        "quotes/console/queue.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "promise_hours": selectors.callback_promise_hours(),
        },
    )


def _file_or_404(reference: str) -> QuoteRequest:
    quote = selectors.quote_file(reference=reference)
    if quote is None:
        raise Http404
    return quote


def _qualify_initial(quote: QuoteRequest) -> dict:
    return {
        "category": quote.category_slug,
        "description": quote.description,
        "postcode": quote.postcode,
        "commune": quote.commune_name,
        "address": quote.address,
        "property_type": quote.property_type,
        "budget_range": quote.budget_range,
        "timeline": quote.timeline,
        "first_name": quote.first_name,
        "last_name": quote.last_name,
        "email": quote.email,
        "phone": phone_display(quote.phone),
        "pro_note": quote.pro_note,
    }


def _render_file(request, reference: str, *, status: int = 200, error: str = "", **forms):
    quote = _file_or_404(reference)
    actor = actor_of(request)
    is_holder = quote.assigned_to_id == actor.user_id or actor.is_platform_staff
    held = quote.status in (QuoteStatus.IN_QUALIFICATION, QuoteStatus.QUALIFIED)
    can_work = quote.anonymised_at is None
    show_matches = quote.status in (QuoteStatus.IN_QUALIFICATION, QuoteStatus.QUALIFIED)
    suggestions = selectors.quote_suggestions(quote) if show_matches and can_work else []
    context = {
        "quote": quote,
        "error": error,
        "category_name": selectors.category_names().get(quote.category_slug, ""),
        "phone": phone_display(quote.phone),
        "is_holder": is_holder,
        "can_claim": can_work and quote.status in (QuoteStatus.NEW, QuoteStatus.UNREACHABLE),
        "can_call": can_work and quote.status == QuoteStatus.IN_QUALIFICATION and is_holder,
        "can_reject": can_work and (quote.status == QuoteStatus.NEW or (held and is_holder)),
        "can_dispatch": can_work and quote.status == QuoteStatus.QUALIFIED and is_holder,
        "max_failed_calls": services.max_failed_calls(),
        "suggestions": suggestions,
        "calls": list(quote.calls.all()),
        "transitions": list(quote.transitions.all()),
        "dispatches": list(quote.dispatches.all()),
        "call_form": forms.get("call_form") or CallForm(),
        "qualify_form": forms.get("qualify_form") or QualifyForm(initial=_qualify_initial(quote)),
        "reject_form": forms.get("reject_form") or RejectForm(),
        "dispatch_form": forms.get("dispatch_form")
        or DispatchForm(
            suggestions=suggestions,
            initial={"pros": [s.match.pro.slug for s in suggestions if s.requested_by_homeowner]},
        ),
    }
    return render(request, "quotes/console/detail.html", context, status=status)


@never_cache
@require_GET
def console_detail(request, reference: str):
    _advisor_or_404(request)
    return _render_file(request, reference)


def _act(request, reference: str, action, *, success: str, **forms):
    """Run a service action; conflicts and field errors are shown on the request's page."""
    try:
        action()
    except services.QuoteConflict as exc:
        return _render_file(request, reference, status=409, error=exc.message, **forms)
    except ValidationError as exc:
        form = next(iter(forms.values()), None)
        if form is None:
            return _render_file(request, reference, status=400, error=" ".join(exc.messages))
        add_service_errors(form, exc)
        return _render_file(request, reference, **forms)
    messages.success(request, success)
    return redirect("quotes:console-detail", reference=reference)


@require_POST
def console_claim(request, reference: str):
    _advisor_or_404(request)
    quote = _file_or_404(reference)
    return _act(
        request,
        reference,
        lambda: services.quote_claim(quote_id=quote.pk, actor=actor_of(request)),
        success="Demande prise en charge : vous êtes le seul conseiller à la traiter.",
    )


@require_POST
def console_call(request, reference: str):
    _advisor_or_404(request)
    quote = _file_or_404(reference)
    form = CallForm(request.POST)
    if not form.is_valid():
        return _render_file(request, reference, call_form=form)
    return _act(
        request,
        reference,
        lambda: services.quote_call_log(
            quote_id=quote.pk, actor=actor_of(request), **form.cleaned_data
        ),
        success="Appel enregistré.",
        call_form=form,
    )


@require_POST
def console_qualify(request, reference: str):
    _advisor_or_404(request)
    quote = _file_or_404(reference)
    form = QualifyForm(request.POST)
    if not form.is_valid():
        return _render_file(request, reference, qualify_form=form)
    return _act(
        request,
        reference,
        lambda: services.quote_qualify(
            quote_id=quote.pk, actor=actor_of(request), changes=dict(form.cleaned_data)
        ),
        success="Projet qualifié : choisissez maintenant les artisans.",
        qualify_form=form,
    )


@require_POST
def console_reject(request, reference: str):
    _advisor_or_404(request)
    quote = _file_or_404(reference)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _render_file(request, reference, reject_form=form)
    return _act(
        request,
        reference,
        lambda: services.quote_reject(
            quote_id=quote.pk, actor=actor_of(request), **form.cleaned_data
        ),
        success="Demande refusée.",
        reject_form=form,
    )


@require_POST
def console_dispatch(request, reference: str):
    _advisor_or_404(request)
    quote = _file_or_404(reference)
    suggestions = selectors.quote_suggestions(quote)
    form = DispatchForm(request.POST, suggestions=suggestions)
    if not form.is_valid():
        return _render_file(request, reference, dispatch_form=form)
    return _act(
        request,
        reference,
        lambda: services.quote_dispatch(
            quote_id=quote.pk, actor=actor_of(request), pro_slugs=form.cleaned_data["pros"]
        ),
        success="Demande transmise : le particulier est prévenu par e-mail.",
        dispatch_form=form,
    )


urlpatterns = [
    path("devis/", quote_request, name="request"),
    path("rappel/", callback_request, name="callback"),
    path("devis/envoyee/<str:token>/", submitted, name="submitted"),
    path("devis/suivi/<str:token>/", status_page, name="status"),
    path("conseiller/demandes/", console_queue, name="console"),
    path("conseiller/demandes/<str:reference>/", console_detail, name="console-detail"),
    path("conseiller/demandes/<str:reference>/prendre/", console_claim, name="console-claim"),
    path("conseiller/demandes/<str:reference>/appel/", console_call, name="console-call"),
    path("conseiller/demandes/<str:reference>/qualifier/", console_qualify, name="console-qualify"),
    path("conseiller/demandes/<str:reference>/refuser/", console_reject, name="console-reject"),
    path(
        "conseiller/demandes/<str:reference>/transmettre/",
        console_dispatch,
        name="console-dispatch",
    ),
]
