"""The pro's invitation settings, /espace-pro/invitations/delais/ (every member reads them;
owners and managers change them): the delays of Eldo's automatic invitation after a won
lead, the reminder schedule, the sending hours and the intro line of the message, with a
preview of the e-mail and the SMS as the customer receives them."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from apps.reviews import automatic, emails, sending, sms
from apps.reviews.models import InvitationTiming, ScheduledInvitation
from apps.reviews.presentation.access import backoffice_may_import as _may_import
from apps.reviews.presentation.access import backoffice_scope as _scope
from apps.reviews.presentation.forms import errors_to_form

HOURS = [("", _("Horaires d'Eldo"))] + [(str(h), f"{h} h") for h in range(25)]
# Settings a form may leave out (older clients post the delays only): the saved value stays.
OPTIONAL = ("first_reminder_days", "second_reminder_days", "send_hour_start", "send_hour_end")


class TimingForm(forms.Form):
    days_after_work_end = forms.IntegerField(
        label=_("Jours après la fin des travaux"),
        min_value=0,
        max_value=automatic.DELAY_MAX_DAYS,
        help_text=_("Quand la date de fin des travaux est connue."),
    )
    days_after_won = forms.IntegerField(
        label=_("Jours après « gagné »"),
        min_value=0,
        max_value=automatic.DELAY_MAX_DAYS,
        help_text=_("Sinon, à compter du jour où la demande est marquée « gagnée »."),
    )
    first_reminder_days = forms.IntegerField(
        label=_("Première relance (jours après l'invitation)"), required=False
    )
    second_reminder_days = forms.IntegerField(
        label=_("Seconde relance (jours après l'invitation)"),
        required=False,
        help_text=_("0 : une seule relance."),
    )
    send_hour_start = forms.TypedChoiceField(
        label=_("Envoi à partir de"), choices=HOURS, coerce=int, empty_value=None, required=False
    )
    send_hour_end = forms.TypedChoiceField(
        label=_("Envoi jusqu'à"),
        choices=HOURS,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Heure de Paris. En dehors, l'invitation attend l'ouverture suivante."),
    )
    intro_line = forms.CharField(
        label=_("Votre mot d'introduction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 300}),
        help_text=_("Repris en tête de l'e-mail, 300 caractères, sans lien ni adresse e-mail."),
    )


def _initial(timing: InvitationTiming) -> dict:
    return {
        name: getattr(timing, name)
        for name in (
            "days_after_work_end",
            "days_after_won",
            "first_reminder_days",
            "second_reminder_days",
            "send_hour_start",
            "send_hour_end",
            "intro_line",
        )
    }


def _settings_from(form: TimingForm, request, timing: InvitationTiming) -> dict:
    """The submitted settings; a field left out or blank keeps its saved value (the hours:
    blank is the platform's hours)."""
    data = {}
    for name in (*OPTIONAL, "intro_line"):
        value = form.cleaned_data.get(name)
        if name not in request.POST or (value is None and name.endswith("_days")):
            value = getattr(timing, name)
        data[name] = value
    return data


@login_required
@require_http_methods(["GET", "POST"])
def timing_page(request):
    context, pro = _scope(request, "invitations")
    organization_id = context["backoffice_org"].organization_id
    may_edit = _may_import(context)
    timing = automatic.timing_for(organization_id)
    status = 200
    intro_line = timing.intro_line
    if request.method == "POST":
        if not may_edit:
            raise Http404
        form = TimingForm(request.POST)
        if form.is_valid():
            data = _settings_from(form, request, timing)
            try:
                with transaction.atomic():
                    automatic.timing_update(
                        organization_id=organization_id,
                        days_after_work_end=form.cleaned_data["days_after_work_end"],
                        days_after_won=form.cleaned_data["days_after_won"],
                    )
                    sending.settings_update(organization_id=organization_id, **data)
                    if "preview" in request.POST:
                        transaction.set_rollback(True)  # shown, not saved
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                if "preview" not in request.POST:
                    messages.success(request, "Réglages enregistrés.")
                    return redirect("reviews-backoffice:timing")
                intro_line = data["intro_line"]
        if form.errors:
            status = 400
    else:
        form = TimingForm(initial=_initial(timing))
    waiting = ScheduledInvitation.objects.filter(
        organization_id=organization_id, processed_at__isnull=True
    ).count()
    start, end = sending.hours_of(timing)
    return render(
        request,
        "reviews/backoffice/timing.html",
        context
        | {
            "pro": pro,
            "form": form,
            "may_edit": may_edit,
            "timing": timing,
            "waiting": waiting,
            "hours": {"start": start, "end": end, "any": start == end},
            "preview": emails.invitation_preview(pro=pro, intro_line=intro_line),
            "sms_preview": sms.invitation_sms_text(
                pro=pro, url=sms.short_url_example(), reminder=False
            ),
        },
        status=status,
    )
