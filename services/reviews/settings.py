"""The reviews context as its own Django project (``services.reviews.settings``).

It starts from the monolith's settings (every environment variable keeps its meaning) and
narrows them to what reviews needs:

- only ``apps.core`` and ``apps.reviews`` (no accounts, directory, quotes, leads, stats);
  ``auth.User`` stays empty: people live in the monolith, the service knows them by id;
- its own database (``REVIEWS_DATABASE_URL``; embedded: ``var/reviews.sqlite3``) with one
  standalone migration (``services/reviews/migrations``);
- API callers authenticated from the access token alone (``apps.core.principal``), with the
  monolith's public keys (``JWT_JWKS_URL``); the service holds no private key;
- pages' signed-in person read from the monolith's session cookie, asked to accounts and
  cached 30 s (``apps.core.monolith_session``); sign-in on the monolith (``LOGIN_URL``);
- directory and accounts called over HTTP (``REMOTE_FACADES``, ``MONOLITH_URL``), reviews'
  own facade served to the monolith (``FACADES_SERVED``);
- events through RabbitMQ, its handlers consumed by ``manage.py consume_events --consumer
  reviews``.
"""

from eldo.settings import *  # noqa: F403
from eldo.settings import (
    CACHES,
    DEBUG,
    JWT_PRIVATE_KEYS,
    MIDDLEWARE,
    PROBE_SKIPPED_MIDDLEWARE,
    REST_FRAMEWORK,
    TEMPLATES,
    VAR_DIR,
    database_from_url,
    env_str,
)

ROOT_URLCONF = "services.reviews.urls"
WSGI_APPLICATION = "services.reviews.wsgi.application"
ASGI_APPLICATION = None

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.messages",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
    "apps.core",
    "apps.reviews",
]
AUTH_USER_MODEL = "auth.User"

# No session table: the few values a page keeps between two requests (the proof token
# after a review) travel in a signed cookie of the service's own, never the monolith's.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_NAME = "eldo_reviews_session"
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

_NOT_HERE = {
    "django_otp.middleware.OTPMiddleware",
    "apps.accounts.two_factor.StaffTwoFactorMiddleware",
}
# Who is signed in comes from the monolith's session cookie, asked to accounts
# (apps.core.monolith_session), in place of Django's AuthenticationMiddleware.
_SIGNED_IN = {
    "django.contrib.auth.middleware.AuthenticationMiddleware": (
        "apps.core.monolith_session.MonolithSessionMiddleware"
    )
}
MIDDLEWARE = [_SIGNED_IN.get(m, m) for m in MIDDLEWARE if m not in _NOT_HERE]
PROBE_SKIPPED_MIDDLEWARE = [
    _SIGNED_IN.get(m, m) for m in PROBE_SKIPPED_MIDDLEWARE if m not in _NOT_HERE
]

_ACCOUNTS_CONTEXT_PROCESSORS = {
    "apps.accounts.context_processors.backoffice",
    "apps.accounts.context_processors.account_menu",
}
TEMPLATES = [
    {
        **TEMPLATES[0],
        "OPTIONS": {
            **TEMPLATES[0]["OPTIONS"],
            "context_processors": [
                processor
                for processor in TEMPLATES[0]["OPTIONS"]["context_processors"]
                if processor not in _ACCOUNTS_CONTEXT_PROCESSORS
            ]
            # has_backoffice and account_menu, from the monolith session's answer.
            + ["apps.core.monolith_session.header"],
        },
    }
]

# --- Database ---------------------------------------------------------------------------

REVIEWS_DATABASE_URL = env_str("REVIEWS_DATABASE_URL")
DATABASES = {"default": database_from_url(REVIEWS_DATABASE_URL, VAR_DIR / "reviews.sqlite3")}
DB_VENDOR = (
    "postgresql" if REVIEWS_DATABASE_URL.startswith(("postgres", "postgresql")) else "sqlite"
)
# reviews' monolith migrations depend on accounts' and directory's: the service has one
# standalone initial migration of the same tables instead.
MIGRATION_MODULES = {"reviews": "services.reviews.migrations"}

# --- Cache --------------------------------------------------------------------------------

CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": "eldo-reviews"}}

# --- The monolith -------------------------------------------------------------------------

MONOLITH_URL = env_str("MONOLITH_URL", "http://127.0.0.1:8000").rstrip("/")
REMOTE_FACADES = {"directory": MONOLITH_URL, "accounts": MONOLITH_URL}
FACADES_SERVED = ["reviews"]
FACADES_TOKEN = env_str("FACADES_TOKEN")
# Monolith pages the templates link to are redirected to the public site (the gateway, which
# sends their paths to the monolith): services/reviews/routes.py.
MONOLITH_PUBLIC_URL = env_str("MONOLITH_PUBLIC_URL", SITE_URL).rstrip("/")  # noqa: F405

# --- Authentication -----------------------------------------------------------------------

# Pages: the person signed in on the monolith (apps.core.monolith_session). The cookie is
# the monolith's SESSION_COOKIE_NAME (Django's default there); accounts' answer is cached
# this many seconds (a change of role or membership shows after at most that long).
MONOLITH_SESSION_COOKIE_NAME = env_str("MONOLITH_SESSION_COOKIE_NAME", "sessionid")
MONOLITH_SESSION_CACHE_SECONDS = 30
# A page for signed-in people sends the others to the monolith's sign-in page (the path of
# "accounts:login" in monolith_routes.json).
LOGIN_URL = f"{MONOLITH_PUBLIC_URL}/connexion/"

if JWT_PRIVATE_KEYS.strip():
    raise ImproperlyConfigured(  # noqa: F405
        "The reviews service verifies tokens only: unset JWT_PRIVATE_KEYS, set JWT_JWKS_URL."
    )
JWT_DEVELOPMENT_KEY_FILE = None
JWT_JWKS_URL = env_str("JWT_JWKS_URL", f"{MONOLITH_URL}/.well-known/jwks.json")
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # The token's claims, verified with the monolith's public keys: no query, no call.
        "apps.core.principal.StatelessJWTAuthentication",
    ],
}

# The API schema documents reviews only: no enum of the contexts not installed here.
SPECTACULAR_SETTINGS = {
    **SPECTACULAR_SETTINGS,  # noqa: F405
    "TITLE": "Eldo API — avis",
    "ENUM_NAME_OVERRIDES": {
        name: value
        for name, value in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].items()  # noqa: F405
        if not isinstance(value, str) or value.startswith(("apps.core.", "apps.reviews."))
    },
}

# --- Events -------------------------------------------------------------------------------

EVENTS_TRANSPORT = env_str("EVENTS_TRANSPORT", "rabbitmq")
EVENTS_CONSUMED_ELSEWHERE = []

# Only reviews' own periodic jobs (and the shared kernel's) run in the service's beat.
CELERY_BEAT_SCHEDULE = {
    name: entry
    for name, entry in CELERY_BEAT_SCHEDULE.items()  # noqa: F405
    if entry["task"].split(".")[0] in {"core", "reviews"}
}

if not DEBUG and not env_str("FACADES_TOKEN"):
    raise ImproperlyConfigured(  # noqa: F405
        "Production mode (DJANGO_DEBUG=0): the reviews service needs FACADES_TOKEN to call "
        "the monolith and to be called by it."
    )
