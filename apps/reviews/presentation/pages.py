"""French pages of the reviews context: latest reviews, writing a review (invitation link
or spontaneous), e-mail confirmation, unsubscribe, the widget, the rules page and the
moderators' queue (the pro's pages are in ``backoffice``). They work without JavaScript."""

from __future__ import annotations

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.accounts.contracts import DEVICE_COOKIE, AccountsFacade
from apps.core.actor import actor_of
from apps.core.facade_ports import facade
from apps.core.pagecache import cache_depends, public_response_cache
from apps.core.site import absolute_url
from apps.directory.contracts import DirectoryFacade
from apps.reviews import caching, invitations, proofs, selectors, services
from apps.reviews.aggregates import WIDGET_THEMES, WIDGET_TYPES, widget_cache_key
from apps.reviews.invitations import InvitationError
from apps.reviews.models import ProReviewStats, ReviewLabel, ReviewStatus
from apps.reviews.presentation import access
from apps.reviews.presentation.forms import (
    DecisionForm,
    ProofForm,
    ReviewForm,
    errors_to_form,
)
from apps.reviews.rules import CHECK_LABELS, DECISION_REASONS, SAMPLING_FLAGS, first_name

directory: DirectoryFacade = facade("directory")
accounts: AccountsFacade = facade("accounts")

app_name = "reviews"

PAGE_SIZE = 12
WIDGET_CACHE_SECONDS = 300
WIDGET_REVIEWS = 5
THROTTLED_MESSAGE = "Vous avez envoyé beaucoup d'avis en peu de temps : réessayez dans une heure."
OUTCOMES = {
    "publie": (
        "Merci, votre avis est en ligne !",
        "Votre avis est publié sur la fiche de l'entreprise. Il aidera d'autres "
        "particuliers à choisir leur artisan.",
    ),
    "moderation": (
        "Merci, votre avis a bien été reçu",
        "Il sera relu par notre équipe de modération avant publication, sous 3 jours "
        "ouvrés. Vous serez prévenu par e-mail de notre décision.",
    ),
    "confirmation": (
        "Plus qu'une étape : confirmez votre adresse e-mail",
        "Nous venons de vous envoyer un e-mail. Ouvrez le lien qu'il contient (valable "
        "7 jours) : votre avis sera ensuite relu par notre équipe de modération.",
    ),
    "justificatif": (
        "Merci, votre justificatif est bien reçu",
        "Un modérateur d'Eldo va le vérifier. S'il confirme vos travaux, votre avis portera la "
        "mention « avis vérifié ». Le document n'est jamais publié ni transmis à l'entreprise.",
    ),
    "confirme": (
        "Merci, votre adresse est confirmée",
        "Votre avis va être relu par notre équipe de modération, sous 3 jours ouvrés. "
        "Vous serez prévenu par e-mail de notre décision.",
    ),
}


def _page(queryset, number, size=PAGE_SIZE):
    paginator = Paginator(queryset, size)
    try:
        return paginator.page(number or 1)
    except (EmptyPage, PageNotAnInteger) as exc:
        raise Http404 from exc


# --- Public pages -------------------------------------------------------------------------


@public_response_cache(params=("page",))
def latest(request):
    cache_depends(request, *caching.latest_generations(), directory.listing_cache_generation())
    page = _page(selectors.review_list_latest()[:1000], request.GET.get("page"))
    return render(
        request,
        "reviews/latest.html",
        {"page": page, "reviews": selectors.review_cards(page.object_list)},
    )


def how_it_works(request):
    return render(
        request,
        "reviews/how_it_works.html",
        {
            "reject_reasons": [str(text) for text in DECISION_REASONS["reject"].values()],
            "checks": [
                str(label) for code, label in CHECK_LABELS.items() if code not in SAMPLING_FLAGS
            ],
            "sample_percent": settings.REVIEWS_COLLECTED_SAMPLE_PERCENT,
            "first_moderated": settings.REVIEWS_COLLECTED_FIRST_MODERATED,
            "score_weights": [
                (ReviewLabel(label).label, settings.REVIEWS_SCORE_WEIGHTS[label])
                for label in (
                    ReviewLabel.VERIFIED,
                    ReviewLabel.SPONTANEOUS,
                    ReviewLabel.COLLECTED,
                )
            ],
        },
    )


def _write_context(request, *, form, pro, invitation=None, token=None):
    return {
        "form": form,
        "pro": pro,
        "invitation": invitation,
        "invitation_label": ReviewLabel(services.label_for_invitation(invitation)).label
        if invitation
        else "",
        "token": token,
        "breadcrumbs": [
            {"label": "Accueil", "url": "/"},
            {"label": pro.name, "url": f"/pro/{pro.slug}/"},
            {"label": "Donner mon avis", "url": ""},
        ],
    }


def _submit(request, form, **identity):
    """Call the service with the form's data; returns the review or None (errors set)."""
    if not access.submission_allowed(request, "review_submit"):
        form.add_error(None, THROTTLED_MESSAGE)
        return None
    data = form.cleaned_data
    try:
        return services.review_submit(
            rating=data["rating"],
            criteria=form.criteria(),
            title=data["title"],
            body=data["body"],
            author_name=data["author_name"],
            author_email=data.get("author_email", ""),
            author_postcode=data["author_postcode"],
            work_category=data["work_category"],
            work_date=data["work_date"],
            photos=data.get("photos") or [],
            author_ip=access.client_address(request),
            author_device=accounts.device_hash(request.COOKIES.get(DEVICE_COOKIE, "")),
            author_user_id=request.user.pk if request.user.is_authenticated else None,
            **identity,
        )
    except ValidationError as exc:
        errors_to_form(form, exc)
        return None


def _invalid_link(request, error: InvitationError):
    status = 404 if error.code == "invalid" else 410
    return render(request, "reviews/link_invalid.html", {"message": error.message}, status=status)


@require_http_methods(["GET", "POST"])
def invitation_write(request, token: str):
    """The page the invitation e-mail links to (its last path segment is the token)."""
    try:
        invitation = (
            invitations.invitation_open(token)
            if request.method == "GET"
            else invitations.invitation_for_token(token)
        )
    except InvitationError as error:
        return _invalid_link(request, error)
    pro = directory.pros_by_ids([invitation.pro_id]).get(invitation.pro_id)
    if pro is None:
        raise Http404
    profile = directory.pro_profile(pro.slug) or {}
    categories = [c["slug"] for c in profile.get("category_items", [])]
    if request.method == "POST":
        invitations.invitation_started(invitation)
        form = ReviewForm(request.POST, request.FILES, invited=True, pro_category_slugs=categories)
        if form.is_valid():
            review = _submit(request, form, invitation_token=token)
            if review is not None:
                _offer_proof(request, review)
                outcome = "publie" if review.status == ReviewStatus.PUBLISHED else "moderation"
                return redirect("reviews:thanks", outcome=outcome)
    else:
        initial = {
            "author_name": first_name(invitation.customer_name),
            "work_date": invitation.work_date,
            "work_category": categories[0] if categories else "",
        }
        if len(invitation.work_description) <= 120:
            initial["title"] = invitation.work_description
        form = ReviewForm(initial=initial, invited=True, pro_category_slugs=categories)
    context = _write_context(request, form=form, pro=pro, invitation=invitation, token=token)
    return render(request, "reviews/write.html", context, status=_form_status(request, form))


@require_http_methods(["GET"])
def short_link(request, token: str):
    """The short signed link of the invitation SMS (``sms.short_code``): to the
    invitation's page."""
    from apps.reviews.sms import invitation_for_short_code

    invitation = invitation_for_short_code(token)
    if invitation is None:
        raise Http404
    return redirect("reviews:invitation", token=invitations.invitation_token(invitation))


def _throttled(form) -> bool:
    return THROTTLED_MESSAGE in form.non_field_errors()


def _form_status(request, form) -> int:
    """A POST that renders the form again was refused: 429 when throttled, else 400."""
    if request.method != "POST":
        return 200
    return 429 if _throttled(form) else 400


@require_http_methods(["GET", "POST"])
def spontaneous_write(request, slug: str):
    """A spontaneous review from a pro's profile: unverified, confirmed by e-mail, moderated."""
    return _open_write(request, slug, permanent_link=False)


@require_http_methods(["GET", "POST"])
def permanent_link_write(request, slug: str):
    """The pro's permanent review link (its QR code, flyer, sticker): "avis collecté par
    l'entreprise", confirmed by e-mail, then the checks of collected reviews. A pro that is
    not published: 404."""
    return _open_write(request, slug, permanent_link=True)


def _open_write(request, slug: str, *, permanent_link: bool):
    profile = directory.pro_profile(slug)
    if profile is None:
        raise Http404
    pro = directory.pros_by_slugs([slug])[slug]
    categories = [c["slug"] for c in profile.get("category_items", [])]
    if request.method == "POST":
        form = ReviewForm(request.POST, request.FILES, pro_category_slugs=categories)
        if form.is_valid():
            review = _submit(request, form, pro_slug=slug, permanent_link=permanent_link)
            if review is not None:
                _offer_proof(request, review)
                if review.email_confirmed_at is None:
                    outcome = "confirmation"
                elif review.status == ReviewStatus.PUBLISHED:
                    outcome = "publie"
                else:
                    outcome = "moderation"
                return redirect("reviews:thanks", outcome=outcome)
    else:
        initial = {"work_category": categories[0] if categories else ""}
        if request.user.is_authenticated:
            initial |= {"author_email": request.user.email, "author_name": request.user.first_name}
        form = ReviewForm(initial=initial, pro_category_slugs=categories)
    context = _write_context(request, form=form, pro=pro) | {"permanent_link": permanent_link}
    return render(request, "reviews/write.html", context, status=_form_status(request, form))


def _offer_proof(request, review) -> None:
    """The thanks page offers the author to join an invoice ("avis vérifié"), through a
    link only this browser gets."""
    if review.label != ReviewLabel.VERIFIED:
        request.session["reviews_proof_token"] = proofs.proof_token(review)


def thanks(request, outcome: str):
    if outcome not in OUTCOMES:
        raise Http404
    title, text = OUTCOMES[outcome]
    token = request.session.get("reviews_proof_token") if outcome != "justificatif" else None
    proof_url = reverse("reviews:proof", args=[token]) if token else ""
    return render(
        request, "reviews/thanks.html", {"title": title, "text": text, "proof_url": proof_url}
    )


@require_http_methods(["GET", "POST"])
def proof_upload(request, token: str):
    """The author joins an invoice or a quote to their review; any other token: 404."""
    review = proofs.review_for_proof_token(token)
    pro = directory.pros_by_ids([review.pro_id]).get(review.pro_id)
    form = ProofForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not access.submission_allowed(request, "review_submit"):
            form.add_error(None, THROTTLED_MESSAGE)
        elif form.is_valid():
            try:
                proofs.review_proof_upload(token=token, upload=form.cleaned_data["file"])
            except proofs.ProofConflict as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                form.add_error("file", exc.message_dict.get("file", exc.messages))
            else:
                request.session.pop("reviews_proof_token", None)
                return redirect("reviews:thanks", outcome="justificatif")
    context = {"form": form, "review": review, "pro": pro}
    return render(request, "reviews/proof.html", context, status=_form_status(request, form))


@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    """GET shows the review and a "Confirmer mon avis" button; only its POST confirms (a
    mail scanner opening the link changes nothing)."""
    try:
        if request.method == "POST":
            review = services.review_email_confirm(token)
        else:
            review = services.review_for_confirmation(token)
    except services.ConfirmationError as error:
        status = 410 if error.code == "expired" else 404
        return render(
            request, "reviews/link_invalid.html", {"message": error.message}, status=status
        )
    if request.method == "GET":
        pro = directory.pros_by_ids([review.pro_id]).get(review.pro_id)
        return render(request, "reviews/confirm.html", {"review": review, "pro": pro})
    outcome = "publie" if review.status == ReviewStatus.PUBLISHED else "confirme"
    return redirect("reviews:thanks", outcome=outcome)


@csrf_exempt  # RFC 8058 one-click unsubscribe: mail clients POST without a CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        invitation = invitations.invitation_for_unsubscribe(token)
    except InvitationError as error:
        return _invalid_link(request, error)
    pro = directory.pros_by_ids([invitation.pro_id]).get(invitation.pro_id)
    done = False
    if request.method == "POST":
        invitations.invitation_opt_out(token)
        done = True
    return render(
        request,
        "reviews/unsubscribe.html",
        {"pro": pro, "done": done, "email": invitation.customer_email},
    )


@csrf_exempt  # RFC 8058 one-click unsubscribe: mail clients POST without a CSRF token
@require_http_methods(["GET", "POST"])
def digest_unsubscribe(request, token: str):
    """The weekly digest's signed opt-out link (no login): GET shows a button, POST records."""
    from apps.reviews import digest

    user_id = digest.user_for_token(token)
    if user_id is None:
        raise Http404
    done = request.method == "POST"
    if done:
        digest.digest_opt_out(user_id)
    return render(request, "reviews/digest_unsubscribe.html", {"done": done})


@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})  # embedded on the pros' own websites
def widget(request, slug: str):
    """The embeddable widget (an iframe on the pro's own website): rating, count and the
    latest reviews. Cached; the cache is dropped when the pro's aggregates change."""
    kind = request.GET.get("type", "")
    kind = kind if kind in WIDGET_TYPES else WIDGET_TYPES[0]
    theme = request.GET.get("theme", "")
    theme = theme if theme in WIDGET_THEMES else WIDGET_THEMES[0]
    key = widget_cache_key(slug, kind, theme)
    html = cache.get(key)
    if html is None:
        pro = directory.pros_by_slugs([slug]).get(slug)
        if pro is None:
            raise Http404
        stats = ProReviewStats.objects.filter(pro_id=pro.id).first()
        reviews = selectors.review_cards(
            selectors.review_list_for_pro(pro_id=pro.id)[:WIDGET_REVIEWS]
        )
        html = render_to_string(
            "reviews/widget.html",
            {
                "pro": pro,
                "kind": kind,
                "theme": theme,
                "average": stats.average if stats else 0,
                "count": stats.count if stats else 0,
                "reviews": reviews,
                "profile_url": absolute_url(f"/pro/{pro.slug}/"),
                "rules_url": absolute_url(reverse("reviews:how-it-works")),
            },
        )
        cache.set(key, html, WIDGET_CACHE_SECONDS)
    response = HttpResponse(html)
    response["Cache-Control"] = f"public, max-age={WIDGET_CACHE_SECONDS}"
    return response


# --- Moderation ---------------------------------------------------------------------------


def _moderator_required(request):
    if not actor_of(request).is_moderator:
        raise PermissionDenied


@login_required
def moderation_queue(request):
    _moderator_required(request)
    wanted = request.GET.get("statut") or None
    if wanted not in (None, ReviewStatus.PENDING, ReviewStatus.IN_DISPUTE):
        wanted = None
    page = _page(selectors.moderation_queue(status=wanted), request.GET.get("page"), size=20)
    pros = directory.pros_by_ids(sorted({r.pro_id for r in page.object_list}))
    rows = [
        {
            "review": review,
            "pro": pros.get(review.pro_id),
            "checks": [str(CHECK_LABELS.get(code, code)) for code in review.check_flags],
            "reports": list(review.reports.all()),
        }
        for review in page.object_list
    ]
    return render(
        request,
        "reviews/moderation/queue.html",
        {"page": page, "rows": rows, "status": wanted or ""},
    )


def _proof_decide(request, review):
    """Accept or reject the author's invoice or quote (the page's second form)."""
    try:
        proof_id = int(request.POST.get("proof", ""))
    except ValueError as exc:
        raise Http404 from exc
    decision = request.POST["proof_decision"]
    try:
        proofs.review_proof_decide(
            review_id=review.pk, proof_id=proof_id, moderator_id=request.user.pk, decision=decision
        )
    except (proofs.ProofConflict, ValidationError) as exc:
        messages.error(request, getattr(exc, "message", " ".join(getattr(exc, "messages", []))))
    else:
        messages.success(
            request,
            "Justificatif accepté : l'avis porte désormais la mention « avis vérifié »."
            if decision == "accept"
            else "Justificatif refusé : le label de l'avis ne change pas.",
        )
    return redirect("reviews:moderation-review", review_id=review.pk)


@login_required
@require_http_methods(["GET", "POST"])
def moderation_review(request, review_id: int):
    _moderator_required(request)
    review = selectors.review_for_moderation(review_id=review_id)
    if review is None:
        raise Http404
    if request.method == "POST" and request.POST.get("proof_decision"):
        return _proof_decide(request, review)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_moderate(
                review_id=review.pk,
                moderator_id=request.user.pk,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        except services.InvalidTransition as exc:
            form.add_error(None, exc.message)
        else:
            verb = "publié" if form.cleaned_data["decision"] == "publish" else "refusé"
            messages.success(
                request, f"Avis « {review.title} » {verb}. L'auteur est prévenu par e-mail."
            )
            return redirect("reviews:moderation")
    pro = directory.pros_by_ids([review.pro_id]).get(review.pro_id)
    return render(
        request,
        "reviews/moderation/review.html",
        {
            "review": review,
            "pro": pro,
            "form": form,
            "checks": [str(CHECK_LABELS.get(code, code)) for code in review.check_flags],
        },
    )


urlpatterns = [
    path("avis/", latest, name="latest"),
    path("avis/comment-ca-marche/", how_it_works, name="how-it-works"),
    path("avis/merci/<slug:outcome>/", thanks, name="thanks"),
    path("avis/invitation/<str:token>/", invitation_write, name="invitation"),
    path("avis/i/<str:token>/", short_link, name="short-link"),
    path("avis/desinscription/<str:token>/", unsubscribe, name="unsubscribe"),
    path(
        "avis/resume-hebdomadaire/desinscription/<str:token>/",
        digest_unsubscribe,
        name="digest-unsubscribe",
    ),
    path("avis/confirmation/<str:token>/", confirm, name="confirm"),
    path("avis/justificatif/<str:token>/", proof_upload, name="proof"),
    path("pro/<slug:slug>/donner-mon-avis/", spontaneous_write, name="write"),
    path("avis/laisser/<slug:slug>/", permanent_link_write, name="permanent-link"),
    path("widget/<slug:slug>/", widget, name="widget"),
    path("moderation/avis/", moderation_queue, name="moderation"),
    path("moderation/avis/<id:review_id>/", moderation_review, name="moderation-review"),
]
