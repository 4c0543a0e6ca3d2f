"""The reviews tests' pros and team (``pro``, ``owner``, ``other_owner``...), for the
service's signed-in pages."""

from apps.reviews.tests.conftest import (  # noqa: F401 (fixtures)
    directory_data,
    other_owner,
    other_pro,
    owner,
    pro,
)
