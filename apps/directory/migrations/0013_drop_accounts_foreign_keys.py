"""No foreign key into accounts: the organizations and users are kept by id.

The columns and their data stay. Each foreign key first loses its database constraint (so
that accounts can live in another database), then, in the state only, becomes the plain
integer field of the same column. ``ProProfile.networks`` (many-to-many to accounts'
organizations) becomes the explicit ``ProNetwork`` over the same table and columns: first
as it is (a foreign key per side), then without the constraint, then with the plain id."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0012_response_minutes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="brand",
            name="organization",
            field=models.OneToOneField(
                db_constraint=False,
                limit_choices_to={"kind": "manufacturer"},
                on_delete=django.db.models.deletion.CASCADE,
                related_name="brand_page",
                to="accounts.organization",
                verbose_name="organisation",
            ),
        ),
        migrations.AlterField(
            model_name="proprofile",
            name="organization",
            field=models.OneToOneField(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="pro_profile",
                to="accounts.organization",
                verbose_name="organisation",
            ),
        ),
        migrations.AlterField(
            model_name="prophoto",
            name="uploaded_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="procheck",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="proclaim",
            name="user",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="proclaim",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        # The many-to-many's own table, described as an explicit model (nothing changes).
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(model_name="proprofile", name="networks"),
                migrations.CreateModel(
                    name="ProNetwork",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "pro",
                            models.ForeignKey(
                                db_column="proprofile_id",
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="network_links",
                                to="directory.proprofile",
                            ),
                        ),
                        (
                            "network",
                            models.ForeignKey(
                                db_column="organization_id",
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="accounts.organization",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "réseau ou marque",
                        "verbose_name_plural": "réseaux et marques",
                        "db_table": "directory_proprofile_networks",
                        "unique_together": {("pro", "network")},
                    },
                ),
            ],
        ),
        migrations.AlterField(
            model_name="pronetwork",
            name="network",
            field=models.ForeignKey(
                db_column="organization_id",
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.organization",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterUniqueTogether(name="pronetwork", unique_together=set()),
                migrations.RemoveField(model_name="pronetwork", name="network"),
                migrations.AddField(
                    model_name="pronetwork",
                    name="network_id",
                    field=models.BigIntegerField(
                        db_column="organization_id", db_index=True, verbose_name="réseau ou marque"
                    ),
                ),
                migrations.AlterUniqueTogether(
                    name="pronetwork", unique_together={("pro", "network_id")}
                ),
                migrations.RemoveField(
                    model_name="brand",
                    name="organization",
                ),
                migrations.RemoveField(
                    model_name="procheck",
                    name="decided_by",
                ),
                migrations.RemoveField(
                    model_name="proclaim",
                    name="decided_by",
                ),
                migrations.RemoveField(
                    model_name="proclaim",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="prophoto",
                    name="uploaded_by",
                ),
                migrations.RemoveField(
                    model_name="proprofile",
                    name="organization",
                ),
                migrations.AddField(
                    model_name="brand",
                    name="organization_id",
                    field=models.BigIntegerField(unique=True, verbose_name="organisation"),
                ),
                migrations.AddField(
                    model_name="procheck",
                    name="decided_by_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
                migrations.AddField(
                    model_name="proclaim",
                    name="decided_by_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
                migrations.AddField(
                    model_name="proclaim",
                    name="user_id",
                    field=models.BigIntegerField(db_index=True),
                ),
                migrations.AddField(
                    model_name="prophoto",
                    name="uploaded_by_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
                migrations.AddField(
                    model_name="proprofile",
                    name="organization_id",
                    field=models.BigIntegerField(unique=True, verbose_name="organisation"),
                ),
            ],
        ),
    ]
