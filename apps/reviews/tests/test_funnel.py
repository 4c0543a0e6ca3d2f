"""The review-collection funnel (apps/reviews/funnel.py and its back-office page): every
stage count equals the invitations that reached it as recorded, per channel, per sales rep
and per period; the similar companies' median (10 at least, never named); the CSV; the
e-mail provider's "delivered"/"opened" callbacks and the form's "started" stamp; access."""

import csv
import io
from datetime import timedelta
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.directory.tests.factories import make_pro
from apps.reviews import funnel as funnels
from apps.reviews.deliverability import EmailEvent, email_event_record, parse_brevo_events
from apps.reviews.models import (
    InvitationSource,
    Review,
    ReviewInvitation,
    ReviewSource,
    ReviewStatus,
)
from apps.reviews.privacy import export_for
from apps.reviews.tests.factories import ReviewFactory
from apps.reviews.tests.support import invite

pytestmark = pytest.mark.django_db

URL = "/espace-pro/invitations/entonnoir/"
EXPORT = "/espace-pro/invitations/entonnoir/export.csv"
STAMPS = {
    "delivered": "delivered_at",
    "opened": "email_opened_at",
    "clicked": "opened_at",
    "started": "started_at",
}
SOURCES = {
    "email": InvitationSource.SINGLE,
    "sms": InvitationSource.CSV,
    "automatic": InvitationSource.ELDO,
    "api": InvitationSource.API,
}
_serial = count()


def make_invitation(pro, *, channel="email", stages=(), rep=None, days_ago=1, delay_days=2):
    """An invitation with these stages recorded (any subset: a provider may miss some)."""
    created = timezone.now() - timedelta(days=days_ago)
    n = next(_serial)
    fields = {
        "pro_id": pro.id,
        "organization_id": pro.organization_id,
        "created_by": rep,
        "customer_name": f"Client {n}",
        "customer_email": f"client{n}@exemple.fr",
        "email_hash": f"{n:064d}",
        "work_description": "Ravalement",
        "work_date": created.date(),
        "nonce": f"{n:032d}",
        "source": SOURCES[channel],
        "created_at": created,
        "expires_at": created + timedelta(days=30),
    }
    if "sent" in stages:
        fields["sent_at"] = created
    if channel == "sms":
        fields.update(customer_phone="+33612345678", sms_sent_at=created)
    for stage, stamp in STAMPS.items():
        if stage in stages:
            fields[stamp] = created + timedelta(hours=1)
    if "written" in stages or "published" in stages:
        fields["completed_at"] = created + timedelta(days=delay_days)
    invitation = ReviewInvitation.objects.create(**fields)
    if "written" in stages or "published" in stages:
        status = ReviewStatus.PUBLISHED if "published" in stages else ReviewStatus.PENDING
        make_review(pro, invitation=invitation, status=status)
    return invitation


def make_review(pro, *, invitation=None, status=ReviewStatus.PUBLISHED, source=None):
    return ReviewFactory(
        pro_id=pro.id,
        invitation=invitation,
        source=source or ReviewSource.INVITED,
        status=status,
        published_at=None,
    )


def furthest(channel: str, stages) -> int:
    """Index of the furthest stage recorded (-1: not even sent)."""
    reached = set(stages) | ({"sent"} if channel == "sms" else set())
    return max((funnels.STAGE_KEYS.index(s) for s in reached), default=-1)


progress = st.lists(
    st.tuples(
        st.sampled_from(list(SOURCES)),
        st.sets(st.sampled_from(funnels.STAGE_KEYS)),
        st.sampled_from([None, "owner", "sales_rep"]),
        st.sampled_from([1, 20, 60, 200, 400]),  # days ago: in or out of the period
    ),
    max_size=14,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=progress, period=st.sampled_from(list(funnels.PERIOD_DAYS)))
def test_funnel_counts_equal_the_recorded_events(script, period, pro, owner, sales_rep):
    Review.objects.filter(pro_id=pro.id).delete()
    ReviewInvitation.objects.filter(pro_id=pro.id).delete()
    users = {None: None, "owner": owner, "sales_rep": sales_rep}
    for channel, stages, rep, days_ago in script:
        make_invitation(pro, channel=channel, stages=stages, rep=users[rep], days_ago=days_ago)
    names = {owner.pk: "Philippe", sales_rep.pk: "Sophie"}
    funnel = funnels.collection_funnel(pro_id=pro.id, period=period, member_names=names)

    in_period = [row for row in script if row[3] < funnels.PERIOD_DAYS[period]]

    def expected(rows):
        return {
            stage: sum(1 for channel, stages, *_ in rows if furthest(channel, stages) >= index)
            for index, stage in enumerate(funnels.STAGE_KEYS)
        }

    assert funnel.total.counts == expected(in_period)
    by_channel = {row.key: row for row in funnel.channels}
    for channel in SOURCES:
        rows = [row for row in in_period if row[0] == channel]
        assert by_channel[channel].counts == expected(rows), channel
    by_rep = {row.label: row for row in funnel.reps}
    for rep, label in ((None, "Envoi automatique ou logiciel"), ("owner", "Philippe")):
        rows = [row for row in in_period if row[2] == rep]
        if rows:
            assert by_rep[label].counts == expected(rows)
        else:
            assert label not in by_rep
    for row in [funnel.total, *funnel.channels[:-1], *funnel.reps]:
        values = [row.counts[stage] for stage in funnels.STAGE_KEYS]
        assert values == sorted(values, reverse=True)  # the funnel never widens
    sent, written = funnel.total.counts["sent"], funnel.total.counts["written"]
    assert funnel.total.collection_rate == (round(written / sent, 4) if sent else None)


def test_the_median_delay_the_link_channel_and_the_period(pro, owner):
    for days in (1, 3, 10):
        make_invitation(pro, stages={"sent", "written"}, rep=owner, delay_days=days)
    make_invitation(pro, stages={"sent"}, rep=owner)
    make_invitation(pro, stages={"sent", "published"}, days_ago=100, delay_days=50)
    make_review(pro, source=ReviewSource.LINK)
    make_review(pro, source=ReviewSource.LINK, status=ReviewStatus.PENDING)

    funnel = funnels.collection_funnel(pro_id=pro.id, period="30j", member_names={})
    assert funnel.total.counts["sent"] == 4 and funnel.total.counts["written"] == 3
    assert funnel.total.collection_rate == 0.75
    assert funnel.total.median_days == 3.0
    link = funnel.channels[-1]
    assert link.key == "link" and link.counts["written"] == 2 and link.counts["published"] == 1
    assert link.counts["sent"] is None and link.collection_rate is None
    assert [row.label for row in funnel.reps] == ["Ancien membre de l'entreprise"]

    longer = funnels.collection_funnel(pro_id=pro.id, period="12m", member_names={})
    assert longer.total.counts["published"] == 1 and longer.total.median_days == 6.5


def _similar(name, *, rate_written, commune="31555", trades=("facade",)):
    other = make_pro(name, commune=commune, trades=trades)
    for index in range(4):
        stages = {"sent", "written"} if index < rate_written else {"sent"}
        make_invitation(other, stages=stages)
    return other


def test_similar_companies_hidden_under_ten_median_over_ten_never_named(client, pro, owner):
    make_invitation(pro, stages={"sent"})
    # Neither the same trade nor the same region: never compared.
    _similar("Toitures Lointaines", rate_written=4, trades=("toiture",))
    _similar("Façades de Gironde", rate_written=4, commune="33063")
    silent = make_pro("Façades Muettes", trades=("facade",))  # similar, nothing sent
    similar = [_similar(f"Façades Voisines {i}", rate_written=i % 5) for i in range(9)]
    client.force_login(owner)

    funnel = funnels.collection_funnel(pro_id=pro.id, period="90j", member_names={})
    assert not funnel.similar.shown  # 9 companies sent invitations: fewer than 10
    html = client.get(URL).content.decode().replace("\xa0", " ")
    assert "pas encore assez d'entreprises" in html

    similar.append(_similar("Façades Voisines 9", rate_written=0))
    funnel = funnels.collection_funnel(pro_id=pro.id, period="90j", member_names={})
    # Written out of 4 by the 10 that sent: 0,1,2,3,4,0,1,2,3 and 0.
    assert funnel.similar.shown and funnel.similar.company_count == 10
    assert funnel.similar.collection_rate == 0.375  # median of 0,0,0,.25,.25,.5,.5,.75,.75,1
    html = client.get(URL).content.decode().replace("\xa0", " ")
    assert "38 %" in html and "taux de collecte médian de 10 entreprises" in html
    for other in [*similar, silent]:
        assert other.name not in html and other.slug not in html
    assert "Façades de Gironde" not in html and "Toitures Lointaines" not in html


def test_the_page_chart_table_and_csv(client, pro, owner, sales_rep):
    make_invitation(pro, stages={"sent", "delivered", "written"}, rep=sales_rep)
    make_invitation(pro, channel="sms", stages={"clicked"}, rep=owner)
    make_invitation(pro, channel="automatic", stages={"sent", "published"})
    client.force_login(owner)
    page = client.get(URL, {"periode": "30j"})
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("private") and "no-store" in page["Cache-Control"]
    html = page.content.decode().replace("\xa0", " ")
    assert 'class="chart chart--bar' in html and "Entonnoir de collecte" in html
    assert "<caption>Entonnoir par canal — 30 derniers jours</caption>" in html
    assert "Sophie" in html and "SMS (et e-mail)" in html and "67 %" in html

    bad = client.get(URL, {"periode": "2ans"})
    assert bad.status_code == 400
    assert "Période inconnue" in bad.content.decode()

    export = client.get(EXPORT, {"periode": "30j"})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Vue", "Ligne", "Envoyées"] and len(rows[0]) == 11
    by_line = {(row[0], row[1]): row[2:] for row in rows[1:]}
    assert by_line[("Total", "Toutes les invitations")] == [
        "3", "3", "3", "3", "2", "2", "1", "66.7", "2.0"
    ]  # fmt: skip
    assert by_line[("Canal", "Lien permanent et QR code")][:7] == ["", "", "", "", "", "0", "0"]
    reps = {line: values for (view, line), values in by_line.items() if view == "Commercial"}
    assert [values[:2] for line, values in reps.items() if line.startswith("Sophie")] == [
        ["1", "1"]
    ]
    assert not any(row[0] == "Comparaison" for row in rows)  # fewer than 10 similar pros


def test_queries_do_not_grow_with_the_invitations(client, pro, owner, sales_rep):
    make_invitation(pro, stages={"sent", "written"}, rep=owner)
    client.force_login(owner)
    client.get(URL)  # session, caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    for index, channel in enumerate(SOURCES):
        for rep in (owner, sales_rep, None):
            make_invitation(pro, channel=channel, stages={"sent", "clicked", "written"}, rep=rep)
            make_invitation(pro, channel=channel, stages={"sent", "published"}, rep=rep)
    make_review(pro, source=ReviewSource.LINK)
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as export:
        assert client.get(EXPORT).status_code == 200
    assert len(export) <= len(few)


def test_access(client, pro, owner, sales_rep, other_owner, homeowner):
    make_invitation(pro, stages={"sent"}, rep=sales_rep)
    for url in (URL, EXPORT):
        assert client.get(url).status_code == 302  # sign in first
    client.force_login(homeowner)
    for url in (URL, EXPORT):
        assert client.get(url).status_code == 404  # no company
    client.force_login(sales_rep)  # sales reps see the company's invitations, like the page
    assert "Sophie" in client.get(URL).content.decode()
    assert client.get(EXPORT).status_code == 200
    client.force_login(other_owner)  # ?org= of another company: its own figures, not ours
    for url in (URL, EXPORT):
        response = client.get(url, {"org": pro.organization_id})
        assert response.status_code == 200
        assert "Sophie" not in response.content.decode()
    assert client.post(URL).status_code == 405


def test_provider_callbacks_and_the_form_record_their_stage(client, pro, committed):
    with committed():
        invitation, token = invite(pro, email="jeanne@exemple.fr")
    invitation.refresh_from_db()
    assert invitation.sent_at and invitation.delivered_at is None
    events = parse_brevo_events(
        [
            {"event": "delivered", "email": "jeanne@exemple.fr",
             "X-Mailin-custom": f"invitation={invitation.pk}"},
            {"event": "unique_opened", "email": "jeanne@exemple.fr"},
        ]
    )  # fmt: skip
    assert [email_event_record(event) for event in events] == [True, True]
    assert not email_event_record(events[0])  # a replay changes nothing
    assert not email_event_record(EmailEvent(kind="delivered", email="inconnu@exemple.fr"))
    invitation.refresh_from_db()
    assert invitation.delivered_at and invitation.email_opened_at
    assert invitation.bounced_at is None  # progress is not a bounce

    assert client.get(f"/avis/invitation/{token}/").status_code == 200
    assert client.post(f"/avis/invitation/{token}/", {"title": ""}).status_code == 400
    invitation.refresh_from_db()
    assert invitation.opened_at and invitation.started_at
    exported = export_for(user_id=0, email="jeanne@exemple.fr")["invitations_received"][0]
    assert exported["delivered_at"] and exported["email_opened_at"] and exported["started_at"]
    counts = funnels.collection_funnel(pro_id=pro.id, period="30j", member_names={}).total.counts
    assert counts == {
        "sent": 1, "delivered": 1, "opened": 1, "clicked": 1, "started": 1,
        "written": 0, "published": 0,
    }  # fmt: skip
