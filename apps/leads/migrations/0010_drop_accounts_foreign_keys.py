"""No foreign key into accounts: the organizations and users are kept by id.

The columns and their data stay. First each foreign key loses its database constraint (so
that accounts can live in another database), then, in the state only, the relation becomes
the plain integer field of the same column; the indexes and constraints that named the
relation are the same database objects, named after the ``_id`` field."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0009_lead_work_ended_on"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="lead",
            name="organization",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="leads",
                to="accounts.organization",
            ),
        ),
        migrations.AlterField(
            model_name="lead",
            name="network",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="routed_leads",
                to="accounts.organization",
            ),
        ),
        migrations.AlterField(
            model_name="lead",
            name="assigned_to",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="assigned_leads",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="leadtransition",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="leadnote",
            name="author",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="networkinstaller",
            name="network",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="installers",
                to="accounts.organization",
            ),
        ),
        migrations.AlterField(
            model_name="leadalert",
            name="user",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="unroutedlead",
            name="network",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="unrouted_leads",
                to="accounts.organization",
            ),
        ),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="network",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="webhook_endpoints",
                to="accounts.organization",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveConstraint(
                    model_name="lead",
                    name="lead_one_per_network_external_id",
                ),
                migrations.RemoveConstraint(
                    model_name="leadalert",
                    name="lead_alert_one_per_member_and_channel",
                ),
                migrations.RemoveConstraint(
                    model_name="networkinstaller",
                    name="network_installer_unique",
                ),
                migrations.RemoveConstraint(
                    model_name="unroutedlead",
                    name="unrouted_one_per_network_external_id",
                ),
                migrations.RemoveIndex(
                    model_name="lead",
                    name="leads_lead_organiz_f5aa9a_idx",
                ),
                migrations.RemoveIndex(
                    model_name="lead",
                    name="leads_lead_assigne_aefcd0_idx",
                ),
                migrations.RemoveIndex(
                    model_name="lead",
                    name="leads_lead_network_9628d6_idx",
                ),
                migrations.RemoveField(
                    model_name="lead",
                    name="assigned_to",
                ),
                migrations.RemoveField(
                    model_name="lead",
                    name="network",
                ),
                migrations.RemoveField(
                    model_name="lead",
                    name="organization",
                ),
                migrations.RemoveField(
                    model_name="leadalert",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="leadnote",
                    name="author",
                ),
                migrations.RemoveField(
                    model_name="leadtransition",
                    name="actor",
                ),
                migrations.RemoveField(
                    model_name="networkinstaller",
                    name="network",
                ),
                migrations.RemoveField(
                    model_name="unroutedlead",
                    name="network",
                ),
                migrations.RemoveField(
                    model_name="webhookendpoint",
                    name="network",
                ),
                migrations.AddField(
                    model_name="lead",
                    name="assigned_to_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
                migrations.AddField(
                    model_name="lead",
                    name="network_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
                migrations.AddField(
                    model_name="lead",
                    name="organization_id",
                    field=models.BigIntegerField(db_index=True),
                ),
                migrations.AddField(
                    model_name="leadalert",
                    name="user_id",
                    field=models.BigIntegerField(db_index=True),
                ),
                migrations.AddField(
                    model_name="leadnote",
                    name="author_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
                migrations.AddField(
                    model_name="leadtransition",
                    name="actor_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
                migrations.AddField(
                    model_name="networkinstaller",
                    name="network_id",
                    field=models.BigIntegerField(db_index=True),
                ),
                migrations.AddField(
                    model_name="unroutedlead",
                    name="network_id",
                    field=models.BigIntegerField(db_index=True),
                ),
                migrations.AddField(
                    model_name="webhookendpoint",
                    name="network_id",
                    field=models.BigIntegerField(db_index=True),
                ),
                migrations.AddIndex(
                    model_name="lead",
                    index=models.Index(
                        fields=["organization_id", "status", "-created_at"],
                        name="leads_lead_organiz_f5aa9a_idx",
                    ),
                ),
                migrations.AddIndex(
                    model_name="lead",
                    index=models.Index(
                        fields=["assigned_to_id", "-created_at"],
                        name="leads_lead_assigne_aefcd0_idx",
                    ),
                ),
                migrations.AddIndex(
                    model_name="lead",
                    index=models.Index(
                        fields=["network_id", "-created_at"], name="leads_lead_network_9628d6_idx"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="lead",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("network_id__isnull", False)),
                        fields=("network_id", "external_id"),
                        name="lead_one_per_network_external_id",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="leadalert",
                    constraint=models.UniqueConstraint(
                        fields=("lead", "user_id", "channel"),
                        name="lead_alert_one_per_member_and_channel",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="networkinstaller",
                    constraint=models.UniqueConstraint(
                        fields=("network_id", "pro_id"), name="network_installer_unique"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="unroutedlead",
                    constraint=models.UniqueConstraint(
                        fields=("network_id", "external_id"),
                        name="unrouted_one_per_network_external_id",
                    ),
                ),
            ],
        ),
    ]
