"""The request's state machine through the services: allowed and forbidden transitions,
the audit trail, automatic "unreachable", dispatch idempotency and the events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.core.models import OutboxEvent
from apps.quotes import services
from apps.quotes.models import QuoteCall, QuoteRequest, QuoteStatus, QuoteTransition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


def _in(status: str, *, make_quote, advisor, facade_pros=None) -> QuoteRequest:
    """A request brought to ``status`` by ``advisor`` through the services."""
    quote = make_quote()
    if status == QuoteStatus.NEW:
        return quote
    if status == QuoteStatus.REJECTED:
        return services.quote_reject(quote_id=quote.pk, actor=advisor.actor, reason="spam")
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    if status == QuoteStatus.UNREACHABLE:
        services.quote_call_log(quote_id=quote.pk, actor=advisor.actor, outcome="wrong_number")
    elif status in (QuoteStatus.QUALIFIED, QuoteStatus.DISPATCHED):
        services.quote_qualify(quote_id=quote.pk, actor=advisor.actor, changes={})
        if status == QuoteStatus.DISPATCHED:
            services.quote_dispatch(
                quote_id=quote.pk, actor=advisor.actor, pro_slugs=["facades-du-midi"]
            )
    quote.refresh_from_db()
    assert quote.status == status
    return quote


def test_the_whole_way_is_audited_with_the_acting_advisor(make_quote, advisor, facade_pros):
    quote = _in(QuoteStatus.DISPATCHED, make_quote=make_quote, advisor=advisor)

    steps = list(
        QuoteTransition.objects.filter(quote=quote).values_list(
            "from_status", "to_status", "actor_id"
        )
    )
    assert steps == [
        ("new", "in_qualification", advisor.pk),
        ("in_qualification", "qualified", advisor.pk),
        ("qualified", "dispatched", advisor.pk),
    ]
    assert quote.claimed_at <= quote.qualified_at <= quote.dispatched_at
    assert all(t.created_at for t in QuoteTransition.objects.filter(quote=quote))
    assert quote.assigned_to_id == advisor.pk


ACTIONS = {
    "claim": lambda q, a: services.quote_claim(quote_id=q.pk, actor=a.actor),
    "call": lambda q, a: services.quote_call_log(quote_id=q.pk, actor=a.actor, outcome="reached"),
    "qualify": lambda q, a: services.quote_qualify(quote_id=q.pk, actor=a.actor, changes={}),
    "reject": lambda q, a: services.quote_reject(quote_id=q.pk, actor=a.actor, reason="other"),
    "dispatch": lambda q, a: services.quote_dispatch(
        quote_id=q.pk, actor=a.actor, pro_slugs=["enduits-de-garonne"]
    ),
}
FORBIDDEN = [
    ("new", "call"),
    ("new", "qualify"),
    ("new", "dispatch"),
    ("in_qualification", "dispatch"),
    ("qualified", "claim"),
    ("qualified", "call"),
    ("qualified", "qualify"),
    ("dispatched", "claim"),
    ("dispatched", "call"),
    ("dispatched", "qualify"),
    ("dispatched", "reject"),
    ("dispatched", "dispatch"),  # another choice of pros than the one recorded
    ("rejected", "claim"),
    ("rejected", "call"),
    ("rejected", "qualify"),
    ("rejected", "reject"),
    ("rejected", "dispatch"),
    ("unreachable", "call"),
    ("unreachable", "qualify"),
    ("unreachable", "reject"),
    ("unreachable", "dispatch"),
]


@pytest.mark.parametrize(("status", "action"), FORBIDDEN)
def test_forbidden_transitions_raise_a_conflict_and_change_nothing(
    make_quote, advisor, facade_pros, status, action
):
    quote = _in(status, make_quote=make_quote, advisor=advisor)
    audit = QuoteTransition.objects.count()

    with pytest.raises(services.QuoteConflict) as raised:
        ACTIONS[action](quote, advisor)

    assert raised.value.message  # a French sentence for the page or the API
    quote.refresh_from_db()
    assert quote.status == status
    assert QuoteTransition.objects.count() == audit


@pytest.mark.parametrize("action", ["call", "qualify", "reject"])
def test_only_the_holder_works_a_claimed_request(
    make_quote, advisor, other_advisor, facade_pros, action
):
    quote = _in(QuoteStatus.IN_QUALIFICATION, make_quote=make_quote, advisor=advisor)
    with pytest.raises(services.QuoteConflict, match="suivie par Camille Durand"):
        ACTIONS[action](quote, other_advisor)


def test_staff_may_work_a_request_held_by_an_advisor(make_quote, advisor, staff, facade_pros):
    quote = _in(QuoteStatus.IN_QUALIFICATION, make_quote=make_quote, advisor=advisor)
    services.quote_qualify(quote_id=quote.pk, actor=staff.actor, changes={})
    assert QuoteTransition.objects.filter(quote=quote).last().actor_id == staff.pk


def test_claiming_twice_is_harmless_but_a_second_advisor_gets_a_conflict(
    make_quote, advisor, other_advisor
):
    quote = make_quote()
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    with pytest.raises(services.QuoteConflict, match="déjà prise en charge par Camille Durand"):
        services.quote_claim(quote_id=quote.pk, actor=other_advisor.actor)
    assert QuoteTransition.objects.filter(quote=quote).count() == 1


@pytest.mark.parametrize("user_fixture", ["homeowner", "moderator"])
def test_services_refuse_anyone_but_advisors(make_quote, request, user_fixture):
    quote = make_quote()
    with pytest.raises(PermissionDenied):
        services.quote_claim(quote_id=quote.pk, actor=request.getfixturevalue(user_fixture).actor)


def test_failed_calls_in_a_row_make_the_request_unreachable(
    make_quote, advisor, settings, django_capture_on_commit_callbacks
):
    settings.QUOTES_MAX_FAILED_CALLS = 3
    quote = make_quote()
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    with django_capture_on_commit_callbacks(execute=True):
        services.quote_call_log(quote_id=quote.pk, actor=advisor.actor, outcome="no_answer")
        services.quote_call_log(quote_id=quote.pk, actor=advisor.actor, outcome="voicemail")
    quote.refresh_from_db()
    assert (quote.status, quote.failed_calls) == ("in_qualification", 2)
    assert quote.next_call_at > timezone.now()  # retried in the next slot
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.quote_call_log(quote_id=quote.pk, actor=advisor.actor, outcome="no_answer")

    quote.refresh_from_db()
    assert quote.status == QuoteStatus.UNREACHABLE
    assert quote.next_call_at is None
    last = QuoteTransition.objects.filter(quote=quote).last()
    assert (last.to_status, last.actor_id, last.note) == (
        "unreachable",
        advisor.pk,
        "3 appels sans réponse",
    )
    assert QuoteCall.objects.filter(quote=quote).count() == 3
    assert len(mail.outbox) == 1 and "pas réussi à vous joindre" in mail.outbox[0].subject


def test_the_number_of_failed_calls_is_configurable_and_a_reached_call_resets_it(
    make_quote, advisor, settings
):
    settings.QUOTES_MAX_FAILED_CALLS = 2
    quote = make_quote()
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    services.quote_call_log(quote_id=quote.pk, actor=advisor.actor, outcome="no_answer")
    services.quote_call_log(
        quote_id=quote.pk, actor=advisor.actor, outcome="reached", notes="Rappeler"
    )
    services.quote_call_log(quote_id=quote.pk, actor=advisor.actor, outcome="no_answer")
    quote.refresh_from_db()
    assert (quote.status, quote.failed_calls) == ("in_qualification", 1)
    services.quote_call_log(quote_id=quote.pk, actor=advisor.actor, outcome="voicemail")
    quote.refresh_from_db()
    assert quote.status == "unreachable"


def test_a_wrong_number_makes_it_unreachable_at_once_and_it_can_be_claimed_again(
    make_quote, advisor, other_advisor
):
    quote = make_quote()
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    services.quote_call_log(quote_id=quote.pk, actor=advisor.actor, outcome="wrong_number")
    quote.refresh_from_db()
    assert quote.status == "unreachable"
    # The homeowner wrote back with the right number: any advisor takes it up again.
    reopened = services.quote_claim(quote_id=quote.pk, actor=other_advisor.actor)
    assert (reopened.status, reopened.assigned_to_id, reopened.failed_calls) == (
        "in_qualification",
        other_advisor.pk,
        0,
    )


def test_a_call_asks_for_a_future_callback_time(make_quote, advisor):
    quote = make_quote()
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    with pytest.raises(ValidationError) as raised:
        services.quote_call_log(
            quote_id=quote.pk,
            actor=advisor.actor,
            outcome="no_answer",
            next_call_at=timezone.now() - timedelta(days=1),
        )
    assert "next_call_at" in raised.value.message_dict
    when = timezone.now() + timedelta(days=2)
    services.quote_call_log(
        quote_id=quote.pk, actor=advisor.actor, outcome="no_answer", next_call_at=when
    )
    quote.refresh_from_db()
    assert quote.next_call_at == when


def test_qualifying_checks_required_fields_and_records_corrections(make_quote, advisor):
    quote = make_quote(budget_range="", timeline="")
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    with pytest.raises(ValidationError) as raised:
        services.quote_qualify(
            quote_id=quote.pk, actor=advisor.actor, changes={"description": "court"}
        )
    assert set(raised.value.message_dict) == {"description", "budget_range", "timeline"}
    assert QuoteRequest.objects.get(pk=quote.pk).status == "in_qualification"

    qualified = services.quote_qualify(
        quote_id=quote.pk,
        actor=advisor.actor,
        changes={
            "budget_range": "15k_50k",
            "timeline": "asap",
            "postcode": "31450",
            "address": "12 chemin des Vignes",
            "category": "isolation-exterieure",
        },
    )
    assert qualified.status == "qualified"
    assert (qualified.postcode, qualified.department_code) == ("31450", "31")
    assert qualified.commune_name != "Toulouse"
    assert qualified.category_slug == "isolation-exterieure"
    assert OutboxEvent.objects.filter(name="quotes.QuoteQualified").count() == 1


def test_qualifying_an_unknown_field_is_refused(make_quote, advisor):
    quote = make_quote()
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    with pytest.raises(ValidationError) as raised:
        services.quote_qualify(
            quote_id=quote.pk, actor=advisor.actor, changes={"status": "dispatched"}
        )
    assert "status" in raised.value.message_dict


def test_rejecting_tells_the_homeowner_except_for_spam(
    make_quote, advisor, django_capture_on_commit_callbacks
):
    genuine, spam = make_quote(), make_quote()
    with django_capture_on_commit_callbacks(execute=True):
        services.quote_reject(
            quote_id=genuine.pk, actor=advisor.actor, reason="no_pro", note="Désolés."
        )
        services.quote_reject(quote_id=spam.pk, actor=advisor.actor, reason="spam")
    recipients = [m.to[0] for m in mail.outbox if "ne peut pas être transmise" in m.subject]
    assert recipients == [genuine.email]
    assert "Aucun artisan disponible" in mail.outbox[-1].body or any(
        "Aucun artisan disponible" in m.body for m in mail.outbox
    )
    with pytest.raises(ValidationError):
        services.quote_reject(quote_id=make_quote().pk, actor=advisor.actor, reason="parce-que")


def test_dispatch_is_idempotent_and_publishes_one_handover(
    make_quote, advisor, facade_pros, django_capture_on_commit_callbacks
):
    quote = _in(QuoteStatus.QUALIFIED, make_quote=make_quote, advisor=advisor)
    choice = ["facades-du-midi", "ville-rose-facades"]
    with django_capture_on_commit_callbacks(execute=True):
        first = services.quote_dispatch(quote_id=quote.pk, actor=advisor.actor, pro_slugs=choice)
        again = services.quote_dispatch(
            quote_id=quote.pk, actor=advisor.actor, pro_slugs=list(reversed(choice))
        )
    assert first.status == again.status == "dispatched"
    events = OutboxEvent.objects.filter(name="quotes.QuoteDispatchRequested")
    assert events.count() == 1
    payload = events.get().payload
    assert payload["quote_id"] == quote.pk
    assert payload["pro_ids"] == [facade_pros["midi"].id, facade_pros["rose"].id]
    assert payload["pro_slugs"] == choice
    assert [m for m in mail.outbox if "transmis à des artisans" in m.subject]


@pytest.mark.parametrize(
    ("slugs", "message"),
    [
        ([], "au moins un artisan"),
        (
            ["facades-du-midi", "enduits-de-garonne", "ville-rose-facades", "facades-du-lauragais"],
            "trois artisans au plus",
        ),
        (["inconnu"], "Artisan inconnu"),
        (["facades-bordelaises"], "n'intervient pas pour ce projet"),
    ],
)
def test_dispatch_checks_the_chosen_pros(make_quote, advisor, facade_pros, slugs, message):
    quote = _in(QuoteStatus.QUALIFIED, make_quote=make_quote, advisor=advisor)
    with pytest.raises(ValidationError) as raised:
        services.quote_dispatch(quote_id=quote.pk, actor=advisor.actor, pro_slugs=slugs)
    assert message in " ".join(raised.value.message_dict["pros"])
    assert QuoteRequest.objects.get(pk=quote.pk).status == "qualified"


def test_the_pro_the_homeowner_asked_for_may_be_chosen(make_quote, advisor, facade_pros):
    quote = make_quote(pro="facades-bordelaises")  # outside the area, asked for by name
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    services.quote_qualify(quote_id=quote.pk, actor=advisor.actor, changes={})
    services.quote_dispatch(
        quote_id=quote.pk, actor=advisor.actor, pro_slugs=["facades-bordelaises"]
    )
    assert QuoteRequest.objects.get(pk=quote.pk).status == "dispatched"


def test_urgency_puts_the_request_to_call_first_on_top(make_quote, advisor):
    from apps.quotes.selectors import quote_queue

    now = timezone.now()
    late = make_quote()
    QuoteRequest.objects.filter(pk=late.pk).update(next_call_at=now + timedelta(hours=5))
    early = make_quote(postcode="31450")
    QuoteRequest.objects.filter(pk=early.pk).update(next_call_at=now - timedelta(hours=1))
    done = make_quote(postcode="31200")
    services.quote_reject(quote_id=done.pk, actor=advisor.actor, reason="other")

    assert [q.pk for q in quote_queue()] == [early.pk, late.pk]
    assert [q.pk for q in quote_queue(statuses=[])][-1] == done.pk
