"""Back office: how a member hears of new leads (/espace-pro/notifications/), and the
service worker of Web Push, served from the site root (/sw.js) so that its scope is "/"."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from apps.accounts import backoffice, notifications
from apps.accounts.models import PushSubscription
from apps.core import webpush
from apps.core.backoffice import backoffice_context_of

app_name = "accounts-notifications"


class NotificationForm(forms.Form):
    new_lead_email = forms.BooleanField(label="Par e-mail", required=False)
    new_lead_sms = forms.BooleanField(
        label="Par SMS",
        required=False,
        help_text="Jamais entre 20 h et 8 h : les SMS de la nuit partent à 8 h.",
    )
    phone = forms.CharField(label="Mobile pour les SMS", required=False, max_length=30)
    new_lead_push = forms.BooleanField(
        label="Par notification sur mes appareils abonnés", required=False
    )

    def __init__(self, *args, push_available: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not push_available:
            del self.fields["new_lead_push"]


@login_required
def notifications_page(request):
    context = backoffice_context_of(request, backoffice.backoffice_context, section="notifications")
    if context is None:
        raise Http404
    push_available = webpush.push_enabled()
    current = notifications.notification_settings_get(user=request.user)
    initial = {
        "new_lead_email": current.new_lead_email,
        "new_lead_sms": current.new_lead_sms,
        "new_lead_push": current.new_lead_push,
        "phone": current.phone,
    }
    form = NotificationForm(initial=initial, push_available=push_available)
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "remove_device":
            target = request.POST.get("target", "")
            device = (
                PushSubscription.objects.filter(user=request.user, pk=int(target)).first()
                if target.isdigit()
                else None
            )
            if device is None:
                raise Http404
            notifications.push_subscription_remove(user=request.user, endpoint=device.endpoint)
            messages.success(request, "Appareil retiré : il ne recevra plus de notification.")
            return redirect("accounts-notifications:page")
        form = NotificationForm(request.POST, push_available=push_available)
        if form.is_valid():
            try:
                notifications.notification_settings_update(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, "Vos préférences de notification sont enregistrées.")
                return redirect("accounts-notifications:page")
        status = 400
    context.update(
        {
            "form": form,
            "push_available": push_available,
            "vapid_public_key": webpush.public_key(),
            "devices": PushSubscription.objects.filter(user=request.user).order_by("created_at"),
            "subscribe_url": reverse("accounts-api:push-subscriptions"),
            "worker_url": reverse("accounts-notifications:service-worker"),
        }
    )
    return render(request, "accounts/backoffice/notifications.html", context, status=status)


@require_GET
def service_worker(request):
    response = HttpResponse(
        render_to_string("accounts/sw.js"), content_type="application/javascript; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache"  # browsers check for a new worker on each visit
    response["Service-Worker-Allowed"] = "/"
    return response


urlpatterns = [
    path("espace-pro/notifications/", notifications_page, name="page"),
    path("sw.js", service_worker, name="service-worker"),
]
