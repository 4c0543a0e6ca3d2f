"""Users and organizations are kept as plain accounts ids, no longer foreign keys.

Hand-written: the columns and their data stay; only the database's foreign key
constraints go. What their CASCADE / SET NULL did on an organization's deletion is done by
apps.reviews.privacy on accounts.OrganizationDeleted (users are never deleted).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_magic_links"),
        ("reviews", "0015_invitation_funnel_stages"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # 1. The database no longer checks the reference (nor cascades): the column stays.
        migrations.AlterField(
            model_name="reviewinvitation",
            name="organization",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.organization",
                db_constraint=False,
            ),
        ),
        migrations.AlterField(
            model_name="reviewinvitation",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                db_constraint=False,
            ),
        ),
        migrations.AlterField(
            model_name="review",
            name="author_user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                db_constraint=False,
            ),
        ),
        migrations.AlterField(
            model_name="reviewproof",
            name="moderator",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                db_constraint=False,
            ),
        ),
        migrations.AlterField(
            model_name="reviewreply",
            name="organization",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.organization",
                db_constraint=False,
            ),
        ),
        migrations.AlterField(
            model_name="reviewreply",
            name="author",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                db_constraint=False,
            ),
        ),
        migrations.AlterField(
            model_name="reviewreport",
            name="reporter",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                db_constraint=False,
            ),
        ),
        migrations.AlterField(
            model_name="reviewreport",
            name="organization",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="accounts.organization",
                db_constraint=False,
            ),
        ),
        migrations.AlterField(
            model_name="reviewreport",
            name="reporter_organization",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="accounts.organization",
                db_constraint=False,
            ),
        ),
        migrations.AlterField(
            model_name="moderationdecision",
            name="moderator",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                db_constraint=False,
            ),
        ),
        migrations.AlterField(
            model_name="invitationpolicy",
            name="organization",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.organization",
                verbose_name="organisation",
                db_constraint=False,
            ),
        ),
        migrations.AlterField(
            model_name="invitationtiming",
            name="organization",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.organization",
                verbose_name="organisation",
                db_constraint=False,
            ),
        ),
        migrations.AlterField(
            model_name="scheduledinvitation",
            name="organization",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.organization",
                db_constraint=False,
            ),
        ),
        migrations.AlterField(
            model_name="digestoptout",
            name="user",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                db_constraint=False,
            ),
        ),
        migrations.AlterField(
            model_name="digestsent",
            name="organization",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.organization",
                db_constraint=False,
            ),
        ),
        # 2. The model holds the plain id in the same column: nothing changes in the
        # database (same column, same index or unique constraint).
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveConstraint(
                    model_name="reviewinvitation", name="invitation_external_id_unique"
                ),
                migrations.RemoveConstraint(model_name="digestsent", name="digest_once_a_week"),
                migrations.RemoveField(model_name="reviewinvitation", name="organization"),
                migrations.AddField(
                    model_name="reviewinvitation",
                    name="organization_id",
                    field=models.BigIntegerField(db_index=True),
                ),
                migrations.RemoveField(model_name="reviewinvitation", name="created_by"),
                migrations.AddField(
                    model_name="reviewinvitation",
                    name="created_by_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
                migrations.RemoveField(model_name="review", name="author_user"),
                migrations.AddField(
                    model_name="review",
                    name="author_user_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
                migrations.RemoveField(model_name="reviewproof", name="moderator"),
                migrations.AddField(
                    model_name="reviewproof",
                    name="moderator_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
                migrations.RemoveField(model_name="reviewreply", name="organization"),
                migrations.AddField(
                    model_name="reviewreply",
                    name="organization_id",
                    field=models.BigIntegerField(db_index=True),
                ),
                migrations.RemoveField(model_name="reviewreply", name="author"),
                migrations.AddField(
                    model_name="reviewreply",
                    name="author_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
                migrations.RemoveField(model_name="reviewreport", name="reporter"),
                migrations.AddField(
                    model_name="reviewreport",
                    name="reporter_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
                migrations.RemoveField(model_name="reviewreport", name="organization"),
                migrations.AddField(
                    model_name="reviewreport",
                    name="organization_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
                migrations.RemoveField(model_name="reviewreport", name="reporter_organization"),
                migrations.AddField(
                    model_name="reviewreport",
                    name="reporter_organization_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
                migrations.RemoveField(model_name="moderationdecision", name="moderator"),
                migrations.AddField(
                    model_name="moderationdecision",
                    name="moderator_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
                migrations.RemoveField(model_name="invitationpolicy", name="organization"),
                migrations.AddField(
                    model_name="invitationpolicy",
                    name="organization_id",
                    field=models.BigIntegerField(unique=True, verbose_name="organisation"),
                ),
                migrations.RemoveField(model_name="invitationtiming", name="organization"),
                migrations.AddField(
                    model_name="invitationtiming",
                    name="organization_id",
                    field=models.BigIntegerField(unique=True, verbose_name="organisation"),
                ),
                migrations.RemoveField(model_name="scheduledinvitation", name="organization"),
                migrations.AddField(
                    model_name="scheduledinvitation",
                    name="organization_id",
                    field=models.BigIntegerField(db_index=True),
                ),
                migrations.RemoveField(model_name="digestoptout", name="user"),
                migrations.AddField(
                    model_name="digestoptout",
                    name="user_id",
                    field=models.BigIntegerField(unique=True),
                ),
                migrations.RemoveField(model_name="digestsent", name="organization"),
                migrations.AddField(
                    model_name="digestsent",
                    name="organization_id",
                    field=models.BigIntegerField(db_index=True),
                ),
                migrations.AddConstraint(
                    model_name="reviewinvitation",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("external_id", ""), _negated=True),
                        fields=("organization_id", "external_id"),
                        name="invitation_external_id_unique",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="digestsent",
                    constraint=models.UniqueConstraint(
                        fields=("organization_id", "week"), name="digest_once_a_week"
                    ),
                ),
            ],
        ),
    ]
