"""What PostgreSQL adds to search: French stemming and typos in company names."""

import pytest
from django.db import connection

from apps.directory.models import ProProfile
from apps.directory.search import SearchCriteria, pro_search
from apps.directory.tests.factories import make_pro

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db,
    pytest.mark.usefixtures("directory_data"),
]


def names(q: str) -> list[str]:
    return [p.name for p in pro_search(SearchCriteria(q=q))]


def test_the_stored_vector_is_filled_and_indexed():
    pro = make_pro("Ravalement Martin", description="Pose de fenêtres en aluminium.")
    assert ProProfile.objects.filter(pk=pro.pk, search_vector__isnull=False).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'directory_proprofile'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"pro_search_vector_gin", "pro_search_name_trgm"} <= indexes


def test_french_stemming_matches_plural_and_singular():
    make_pro("Ravalement Martin", trades=("facade",), description="Pose de fenêtre en aluminium.")
    make_pro("Plomberie Roux", trades=("plomberie",), description="Chauffe-eau et sanitaires.")
    assert names("fenetres") == ["Ravalement Martin"]


def test_a_typo_in_a_company_name_still_finds_it():
    make_pro("Couverture Dubois", trades=("toiture",))
    make_pro("Plomberie Roux", trades=("plomberie",))
    assert names("dubios") == ["Couverture Dubois"]


def test_relevance_puts_name_matches_first():
    make_pro("Isolation Martin", trades=("isolation",))
    make_pro(
        "Toitures Garcia", trades=("toiture", "isolation"), description="Isolation des combles."
    )
    assert names("isolation")[0] == "Isolation Martin"
