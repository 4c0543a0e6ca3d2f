"""The migration of the inbox: delivery ids recorded against outbox rows are kept as plain
event ids with their consumer, so no handler runs again after the upgrade."""

import pytest

BEFORE = [("core", "0001_initial")]
AFTER = [("core", "0003_inbox_drop_outbox_key")]


@pytest.mark.django_db(transaction=True)
def test_existing_delivery_ids_are_kept_with_their_consumer(migrator):
    old = migrator.apply(BEFORE)
    event = old.get_model("core", "OutboxEvent").objects.create(
        name="reviews.ReviewPublished", payload={"review_id": 1}
    )
    handled = old.get_model("core", "HandledEvent").objects
    handled.create(event=event, handler="apps.stats.handlers.on_review_published")
    handled.create(event=event, handler="apps.directory.handlers.on_review_published")

    new = migrator.apply(AFTER)
    rows = new.get_model("core", "HandledEvent").objects.order_by("consumer")
    assert [(r.event_id, r.consumer, r.handler) for r in rows] == [
        (event.id, "directory", "apps.directory.handlers.on_review_published"),
        (event.id, "stats", "apps.stats.handlers.on_review_published"),
    ]
    assert new.get_model("core", "OutboxEvent").objects.get(id=event.id).version == 1
