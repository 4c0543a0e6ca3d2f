"""The inbox no longer references the outbox: its plain event id (copied in 0002) replaces
the foreign key."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0002_inbox_event_id")]

    operations = [
        migrations.RemoveConstraint(model_name="handledevent", name="handled_event_once"),
        migrations.RemoveField(model_name="handledevent", name="event"),
        migrations.RenameField(
            model_name="handledevent", old_name="event_uuid", new_name="event_id"
        ),
        migrations.AlterField(
            model_name="handledevent", name="event_id", field=models.UUIDField()
        ),
        migrations.AddConstraint(
            model_name="handledevent",
            constraint=models.UniqueConstraint(
                fields=("event_id", "consumer", "handler"), name="handled_event_once"
            ),
        ),
        migrations.AddIndex(
            model_name="handledevent",
            index=models.Index(fields=["handled_at"], name="handled_event_at_idx"),
        ),
    ]
