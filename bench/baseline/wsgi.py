"""gunicorn -c deploy/gunicorn.conf.py bench.baseline.wsgi:application (bench/run.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.baseline.settings")
application = get_wsgi_application()
