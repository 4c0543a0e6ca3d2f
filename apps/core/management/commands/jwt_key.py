"""Print a new API signing key (EC P-256) as a JWT_PRIVATE_KEYS entry.

    python manage.py jwt_key --kid 2027-01      # {"2027-01": "<PEM, newlines as \\n>"}

Runs without any key configured (DJANGO_DEBUG=1, outside production). Rotation: add the
entry to the existing object, then make it active (docs/deploy.md).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from apps.core.token_keys import generate_key, private_key_pem


class Command(BaseCommand):
    help = "Generate an ES256 signing key for the API tokens, as a JWT_PRIVATE_KEYS entry."

    def add_arguments(self, parser):
        parser.add_argument("--kid", required=True, help="the key's id, e.g. 2027-01")

    def handle(self, *args, **options):
        kid = options["kid"].strip()
        if not kid:
            raise CommandError("--kid must not be empty")
        self.stdout.write(json.dumps({kid: private_key_pem(generate_key())}) + "\n")
