"""PostgreSQL search support: unaccent and pg_trgm, a GIN index on the stored tsvector and
trigram indexes for typo tolerance. On other databases this migration does nothing."""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

INDEXES = [
    (
        "pro_search_vector_gin",
        "CREATE INDEX IF NOT EXISTS pro_search_vector_gin ON directory_proprofile USING gin (search_vector)",
    ),
    (
        "pro_search_name_trgm",
        "CREATE INDEX IF NOT EXISTS pro_search_name_trgm ON directory_proprofile "
        "USING gin (search_name gin_trgm_ops)",
    ),
    (
        "pro_search_document_trgm",
        "CREATE INDEX IF NOT EXISTS pro_search_document_trgm ON directory_proprofile "
        "USING gin (search_document gin_trgm_ops)",
    ),
    (
        "commune_search_name_prefix",
        "CREATE INDEX IF NOT EXISTS commune_search_name_prefix ON directory_commune "
        "(search_name varchar_pattern_ops)",
    ),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _name, sql in INDEXES:
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _sql in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("directory", "0002_pros_and_categories")]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
