from io import StringIO

import pytest
from django.core.management import call_command

from apps.directory.models import Category, Commune, Department, PostalCode, ProProfile, Region
from apps.directory.services import categories_sync

# Haute-Garonne, Gironde, Pyrénées-Orientales, Aude, Tarn: enough for place and radius cases.
DEPARTMENTS = "31,33,66,11,81"


@pytest.fixture(scope="module")
def directory_data(django_db_setup, django_db_blocker):
    """Geography subset and the catalogue of trades, loaded once per module."""
    with django_db_blocker.unblock():
        call_command("load_geography", departments=DEPARTMENTS, stdout=StringIO())
        categories_sync()
    yield
    with django_db_blocker.unblock():
        ProProfile.objects.all().delete()
        Category.objects.filter(parent__isnull=False).delete()
        Category.objects.all().delete()
        PostalCode.objects.all().delete()
        Commune.objects.filter(parent__isnull=False).delete()
        Commune.objects.all().delete()
        Department.objects.all().delete()
        Region.objects.all().delete()
