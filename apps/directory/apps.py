from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "apps.directory"
    label = "directory"
    verbose_name = "Directory"

    def ready(self) -> None:
        from apps.core import warmup
        from apps.directory.places import gazetteer

        # Every search, landing page and place suggestion reads it (about 11 MB).
        warmup.register("directory.gazetteer", gazetteer)
