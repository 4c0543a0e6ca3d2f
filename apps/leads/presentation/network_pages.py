"""The network's routing rules, self-service (/espace-pro/reseau/regles/): each installer's
rule (départements, trades, priority, weight, monthly cap, pause/resume), the overlaps
between rules, and a preview of who would receive a lead of a trade in a postcode."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.accounts import api as accounts
from apps.directory import api as directory
from apps.leads import selectors, services, webhooks

RULE_FIELDS = ("department_codes", "category_slugs", "priority", "weight", "monthly_cap")


# A long native multi-select that static/js/chips.js turns into searchable chips.
CHIPS = forms.SelectMultiple(attrs={"data-chips": ""})


class RuleForm(forms.Form):
    department_codes = forms.MultipleChoiceField(
        label=gettext_lazy("Départements"),
        required=False,
        widget=CHIPS,
        help_text=gettext_lazy("Aucun : tous."),
    )
    category_slugs = forms.MultipleChoiceField(
        label=gettext_lazy("Métiers"),
        required=False,
        widget=CHIPS,
        help_text=gettext_lazy("Aucun : tous ceux que l'installateur exerce."),
    )
    priority = forms.CharField(
        label=gettext_lazy("Priorité"),
        required=False,
        help_text=gettext_lazy("1 est servi en premier quand des règles se chevauchent."),
    )
    weight = forms.CharField(
        label=gettext_lazy("Poids"),
        required=False,
        help_text=gettext_lazy("À priorité égale, part des demandes (2 : deux fois plus)."),
    )
    monthly_cap = forms.CharField(
        label=gettext_lazy("Plafond mensuel"),
        required=False,
        help_text=gettext_lazy("Nombre de demandes par mois au plus. Vide : sans plafond."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        departments = cast(forms.ChoiceField, self.fields["department_codes"])
        categories = cast(forms.ChoiceField, self.fields["category_slugs"])
        departments.choices = [(code, f"{name} ({code})") for code, name in directory.departments()]
        categories.choices = [(c.slug, c.name) for c in directory.categories()]


class NewRuleForm(RuleForm):
    pro = forms.CharField(
        label=gettext_lazy("Installateur (identifiant de sa fiche)"),
        help_text=gettext_lazy("La fin de l'adresse de sa fiche Eldo, ex. facades-du-midi."),
    )

    field_order = ("pro", *RULE_FIELDS)


class PreviewForm(forms.Form):
    category = forms.CharField(label=gettext_lazy("Métier (identifiant)"))
    postcode = forms.CharField(label=gettext_lazy("Code postal"), max_length=5)


def _initial(rule) -> dict:
    return {
        "department_codes": list(rule.department_codes),
        "category_slugs": list(rule.category_slugs),
        "priority": rule.priority,
        "weight": rule.weight,
        "monthly_cap": "" if rule.monthly_cap is None else rule.monthly_cap,
    }


def _errors_to_form(form: forms.Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _network(request):
    from apps.leads.presentation.pages import _network_context

    context = _network_context(request, section="network-rules")
    return context, context.pop("actor"), context["backoffice_org"].organization_id


def _rules_page(request, context, network_id, *, new_form=None, status=200):
    rules = selectors.network_installers(network_id=network_id)
    pros = selectors.pros_for_leads_ids([r.pro_id for r in rules])
    overlaps = services.rule_overlaps(rules)
    preview_form = PreviewForm(request.GET or None)
    preview = None
    if request.GET and preview_form.is_valid():
        try:
            verdicts, chosen = services.routing_preview(
                actor=context["actor_"],
                network_id=network_id,
                category_slug=preview_form.cleaned_data["category"].strip(),
                postcode=preview_form.cleaned_data["postcode"].strip(),
            )
        except ValidationError as exc:
            _errors_to_form(preview_form, exc)
        else:
            preview = {
                "chosen": pros.get(chosen.pro_id) if chosen else None,
                "rows": [{"verdict": v, "pro": pros.get(v.installer.pro_id)} for v in verdicts],
            }
    context.pop("actor_")
    return render(
        request,
        "leads/backoffice/network_rules.html",
        {
            **context,
            "rules": [
                {
                    "rule": r,
                    "pro": pros.get(r.pro_id),
                    "overlaps": [pros.get(o.pro_id) for o in overlaps.get(r.pk, [])],
                }
                for r in rules
            ],
            "new_form": new_form or NewRuleForm(),
            "preview_form": preview_form,
            "preview": preview,
        },
        status=status,
    )


@login_required
def rules(request):
    context, actor, network_id = _network(request)
    context["actor_"] = actor
    if request.method == "POST":
        form = NewRuleForm(request.POST)
        if form.is_valid():
            try:
                services.network_rule_create(
                    actor=actor,
                    network_id=network_id,
                    pro_slug=form.cleaned_data["pro"].strip(),
                    data={f: form.cleaned_data[f] for f in RULE_FIELDS},
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("Installateur ajouté avec sa règle."))
                return redirect("leads-backoffice:network-rules")
        return _rules_page(request, context, network_id, new_form=form, status=400)
    return _rules_page(request, context, network_id)


@login_required
def rule_edit(request, rule_id: int):
    context, actor, network_id = _network(request)
    rule = next(
        (r for r in selectors.network_installers(network_id=network_id) if r.pk == rule_id), None
    )
    if rule is None:
        raise Http404
    form = RuleForm(request.POST if request.method == "POST" else None, initial=_initial(rule))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.network_rule_update(
                    actor=actor,
                    network_id=network_id,
                    rule_id=rule.pk,
                    data={f: form.cleaned_data[f] for f in RULE_FIELDS},
                    partial=False,
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("Règle enregistrée."))
                return redirect("leads-backoffice:network-rules")
        status = 400
    pro = selectors.pros_for_leads_ids([rule.pro_id]).get(rule.pro_id)
    return render(
        request,
        "leads/backoffice/network_rule_edit.html",
        {**context, "rule": rule, "pro": pro, "form": form},
        status=status,
    )


@login_required
@require_POST
def rule_toggle(request, rule_id: int):
    """Pause or resume an installer's rule."""
    _context, actor, network_id = _network(request)
    rule = next(
        (r for r in selectors.network_installers(network_id=network_id) if r.pk == rule_id), None
    )
    if rule is None:
        raise Http404
    services.network_rule_update(
        actor=actor,
        network_id=network_id,
        rule_id=rule.pk,
        data={"is_active": not rule.is_active},
    )
    messages.success(request, _("Règle reprise.") if not rule.is_active else _("Règle en pause."))
    return redirect("leads-backoffice:network-rules")


class RouteForm(forms.Form):
    installer = forms.TypedChoiceField(
        label=gettext_lazy("Installateur"),
        coerce=int,
        help_text=gettext_lazy(
            "Vos installateurs qui exercent ce métier (et sont assurés pour lui)."
        ),
        error_messages={"invalid_choice": gettext_lazy("Choisissez un de vos installateurs.")},
    )

    def __init__(self, *args, choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["installer"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = choices


@login_required
def unrouted_route(request, unrouted_id: int):
    """One lead of the "à router" queue and the installers it may go to (those practising
    its trade: a network has up to hundreds); posting hands it to the one chosen."""
    from apps.leads.presentation.pages import _network_context

    context = _network_context(request, section="network-dashboard")
    actor, network_id = context.pop("actor"), context["backoffice_org"].organization_id
    unrouted = selectors.unrouted_get(network_id=network_id, unrouted_id=unrouted_id)
    if unrouted.lead_id is not None:
        messages.info(request, _("Cette demande a déjà été confiée à un installateur."))
        return redirect("leads-backoffice:network-dashboard")
    trade = unrouted.data.get("category_slug", "")
    choices = selectors.network_route_choices(network_id=network_id, category_slug=trade)
    form = RouteForm(request.POST if request.method == "POST" else None, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            services.unrouted_route(
                actor=actor,
                network_id=network_id,
                unrouted_id=unrouted_id,
                rule_id=form.cleaned_data["installer"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        except services.LeadConflict as exc:
            messages.error(request, exc.message)
            return redirect("leads-backoffice:network-dashboard")
        else:
            messages.success(request, _("Demande transmise à l'installateur."))
            return redirect("leads-backoffice:network-dashboard")
    return render(
        request,
        "leads/backoffice/network_route.html",
        {
            **context,
            "unrouted": unrouted,
            "category_name": selectors.category_names().get(trade, trade),
            "form": form,
            "has_choices": bool(choices),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def lead_reassign(request, lead_id: int):
    """Hand an expired or refused lead of the network to another of its installers."""
    _context, actor, _network_id = _network(request)
    selectors.lead_get(actor=actor, lead_id=lead_id)  # 404 when not the network's
    try:
        services.network_lead_reassign(actor=actor, lead_id=lead_id)
    except services.LeadConflict as exc:
        messages.error(request, exc.message)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Demande confiée à un autre installateur."))
    return redirect("leads-backoffice:network")


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Nom de la clé"),
        max_length=50,
        help_text=gettext_lazy("Pour la reconnaître, ex. « CRM production »."),
    )


@login_required
def api_keys(request):
    """The network's partner API keys: create one (shown once, on this answer only), revoke
    one for good. Keys act for this network only."""
    context, _actor, network_id = _network(request)
    context["section"] = "network-keys"
    form = ApiKeyForm(request.POST if request.method == "POST" else None)
    created_key, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _row, created_key = accounts.partner_key_create(
                    organization_id=network_id,
                    name=form.cleaned_data["name"],
                    created_by_id=request.user.pk,
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
                status = 400
            else:
                form = ApiKeyForm()
        else:
            status = 400
    return render(
        request,
        "leads/backoffice/network_keys.html",
        {
            **context,
            "keys": accounts.partner_keys(network_id),
            "form": form,
            "created_key": created_key,
        },
        status=status,
    )  # a signed-in answer: "private, no-store" (core middleware), the key is not cached


@login_required
@require_POST
def api_key_revoke(request, prefix: str):
    _context, _actor, network_id = _network(request)
    accounts.partner_key_revoke(organization_id=network_id, prefix=prefix)
    messages.success(request, _("Clé révoquée : elle ne fonctionne plus."))
    return redirect("leads-backoffice:network-keys")


class WebhookForm(forms.Form):
    url = forms.CharField(
        label=gettext_lazy("Adresse (URL) de réception"),
        max_length=500,
        help_text=gettext_lazy("https://… d'un serveur public de votre système (CRM, ERP)."),
    )


@login_required
def webhooks_page(request):
    """The network's webhook endpoints (add one: its secret shown once, on this answer only;
    disable, delete) and the delivery log with "Rejouer" for a failed delivery."""
    context, _actor, network_id = _network(request)
    context["section"] = "network-webhooks"
    form = WebhookForm(request.POST if request.method == "POST" else None)
    created, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                endpoint, secret = webhooks.endpoint_create(
                    network_id=network_id,
                    url=form.cleaned_data["url"],
                    created_by_id=request.user.pk,
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
                status = 400
            else:
                created, form = {"url": endpoint.url, "secret": secret}, WebhookForm()
        else:
            status = 400
    return render(
        request,
        "leads/backoffice/network_webhooks.html",
        {
            **context,
            "endpoints": webhooks.endpoints(network_id),
            "deliveries": webhooks.deliveries(network_id),
            "form": form,
            "created": created,
            "max_attempts": webhooks.MAX_ATTEMPTS,
        },
        status=status,
    )  # a signed-in answer: "private, no-store" (core middleware), the secret is not cached


@login_required
@require_POST
def webhook_toggle(request, endpoint_id: int):
    _context, _actor, network_id = _network(request)
    endpoint = webhooks.endpoint_set_active(
        network_id=network_id,
        endpoint_id=endpoint_id,
        active=request.POST.get("active") == "1",
    )
    messages.success(
        request, _("Webhook réactivé.") if endpoint.is_active else _("Webhook désactivé.")
    )
    return redirect("leads-backoffice:network-webhooks")


@login_required
@require_POST
def webhook_delete(request, endpoint_id: int):
    _context, _actor, network_id = _network(request)
    webhooks.endpoint_delete(network_id=network_id, endpoint_id=endpoint_id)
    messages.success(request, _("Webhook supprimé."))
    return redirect("leads-backoffice:network-webhooks")


@login_required
@require_POST
def webhook_replay(request, delivery_id: int):
    _context, _actor, network_id = _network(request)
    try:
        webhooks.delivery_replay(network_id=network_id, delivery_id=delivery_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Livraison relancée."))
    return redirect("leads-backoffice:network-webhooks")


urlpatterns = [
    path("espace-pro/reseau/webhooks/", webhooks_page, name="network-webhooks"),
    path(
        "espace-pro/reseau/webhooks/<id:endpoint_id>/activer/",
        webhook_toggle,
        name="network-webhook-toggle",
    ),
    path(
        "espace-pro/reseau/webhooks/<id:endpoint_id>/supprimer/",
        webhook_delete,
        name="network-webhook-delete",
    ),
    path(
        "espace-pro/reseau/webhooks/livraisons/<id:delivery_id>/rejouer/",
        webhook_replay,
        name="network-webhook-replay",
    ),
    path("espace-pro/reseau/cles-api/", api_keys, name="network-keys"),
    path(
        "espace-pro/reseau/cles-api/<str:prefix>/revoquer/",
        api_key_revoke,
        name="network-key-revoke",
    ),
    path(
        "espace-pro/reseau/demandes/<id:lead_id>/reattribuer/",
        lead_reassign,
        name="network-reassign",
    ),
    path("espace-pro/reseau/a-router/<id:unrouted_id>/", unrouted_route, name="network-route"),
    path("espace-pro/reseau/regles/", rules, name="network-rules"),
    path("espace-pro/reseau/regles/<id:rule_id>/", rule_edit, name="network-rule-edit"),
    path("espace-pro/reseau/regles/<id:rule_id>/pause/", rule_toggle, name="network-rule-toggle"),
]
