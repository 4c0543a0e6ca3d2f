"""The acting advisors are kept as plain accounts user ids, no longer foreign keys.

Hand-written: the columns and their data stay; only the database's foreign key
constraints go (users are never deleted: an erased user stays as an anonymous row).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("quotes", "0006_brand_requests"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # 1. The database no longer checks the reference (nor cascades): the column stays.
        migrations.AlterField(
            model_name="quoterequest",
            name="assigned_to",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="conseiller",
                db_constraint=False,
            ),
        ),
        migrations.AlterField(
            model_name="quotecall",
            name="advisor",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="conseiller",
                db_constraint=False,
            ),
        ),
        migrations.AlterField(
            model_name="quotetransition",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="par",
                db_constraint=False,
            ),
        ),
        # 2. The model holds the plain id in the same column: nothing changes in the
        # database (same column, same index or unique constraint).
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(model_name="quoterequest", name="assigned_to"),
                migrations.AddField(
                    model_name="quoterequest",
                    name="assigned_to_id",
                    field=models.BigIntegerField(
                        blank=True, db_index=True, null=True, verbose_name="conseiller"
                    ),
                ),
                migrations.RemoveField(model_name="quotecall", name="advisor"),
                migrations.AddField(
                    model_name="quotecall",
                    name="advisor_id",
                    field=models.BigIntegerField(
                        db_index=True, null=True, verbose_name="conseiller"
                    ),
                ),
                migrations.RemoveField(model_name="quotetransition", name="actor"),
                migrations.AddField(
                    model_name="quotetransition",
                    name="actor_id",
                    field=models.BigIntegerField(
                        blank=True, db_index=True, null=True, verbose_name="par"
                    ),
                ),
            ],
        ),
    ]
