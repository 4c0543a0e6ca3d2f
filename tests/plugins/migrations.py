"""``migrator``: run the schema back to a migration, write rows with that day's models, then
forward, and read them back — the shape of every test that a migration keeps the data.

    def test_...(migrator):
        old = migrator.apply([("core", "0001_initial")])
        old.get_model("core", "OutboxEvent").objects.create(...)
        new = migrator.apply([("core", "0003_inbox_drop_outbox_key")])
        ...

The test must be ``@pytest.mark.django_db(transaction=True)`` (migrations run DDL); the
fixture brings the database back to the latest schema afterwards, for the next test.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


class Migrator:
    def apply(self, targets: list[tuple[str, str]]):
        """Migrate to ``targets`` (forwards or backwards); the models as they were there."""
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    def latest(self) -> None:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def migrator():
    migrations = Migrator()
    yield migrations
    migrations.latest()
