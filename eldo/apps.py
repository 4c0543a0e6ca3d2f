from django.apps import AppConfig


class EldoConfig(AppConfig):
    """The composition root: fills the page sections the contexts leave to it."""

    name = "eldo"

    def ready(self) -> None:
        from eldo import landing

        landing.register()
