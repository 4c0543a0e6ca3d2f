from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Noyau partagé"

    def ready(self) -> None:
        # <id:...> in every URLconf: database ids, so that an absurd one is a 404, not a 500.
        from django.urls import register_converter

        from apps.core.url_converters import IdConverter

        register_converter(IdConverter, "id")

        # Every context declares its reactions in ``handlers.py`` and its GDPR export and
        # erasure in ``privacy.py``; importing them here registers the subscriptions and the
        # exporters in each process (web, worker, beat, tests).
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("handlers", "privacy")

        # Celery tasks' durations and failures, in whichever process runs them.
        from apps.core.metrics import connect_task_signals

        connect_task_signals()

        # The API's signing keys load, or the deploy stops at its release step.
        from django.core import checks

        from apps.core.token_keys import check_key_set

        checks.register(check_key_set)
