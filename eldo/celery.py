"""The Celery application. Without REDIS_URL, tasks run eagerly in-process (embedded mode)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eldo.settings")

app = Celery("eldo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
