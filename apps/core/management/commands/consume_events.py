import logging
import time

from amqp.exceptions import ConnectionError as AMQPConnectionError
from amqp.exceptions import RecoverableConnectionError
from django.core.management.base import BaseCommand, CommandError
from kombu.exceptions import OperationalError

from apps.core import broker
from apps.core.events import consumed_elsewhere, consumers

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Consume the RabbitMQ queue of a context: run its handlers once per event, "
        "dead-letter what cannot be read."
    )

    def add_arguments(self, parser):
        parser.add_argument("--consumer", required=True, help="The consuming context (stats…).")
        parser.add_argument(
            "--once", action="store_true", help="Stop once the queue is empty instead of waiting."
        )

    def handle(self, *args, consumer, once, **options):
        if consumer in consumed_elsewhere():
            raise CommandError(
                f"« {consumer} » tourne comme service séparé : il consomme ses événements "
                "lui-même (EVENTS_CONSUMED_ELSEWHERE)."
            )
        if consumer not in consumers():
            raise CommandError(
                f"« {consumer} » ne traite aucun événement ; contextes : {', '.join(consumers())}"
            )
        if once:
            processed = broker.consume(consumer=consumer, once=True)
            self.stdout.write(f"{processed} message(s) traité(s)")
            return
        backoff = {"seconds": 1}

        def reset() -> None:
            backoff["seconds"] = 1

        while True:  # a broker restart must not end the consumer: reconnect, slower and slower
            try:
                broker.consume(consumer=consumer, on_processed=reset)
            except (
                OSError,
                OperationalError,
                AMQPConnectionError,
                RecoverableConnectionError,
            ) as exc:
                wait = backoff["seconds"]
                logger.warning("consume_events: broker unreachable (%r), retry in %s s", exc, wait)
                time.sleep(wait)
                backoff["seconds"] = min(wait * 2, 30)
