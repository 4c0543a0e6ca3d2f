"""The dashboards: /espace-pro/statistiques/ (company or network), its CSV export, and the
Eldo staff's /conseiller/statistiques/."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.csv_export import csv_safe
from apps.directory.tests.factories import link_network

pytestmark = pytest.mark.django_db

URL = "/espace-pro/statistiques/"
EXPORT = "/espace-pro/statistiques/export.csv"
STAFF_URL = "/conseiller/statistiques/"
TODAY = timezone.localdate()
YEAR = {"from": (TODAY - timedelta(days=364)).isoformat(), "to": TODAY.isoformat()}


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig")), delimiter=";"))


def test_the_dashboard_renders_without_any_data(
    client, facade_pros, midi_team, django_assert_max_num_queries
):
    client.force_login(midi_team["owner"])
    with django_assert_max_num_queries(17):  # 17 since the homeowners' answers (one query)
        response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Statistiques" in page and "Vues du profil" in page
    assert "Aucune donnée sur cette période." in page
    assert 'aria-current="page">Statistiques</a>' in page  # the sidebar entry


def test_a_year_of_data_renders_charts_and_tables_in_bounded_queries(
    client, facade_pros, midi_team, year_of_stats, django_assert_max_num_queries
):
    client.force_login(midi_team["owner"])
    with django_assert_max_num_queries(17):
        response = client.get(URL, YEAR)
    assert response.status_code == 200
    page = response.content.decode()
    # Line charts (SVG with a name) and their tables; bar charts (funnel, notes, team).
    assert page.count('<svg class="chart-line__svg"') == 6
    assert page.count("Voir les données en tableau") == 6
    for title in (
        "Devis envoyés et chiffre d'affaires gagné (€)",
        "Chiffre d'affaires gagné par commercial (€)",
        "Parcours des demandes",
        "Répartition des notes",
        "Collecte d'avis",
        "Demandes attribuées par commercial",
        "Évolution de la note moyenne",
    ):
        assert title in page, title
    assert "sem. du" not in page and "janv." in page  # a year is drawn by month
    assert "Sophie" in page and "Karim" in page


def test_the_sales_rep_sees_only_its_own_performance(client, facade_pros, midi_team, year_of_stats):
    client.force_login(midi_team["rep"])
    page = client.get(URL, YEAR).content.decode()
    assert "Mes performances" in page
    assert "Vues du profil" not in page and "Karim" not in page
    rows = _csv(client.get(EXPORT, YEAR))
    assert rows[0][0] == "Commercial" and len(rows) == 2


def test_another_organization_switch_is_ignored(
    client, facade_pros, midi_team, garonne_owner, year_of_stats
):
    client.force_login(garonne_owner)
    page = client.get(URL, {**YEAR, "org": midi_team["org_id"]}).content.decode()
    assert "Sophie" not in page
    export = client.get(EXPORT, {**YEAR, "org": midi_team["org_id"]})
    assert facade_pros["garonne"].slug in export["Content-Disposition"]
    assert facade_pros["midi"].slug not in export["Content-Disposition"]
    assert client.get(STAFF_URL).status_code == 404


def test_a_bad_period_is_explained_and_the_last_30_days_shown(client, facade_pros, midi_team):
    client.force_login(midi_team["owner"])
    response = client.get(URL, {"from": "2025-03-10", "to": "2025-03-01"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "La date de fin doit suivre la date de début." in page
    assert "Période invalide" in page
    assert client.get(EXPORT, {"from": "n'importe quoi"}).status_code == 400


def test_the_csv_export_has_every_day_and_neutralises_formulas(
    client, facade_pros, midi_team, year_of_stats
):
    client.force_login(midi_team["owner"])
    response = client.get(EXPORT, YEAR)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0][:3] == ["Date", "Vues du profil", "Apparitions dans les recherches"]
    assert len(rows) == 366 and rows[1][0] == YEAR["from"]
    assert sum(int(r[1]) for r in rows[1:]) > 5000


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+33 6 12", "'+33 6 12"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Façades du Midi", "Façades du Midi"),
        (-3, -3),
        (None, ""),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(value, written):
    assert csv_safe(value) == written


def test_the_network_dashboard_lists_its_installers(
    client, network, other_network, facade_pros, year_of_stats, django_assert_max_num_queries
):
    client.force_login(network["manager"])
    with django_assert_max_num_queries(16):
        page = client.get(URL, YEAR).content.decode()
    assert "Statistiques du réseau" in page
    assert facade_pros["garonne"].name in page and facade_pros["rose"].name in page
    rows = _csv(client.get(EXPORT, YEAR))
    assert rows[0][0] == "Installateur" and len(rows) == 3
    client.force_login(other_network["manager"])
    page = client.get(URL, YEAR).content.decode()
    assert facade_pros["garonne"].name not in page
    assert "Aucune demande transmise" in page


def test_an_installer_without_leads_still_has_its_line(client, network, facade_pros, year_of_stats):
    silent = facade_pros["midi"]
    link_network(silent, network["org"].pk)
    client.force_login(network["manager"])
    page = client.get(URL, YEAR).content.decode()
    assert silent.name in page and facade_pros["garonne"].name in page
    rows = _csv(client.get(EXPORT, YEAR))
    line = next(row for row in rows if row[0] == silent.name)
    assert line[1] == "0"
    assert len(rows) == 4


def test_the_staff_dashboard_for_eldo_staff_only(
    client,
    staff,
    advisor,
    moderator,
    midi_team,
    network,
    year_of_stats,
    django_assert_max_num_queries,
):
    for user in (midi_team["owner"], network["manager"]):
        client.force_login(user)
        assert client.get(STAFF_URL).status_code == 404
        assert client.get(STAFF_URL + "export.csv").status_code == 404
    client.logout()
    assert client.get(STAFF_URL).status_code == 404
    for user in (staff, advisor, moderator):
        client.force_login(user)
        with django_assert_max_num_queries(12):
            response = client.get(STAFF_URL, YEAR)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Taux de qualification" in page and "Délai médian de transmission" in page
        assert 'href="/conseiller/statistiques/" aria-current="page">Statistiques' in page
    rows = _csv(client.get(STAFF_URL + "export.csv", YEAR))
    assert rows[0][1] == "Demandes de devis" and sum(int(r[1]) for r in rows[1:]) > 3000


def test_the_staff_dashboard_renders_without_data(client, staff):
    client.force_login(staff)
    response = client.get(STAFF_URL)
    assert response.status_code == 200
    assert "Aucune donnée sur cette période." in response.content.decode()


# --- The company's figures, kept in the cache until they change ------------------------------


def _main(response) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def _figure(page: str, name: str) -> str:
    section = page[page.index(f'data-figure="{name}"') :]
    return section[section.index('class="stat__value">') + len('class="stat__value">') :].split(
        "<", 1
    )[0]


def test_the_figures_read_again_cost_no_aggregation_and_show_the_same(
    client, facade_pros, midi_team, year_of_stats, django_assert_max_num_queries
):
    client.force_login(midi_team["owner"])
    first = _main(client.get(URL, YEAR))
    # The session, the user, the back office's memberships, the pro and the actor, the
    # members: none of the eight aggregations of a first visit.
    with django_assert_max_num_queries(8):
        again = _main(client.get(URL, YEAR))
    assert again == first and "Karim" in again
    shorter = _main(client.get(URL, {"from": (TODAY - timedelta(days=29)).isoformat()}))
    assert shorter != first  # another period, other figures


def test_a_lead_dispatched_after_a_visit_shows_on_the_next_one(
    client, facade_pros, midi_team, dispatch
):
    client.force_login(midi_team["owner"])
    assert _figure(client.get(URL).content.decode(), "leads_received") == "0"
    dispatch([facade_pros["midi"].slug])
    assert _figure(client.get(URL).content.decode(), "leads_received") == "1"


def test_a_renamed_sales_rep_shows_under_the_new_name(client, facade_pros, midi_team):
    client.force_login(midi_team["owner"])
    assert "Sophie" in client.get(URL).content.decode()
    rep = midi_team["rep"]
    rep.first_name = "Sophia"
    rep.save(update_fields=["first_name"])
    page = client.get(URL).content.decode()
    assert "Sophia" in page and "Sophie" not in page


def test_the_nightly_rollup_of_every_pro_shows_on_the_next_visit(
    client, facade_pros, midi_team, django_capture_on_commit_callbacks
):
    from apps.stats import services
    from apps.stats.models import CounterDay

    client.force_login(midi_team["owner"])
    views = '<p class="stat__value">321</p>'
    assert views not in client.get(URL).content.decode()
    CounterDay.objects.create(pro_id=facade_pros["midi"].id, day=TODAY, profile_views=321)
    with django_capture_on_commit_callbacks(execute=True):
        services.rollup(start=TODAY, end=TODAY)  # every pro: the nightly run
    assert views in client.get(URL).content.decode()


def _assigned(page: str, first_name: str) -> str:
    """A member's "Demandes attribuées" in the team's table."""
    table = page[page.index("<caption>Performances par commercial") :]
    row = table[table.index(f'<th scope="row">{first_name}') :]
    return row[row.index('<td class="num">') + len('<td class="num">') :].split("<", 1)[0]


def test_a_lead_assigned_after_a_visit_counts_for_the_sales_rep_on_the_next_one(
    client, facade_pros, midi_team, dispatch, django_capture_on_commit_callbacks
):
    from apps.leads import services as lead_services
    from apps.leads.models import Lead

    lead = Lead.objects.get(quote_id=dispatch([facade_pros["midi"].slug]).pk)
    client.force_login(midi_team["owner"])
    assert _assigned(client.get(URL).content.decode(), "Sophie") == "0"
    with django_capture_on_commit_callbacks(execute=True):
        lead_services.lead_update(
            actor=midi_team["owner"].actor, lead_id=lead.pk, assigned_to=midi_team["rep"].pk
        )
    assert _assigned(client.get(URL).content.decode(), "Sophie") == "1"
