"""``gunicorn services.reviews.wsgi``: the reviews service."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "services.reviews.settings")
application = get_wsgi_application()
