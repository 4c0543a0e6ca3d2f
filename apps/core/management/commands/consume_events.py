import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from apps.core import broker
from apps.core.events import consumed_elsewhere, consumers


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
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            # SIGTERM (a pod stopping): the message in hand finishes and is acked, then
            # the consumer exits.
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
        # A broker restart does not end the consumer: it reconnects, slower and slower.
        broker.consume_forever(consumer=consumer, stop=stop)
