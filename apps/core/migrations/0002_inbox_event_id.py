"""The inbox keeps a plain event id and the consumer instead of a key to the outbox row;
existing delivery ids are copied here (consumer read from the handler's path), the key is
dropped in 0003: PostgreSQL refuses to alter a table with rows updated in the same
transaction while a deferred foreign key check is pending."""

from django.db import migrations, models


def fill_consumer(apps, schema_editor):
    HandledEvent = apps.get_model("core", "HandledEvent")
    for row in HandledEvent.objects.only("id", "handler").iterator():
        parts = row.handler.split(".")
        consumer = parts[1] if parts[0] == "apps" and len(parts) > 2 else parts[0]
        HandledEvent.objects.filter(id=row.id).update(consumer=consumer)


def copy_event_ids(apps, schema_editor):
    HandledEvent = apps.get_model("core", "HandledEvent")
    HandledEvent.objects.update(event_uuid=models.F("event"))


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="outboxevent",
            name="version",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="handledevent",
            name="event_uuid",
            field=models.UUIDField(null=True),
        ),
        migrations.AddField(
            model_name="handledevent",
            name="consumer",
            field=models.CharField(default="", max_length=60),
            preserve_default=False,
        ),
        migrations.RunPython(copy_event_ids, migrations.RunPython.noop),
        migrations.RunPython(fill_consumer, migrations.RunPython.noop),
    ]
