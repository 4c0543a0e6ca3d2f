from apps.directory.tests.conftest import directory_data  # noqa: F401
