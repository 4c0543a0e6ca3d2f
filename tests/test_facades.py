"""Every public function of every ``apps/<context>/api.py`` is an honest facade: called on the
demo scenario (``manage.py seed_demo``) with plain arguments, it returns plain data — frozen
dataclasses, dicts, lists, strings, numbers, dates — that survives a trip through JSON.

``ARGUMENTS`` holds one argument builder per public function; a new function without an
entry fails ``test_every_public_facade_function_has_an_argument_builder``. The import side
(no DRF, HTTP, templates or presentation module behind a facade) is import-linter's contract
"Facades and contracts carry plain data" and ``test_facades_import_no_http_or_templates``.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime
import enum
import importlib
import inspect
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
CONTEXTS = ["accounts", "directory", "reviews", "quotes", "leads", "stats"]
HTTP_MODULES = ("django.http", "django.template", "django.shortcuts", "rest_framework")


def public_functions() -> dict[str, object]:
    """{"<context>.<name>": function} of the functions defined in each context's api.py."""
    found = {}
    for context in CONTEXTS:
        module = importlib.import_module(f"apps.{context}.api")
        for name, value in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and value.__module__ == module.__name__:
                found[f"{context}.{name}"] = value
    return found


def plain(value, where: str = "result"):
    """``value`` as JSON-native data; AssertionError naming the first thing that is not
    plain data (a model, a queryset, a request, a class, a serializer's ReturnDict...)."""
    kind = type(value)
    if value is None or kind in (str, int, float, bool):
        return value
    if isinstance(value, enum.Enum) and isinstance(value.value, str | int):
        return value.value
    if kind in (datetime.datetime, datetime.date):
        return value.isoformat()
    if kind is Decimal:
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain(getattr(value, f.name), f"{where}.{f.name}")
            for f in dataclasses.fields(value)
        }
    if kind in (list, tuple):
        return [plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if kind in (set, frozenset):
        return sorted(plain(item, f"{where}{{}}") for item in value)
    if kind is dict:
        out = {}
        for key, item in value.items():
            assert type(key) in (str, int), f"{where}: key {key!r} is not a string or an integer"
            out[str(key)] = plain(item, f"{where}[{key!r}]")
        return out
    raise AssertionError(f"{where} is a {kind.__module__}.{kind.__qualname__}, not plain data")


def test_plain_refuses_what_is_not_plain_data():
    from collections import OrderedDict

    @dataclasses.dataclass(frozen=True)
    class Ref:
        id: int
        at: datetime.date

    assert plain({1: Ref(1, datetime.date(2026, 1, 2))}) == {"1": {"id": 1, "at": "2026-01-02"}}
    for bad in (OrderedDict(a=1), object(), {(1, 2): "yes"}, type, lambda: None):
        with pytest.raises(AssertionError):
            plain(bad)


class Scenario:
    """Ids and names from the seeded demo, looked up once."""

    def __init__(self):
        from apps.accounts.models import Organization, User
        from apps.directory.models import Brand, ProProfile
        from apps.leads.models import Lead
        from apps.quotes.models import QuoteRequest

        self.pro = ProProfile.objects.select_related("commune").get(slug="facades-du-midi")
        self.organization_id = self.pro.organization_id
        self.pro_user_id = User.objects.get(email="pro@eldo.test").pk
        self.advisor_id = User.objects.get(email="conseiller@eldo.test").pk
        self.network_id = Organization.objects.get(slug="reseau-confort-habitat").pk
        brand = Brand.objects.filter(is_published=True).first()
        self.brand_slug = brand.slug if brand else ""
        self.brand_organization_id = brand.organization_id if brand else 0
        self.category_slug = self.pro.categories.order_by("slug").first().slug
        quote = QuoteRequest.objects.order_by("pk").first()
        self.quote_id = quote.pk
        self.quote_email = quote.email
        self.lead = Lead.objects.order_by("pk").first()
        self.now = datetime.datetime.now(datetime.UTC)


def _actor(user_id: int):
    """The actor a page passes on (``apps.core.actor``: a frozen dataclass, plain data)."""
    from apps.accounts import api as accounts

    return accounts.actor_for(user_id)


# One builder per public facade function: Scenario -> keyword arguments. The order is the
# order of the calls (writes last, so that the reads see the seeded demo).
ARGUMENTS = {
    # accounts
    "accounts.identity_for_user_id": lambda s: {"user_id": s.pro_user_id},
    "accounts.session_claims": lambda s: {"session_key": "aucune-session-de-ce-nom"},
    "accounts.organizations_by_ids": lambda s: {"ids": [s.organization_id, s.network_id]},
    "accounts.users_by_ids": lambda s: {"ids": [s.pro_user_id]},
    "accounts.organization_member_emails": lambda s: {"organization_id": s.organization_id},
    "accounts.organization_members": lambda s: {"organization_id": s.organization_id},
    "accounts.user_ids_by_emails": lambda s: {"emails": ["pro@eldo.test", "CONSEILLER@eldo.test"]},
    "accounts.user_names_by_ids": lambda s: {"ids": [s.pro_user_id, s.advisor_id]},
    "accounts.organization_ids_by_slugs": lambda s: {"slugs": ["facades-du-midi"]},
    "accounts.alert_recipients": lambda s: {"organization_id": s.organization_id},
    "accounts.device_hash": lambda s: {"cookie_value": "a-browser"},
    "accounts.member_sign_in_matches": lambda s: {
        "organization_id": s.organization_id,
        "ip": "203.0.113.9",
        "device_hash": "",
    },
    "accounts.verified_email_for_user_id": lambda s: {"user_id": s.pro_user_id},
    "accounts.partner_keys": lambda s: {"organization_id": s.network_id},
    "accounts.partner_credential_for_key": lambda s: {"key": "not-a-key.at-all"},
    "accounts.actor_for": lambda s: {"user_id": s.pro_user_id},
    "accounts.backoffice_memberships": lambda s: {"user_id": s.pro_user_id},
    "accounts.backoffice_membership": lambda s: {
        "user_id": s.pro_user_id,
        "requested_org_id": s.organization_id,
        "remembered_org_id": s.network_id,
    },
    "accounts.backoffice_context": lambda s: {
        "user_id": s.pro_user_id,
        "section": "dashboard",
        "remembered_org_id": s.organization_id,
    },
    "accounts.magic_link_url": lambda s: {"email": "particulier@eldo.test"},
    "accounts.organizations_bulk_ensure": lambda s: {
        "rows": [("facades-du-midi", "Façades du Midi", "company")]
    },
    "accounts.audit_record": lambda s: {
        "actor_id": s.advisor_id,
        "action": "quotes.claim",
        "summary": "Demande prise en charge",
        "target_type": "quote",
        "target_ref": "D-0001",
        "occurred_at": s.now.isoformat(),
    },
    "accounts.signup_user_create": lambda s: {
        "email": "nouveau@eldo.test",
        "password": "une phrase de passe solide 2026",
    },
    "accounts.organization_create": lambda s: {"name": "Nouvelle Entreprise", "kind": "company"},
    "accounts.membership_add": lambda s: {
        "user_id": s.pro_user_id,
        "organization_id": s.organization_id,
        "role": "owner",
    },
    "accounts.email_verification_send": lambda s: {"user_id": s.pro_user_id},
    "accounts.partner_key_create": lambda s: {
        "organization_id": s.network_id,
        "name": "CRM du réseau",
        "created_by_id": s.pro_user_id,
    },
    "accounts.partner_key_revoke": lambda s: {
        "organization_id": s.network_id,
        "prefix": s.partner_key_prefix(),
    },
    "accounts.company_credential_for_key": lambda s: {"key": "not-a-key.at-all"},
    "accounts.company_key_create": lambda s: {
        "organization_id": s.organization_id,
        "name": "Logiciel de devis",
        "created_by_id": s.pro_user_id,
    },
    "accounts.push_subscription_forget": lambda s: {"endpoint": "https://push.example/gone"},
    # directory
    "directory.categories": lambda s: {},
    "directory.category_ids_by_slug": lambda s: {"slugs": [s.category_slug]},
    "directory.pros_by_ids": lambda s: {"ids": [s.pro.pk]},
    "directory.pro_names": lambda s: {"ids": [s.pro.pk]},
    "directory.pro_dashboard_facts": lambda s: {"pro_id": s.pro.pk},
    "directory.pros_by_slugs": lambda s: {"slugs": [s.pro.slug]},
    "directory.pro_ids_by_slug": lambda s: {"limit": 5},
    "directory.pros_for_organizations": lambda s: {"organization_ids": [s.organization_id]},
    "directory.pros_competing": lambda s: {"pro_id": s.pro.pk, "other_pro_ids": [s.pro.pk + 1]},
    "directory.pros_in_network": lambda s: {"network_id": s.network_id},
    "directory.brand_by_slug": lambda s: {"slug": s.brand_slug},
    "directory.brands_by_slugs": lambda s: {"slugs": [s.brand_slug]},
    "directory.brands_by_organization_ids": lambda s: {"ids": [s.brand_organization_id]},
    "directory.brands_cache_generation": lambda s: {},
    "directory.pro_profile": lambda s: {"slug": s.pro.slug},
    "directory.pro_profile_viewed": lambda s: {"slug": s.pro.slug},
    "directory.listing_cache_generation": lambda s: {},
    "directory.pro_cache_generation": lambda s: {"pro_id": s.pro.pk},
    "directory.communes_for_postcode": lambda s: {"code": s.pro.postcode},
    "directory.commune_autocomplete": lambda s: {"query": s.pro.commune.name[:4]},
    "directory.platform_figures": lambda s: {},
    "directory.pro_capacities": lambda s: {"pro_ids": [s.pro.pk]},
    "directory.pros_insured": lambda s: {"pro_ids": [s.pro.pk], "category_slug": s.category_slug},
    "directory.departments": lambda s: {},
    "directory.sitemap_sections": lambda s: {},
    "directory.sitemap_size": lambda s: {"section": "pros"},
    "directory.sitemap_entries": lambda s: {"section": "pros", "offset": 1, "limit": 3},
    "directory.department_codes_known": lambda s: {"codes": ["31", "99"]},
    "directory.pros_practising": lambda s: {
        "pro_ids": [s.pro.pk],
        "category_slug": s.category_slug,
    },
    "directory.pros_similar": lambda s: {"pro_id": s.pro.pk},
    "directory.pros_matching": lambda s: {
        "category_slug": s.category_slug,
        "postcode": s.pro.postcode,
    },
    "directory.category_suggest": lambda s: {"text": "fuite sur le toit"},
    "directory.landing_area": lambda s: {
        "category_slug": s.category_slug,
        "place_slug": s.pro.commune.slug,
    },
    "directory.pro_response_time_store": lambda s: {"pro_id": s.pro.pk, "minutes": 45},
    "directory.pro_ratings_store_many": lambda s: {"ratings": []},
    "directory.pro_lead_load_store": lambda s: {"pro_id": s.pro.pk, "served_at": s.now},
    "directory.pro_lead_load_release": lambda s: {"pro_id": s.pro.pk, "served_at": s.now},
    "directory.legacy_pros_import": lambda s: {"rows": []},
    # reviews
    "reviews.latest_reviews": lambda s: {"limit": 3},
    "reviews.latest_reviews_of_pros": lambda s: {"pro_ids": [s.pro.pk], "limit": 3},
    "reviews.review_orderings": lambda s: {},
    "reviews.pro_reviews": lambda s: {"pro_id": s.pro.pk},
    "reviews.latest_cache_generations": lambda s: {},
    "reviews.pro_reviews_cache_generations": lambda s: {"pro_id": s.pro.pk},
    "reviews.platform_figures": lambda s: {},
    "reviews.collection_funnel": lambda s: {"pro_id": s.pro.pk},
    "reviews.aggregates_rebuild": lambda s: {"pro_ids": [s.pro.pk]},
    "reviews.legacy_reviews_import": lambda s: {"rows": [], "pro_ids": {}},
    "reviews.eldo_review_request_create": lambda s: {
        "pro_id": s.pro.pk,
        "organization_id": s.organization_id,
        "customer_name": "Jeanne Martin",
        "customer_email": "jeanne.martin@example.fr",
        "work_description": "Ravalement de façade",
        "work_date": datetime.date.today() - datetime.timedelta(days=10),
    },
    "reviews.eldo_review_invitation_schedule": lambda s: {
        "lead_id": s.lead.pk,
        "pro_id": s.lead.pro_id,
        "organization_id": s.lead.organization_id,
        "customer_name": "Jeanne Martin",
        "customer_email": "jeanne.martin@example.fr",
        "work_description": "Ravalement de façade",
        "won_at": s.now,
    },
    "reviews.eldo_review_invitation_work_end": lambda s: {
        "lead_id": s.lead.pk,
        "work_end_date": datetime.date.today(),
    },
    # quotes
    "quotes.quote_by_id": lambda s: {"quote_id": s.quote_id},
    "quotes.quotes_by_ids": lambda s: {"ids": [s.quote_id]},
    "quotes.qualification_summaries": lambda s: {"ids": [s.quote_id]},
    "quotes.callback_promise_hours": lambda s: {},
    "quotes.qualified_budget_spread": lambda s: {
        "category_slugs": [s.category_slug],
        "department_codes": [s.pro.commune.department_id],
    },
    "quotes.platform_figures": lambda s: {},
    "quotes.quote_ids_for_contact": lambda s: {"email": s.quote_email},
    "quotes.quote_dispatches": lambda s: {"channel": "demo"},
    "quotes.homeowner_quotes": lambda s: {"email": s.quote_email},
    "quotes.homeowner_quote_reopen": lambda s: {"quote_id": s.quote_id, "email": "x@example.fr"},
    "quotes.homeowner_quote_close": lambda s: {
        "quote_id": s.quote_id,
        "email": "x@example.fr",
        "outcome": "abandoned",
    },
    "quotes.quote_brand_route": lambda s: {"quote_id": s.quote_id, "pro_id": s.pro.pk},
    # leads
    "leads.dashboard_leads": lambda s: {
        "actor": _actor(s.pro_user_id),
        "organization_id": s.organization_id,
    },
    "leads.contact_confirmations": lambda s: {"quote_ids": [s.quote_id]},
}


def _partner_key_prefix(self) -> str:
    from apps.accounts.models import PartnerApiKey

    return PartnerApiKey.objects.filter(organization_id=self.network_id).latest("created").prefix


Scenario.partner_key_prefix = _partner_key_prefix


def test_every_public_facade_function_has_an_argument_builder():
    functions = public_functions()
    assert set(functions) - set(ARGUMENTS) == set(), "add an argument builder to ARGUMENTS"
    assert set(ARGUMENTS) - set(functions) == set(), "remove the builder of a function gone"


def test_facades_import_no_http_or_templates():
    """What import-linter cannot forbid (subpackages of Django): no api.py or contracts.py
    imports django.http, django.template, django.shortcuts or rest_framework."""
    for context in CONTEXTS:
        for name in ("api", "contracts"):
            path = ROOT / "apps" / context / f"{name}.py"
            if not path.exists():
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    modules = [node.module or ""]
                else:
                    continue
                for module in modules:
                    assert not module.startswith(HTTP_MODULES), (
                        f"{path.name} of {context}: {module}"
                    )


@pytest.mark.django_db
def test_every_public_facade_function_returns_plain_data_on_the_demo(settings, mailoutbox):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    scenario = Scenario()
    functions = public_functions()
    for name, build in ARGUMENTS.items():
        result = functions[name](**build(scenario))
        data = plain(result, name)
        assert json.loads(json.dumps(data)) == data, name
