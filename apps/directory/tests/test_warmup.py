"""A web worker builds the communes' gazetteer before its first request (apps.core.warmup)."""

from apps.core import warmup
from apps.directory.places import gazetteer


def test_the_directory_registers_the_communes_gazetteer():
    assert warmup._warmers["directory.gazetteer"] is gazetteer
