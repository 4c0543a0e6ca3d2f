"""Eldo settings: every value read from the environment here, and only here.

Embedded defaults (no variables set) give a self-contained development site: SQLite under
var/, local-memory cache, Celery tasks run in-process, e-mails printed to the console.
DATABASE_URL and REDIS_URL switch the same code to PostgreSQL (pooled) and Redis (cache and
Celery broker, real workers). DJANGO_DEBUG=0 is production mode: it refuses the default
secret key and is hardened so that ``manage.py check --deploy`` reports nothing.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ELDO_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# --- Core -------------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", True)
DEFAULT_SECRET_KEY = "django-insecure-eldo-development-key-never-use-in-production"
SECRET_KEY = env_str("DJANGO_SECRET_KEY", DEFAULT_SECRET_KEY)
if not DEBUG and (SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "Production mode (DJANGO_DEBUG=0) refuses to start without DJANGO_SECRET_KEY set "
        "to a random value of at least 50 characters."
    )

# An entry with a port ("localhost:8000") is the only way a Host carrying that port is
# accepted in production (apps.core.hosts); Django itself ignores ports.
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
HOST_PORTS_PINNED = env_bool("DJANGO_HOST_PORTS_PINNED", not DEBUG)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "rest_framework_api_key",  # partner API keys (accounts.PartnerApiKey)
    "django_otp",  # staff two-factor authentication (apps.accounts.two_factor)
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # recovery codes
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",  # /metrics: requests by route, cache (apps.core.metrics)
    "apps.core",
    "apps.accounts",
    "apps.directory",
    "apps.reviews",
    "apps.quotes",
    "apps.leads",
    "apps.stats",
    "eldo",  # the composition root: home page, seed_demo
]

MIDDLEWARE = [
    # Outermost and innermost: request latency and status codes by route name (/metrics).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "apps.core.middleware.RequestIdMiddleware",
    "apps.core.hosts.HostPortMiddleware",  # production: a Host with a port must be listed
    "apps.core.body_limits.BodySizeLimitMiddleware",  # 413 before any body is read
    # GET /healthz, /readyz, /metrics: on to the view through the rest less what they skip.
    "apps.core.middleware.ProbeMiddleware",
    # Anonymous GETs answered whole from the public response cache: on through the rest
    # less what they skip (apps.core.pagecache.PublicCacheMiddleware).
    "apps.core.pagecache.PublicCacheMiddleware",
    # Outermost of those reading the user: signed-in answers leave as private, no-store.
    "apps.core.cache_control.PrivateCacheControlMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "apps.core.middleware.CSPMiddleware",  # django-csp's, the settings' policy built once
    "apps.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "apps.core.locale.LocaleMiddleware",  # Django's, without negotiating one language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "apps.accounts.two_factor.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Domain errors a page view lets through: the 404 page or a French message, not a 500.
    "apps.core.error_pages.DomainErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# The operations probes and the middleware they skip (apps.core.middleware.ProbeMiddleware):
# those that serve people. Security headers, CSP, Host checks and Content-Length still
# apply; a middleware added to MIDDLEWARE applies to probes too unless it is listed here.
PROBE_PATHS = ["/healthz", "/readyz", "/metrics"]
PROBE_SKIPPED_MIDDLEWARE = [
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "apps.core.locale.LocaleMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "apps.accounts.two_factor.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "apps.core.error_pages.DomainErrorMiddleware",
    # The probe counts the two documented HTTP metrics itself (docs/deploy.md, Monitoring).
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# What a hit of the public response cache skips (apps.core.pagecache.PublicCacheMiddleware):
# what a probe skips but the language. Those that read the session, the user, CSRF and
# messages (a hit is anonymous, without cookies, and stored without any of them), static
# files, domain errors, and django-prometheus' inner middleware (the hit counts the two
# documented HTTP metrics itself). A middleware added to MIDDLEWARE after
# PublicCacheMiddleware applies to hits too unless it is listed here.
# A page carries its language (Content-Language, Vary: Accept-Language); a probe none.
PUBLIC_CACHE_HIT_SKIPPED_MIDDLEWARE = [
    path for path in PROBE_SKIPPED_MIDDLEWARE if path != "apps.core.locale.LocaleMiddleware"
]

# Request bodies (apps.core.body_limits answers 413 before reading; docs/security.md).
REQUEST_MAX_MULTIPART_BYTES = env_int("REQUEST_MAX_MULTIPART_MB", 12) * 1024 * 1024
REQUEST_MAX_BODY_BYTES = env_int("REQUEST_MAX_BODY_KB", 1024) * 1024
REQUEST_BODY_LIMIT_ROUTES: dict[str, int] = {}
# Non-file data Django accepts in memory (JSON, form fields): the same 1 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BODY_BYTES
# An uploaded file larger than this is spooled to /tmp (bounded by the 12 MB above).
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 20

ROOT_URLCONF = "eldo.urls"
WSGI_APPLICATION = "eldo.wsgi.application"
ASGI_APPLICATION = "eldo.asgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.context_processors.site",
                "apps.accounts.context_processors.backoffice",
                "apps.accounts.context_processors.account_menu",
            ],
        },
    },
]
# Django's form renderer, but <select> options written in Python (apps/core/form_renderer.py).
FORM_RENDERER = "apps.core.form_renderer.FormRenderer"

# --- Database ---------------------------------------------------------------------------


def database_from_url(url: str, sqlite_path: Path) -> dict:
    """``DATABASE_URL`` (or a carved service's own variable) → Django's database settings;
    empty: the embedded SQLite file ``sqlite_path``."""
    if url:
        db = dj_database_url.parse(url)
        if db["ENGINE"] == "django.db.backends.postgresql":
            # psycopg 3 connection pool inside each process; persistent connections must stay off.
            db["CONN_MAX_AGE"] = 0
            # The pool checks a connection before lending it (one empty round trip): after a
            # database restart or failover no request gets a dead pooled connection (a 5xx).
            db["CONN_HEALTH_CHECKS"] = True
            db.setdefault("OPTIONS", {})["pool"] = {
                "min_size": env_int("DB_POOL_MIN_SIZE", 2),
                "max_size": env_int("DB_POOL_MAX_SIZE", 10),
                "timeout": env_int("DB_POOL_TIMEOUT", 10),
            }
        return db
    sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": sqlite_path,
        "OPTIONS": {
            # WAL lets the dev server read while a task writes; IMMEDIATE avoids
            # "database is locked" upgrades inside transactions.
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASE_URL = env_str("DATABASE_URL")
DATABASES = {"default": database_from_url(DATABASE_URL, VAR_DIR / "eldo.sqlite3")}
DB_VENDOR = "postgresql" if DATABASE_URL.startswith(("postgres", "postgresql")) else "sqlite"

# --- Cache and Celery -------------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, degrading to "no cache" while Redis is down.
            "BACKEND": "apps.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "eldo",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # Django's local-memory cache, counting hits and misses for /metrics.
    CACHES = {"default": {"BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache"}}
# Per web process, copies of the public response cache's entries and generations, dropped
# as soon as Redis announces a change (apps.core.nearcache): a hit without a round trip.
# The bound is per process; 0 turns the copies off.
CACHE_LOCAL_COPIES_MB = env_int("CACHE_LOCAL_COPIES_MB", 4)
# Anonymous public pages and API lists served whole from the cache (apps.core.pagecache);
# invalidated by domain events, this is only the longest an entry may live. 0 disables it.
PUBLIC_RESPONSE_CACHE_SECONDS = env_int("PUBLIC_RESPONSE_CACHE_SECONDS", 600)

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
# Without a broker, tasks run in-process, right away (embedded mode).
CELERY_TASK_ALWAYS_EAGER = env_bool(
    "CELERY_TASK_ALWAYS_EAGER", not (REDIS_URL or env_str("CELERY_BROKER_URL"))
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # keep LOGGING's JSON handler in worker and beat
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/Paris"
# Publishing must fail fast when the broker is down: the outbox keeps the event and the
# sweep delivers it later, so a request never waits on a dead broker.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # No reconnection attempts when publishing: kombu would otherwise retry for the whole
    # connection timeout (2 s added to every request that publishes while Redis is down).
    "max_retries": 0,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": 3600,
}
# Daily (and longer) jobs run at a fixed hour (crontab, CELERY_TIMEZONE), never as
# timedelta(days=1): beat's schedule file lives in an emptyDir and every release starts a
# fresh scheduler, which would run a 1-day timedelta 24 h after its start, i.e. never on an
# environment deployed more often than daily. Short intervals (seconds, minutes, one hour)
# stay timedelta. No slot between 02:00 and 03:00 (skipped or repeated when the clocks
# change). tests/deploy/test_beat_schedule.py checks the first run of every entry.
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "core.outbox_sweep",
        "schedule": timedelta(seconds=env_int("OUTBOX_SWEEP_SECONDS", 30)),
    },
}
CELERY_BEAT_SCHEDULE["counters-flush"] = {
    "task": "core.counters_flush",
    "schedule": timedelta(seconds=env_int("COUNTERS_FLUSH_SECONDS", 60)),
}
# CNIL: personal data of quote requests without activity for three years is anonymised.
CELERY_BEAT_SCHEDULE["quotes-anonymise-inactive"] = {
    "task": "quotes.anonymise_inactive",
    "schedule": crontab(minute=10, hour=3),
}
# Review invitations: reminders 7 and 14 days after the e-mail; scores decay with age.
CELERY_BEAT_SCHEDULE["reviews-reminders"] = {
    "task": "reviews.invitation_reminders_send",
    "schedule": timedelta(hours=1),
}
# Eldo's "avis vérifié" invitation after a won lead, once the pro's delay has passed.
CELERY_BEAT_SCHEDULE["reviews-scheduled-invitations"] = {
    "task": "reviews.scheduled_invitations_send",
    "schedule": timedelta(hours=1),
}
# Invitations created outside their pro's sending hours wait (queued): sent when the hours
# open. The platform's hours, Paris time [START:00, END:00), for pros who set none; equal
# values: any hour.
CELERY_BEAT_SCHEDULE["reviews-queued-invitations"] = {
    "task": "reviews.queued_invitations_send",
    # Not 02:xx: skipped or repeated when the clocks change (a 02:00 opening waits to 03:01).
    "schedule": crontab(minute="1,31", hour="0,1,3-23"),
}
# The companies' weekly review digest (owners and managers who did not opt out): checked
# daily, sent by the first run of each ISO week (Monday 08:00; the next day if missed).
CELERY_BEAT_SCHEDULE["reviews-weekly-digest"] = {
    "task": "reviews.weekly_digests_send",
    "schedule": crontab(minute=0, hour=8),
}
REVIEWS_SEND_HOUR_START = env_int("REVIEWS_SEND_HOUR_START", 9)
REVIEWS_SEND_HOUR_END = env_int("REVIEWS_SEND_HOUR_END", 20)
CELERY_BEAT_SCHEDULE["reviews-scores"] = {
    "task": "reviews.aggregates_refresh_all",
    "schedule": crontab(minute=15, hour=4),
}
# Leads: a pro not in touch within this delay gets a reminder, then the advisor an alert.
CELERY_BEAT_SCHEDULE["leads-first-contact"] = {
    "task": "leads.first_contact_check",
    "schedule": timedelta(minutes=15),
}
LEADS_FIRST_CONTACT_HOURS = env_int("LEADS_FIRST_CONTACT_HOURS", 48)
# New-lead alerts by SMS and Web Push (apps/leads/alerts.py): sent at once by a task; beat
# sends what is due (night-time SMS at the end of the quiet hours, retries, lost tasks).
CELERY_BEAT_SCHEDULE["leads-alerts-due"] = {
    "task": "leads.alerts_send_due",
    "schedule": timedelta(seconds=env_int("LEADS_ALERTS_SWEEP_SECONDS", 60)),
}
# No SMS from START:00 to END:00, Europe/Paris (deferred to END:00); equal values: no quiet hours.
LEADS_ALERTS_SMS_QUIET_START = env_int("LEADS_ALERTS_SMS_QUIET_START", 20)
LEADS_ALERTS_SMS_QUIET_END = env_int("LEADS_ALERTS_SMS_QUIET_END", 8)
# Homeowner confirmation (apps/leads/contact_check.py): this long after dispatch, the homeowner
# is asked "L'artisan X vous a-t-il contacté ?" (signed links valid LINK_DAYS); leads older
# than the window when due are never asked; "non" alerts the advisor who dispatched the lead,
# or this address when there is none.
CELERY_BEAT_SCHEDULE["leads-contact-checks"] = {
    "task": "leads.contact_checks_send_due",
    "schedule": timedelta(minutes=15),
}
LEADS_CONTACT_CHECK_HOURS = env_int("LEADS_CONTACT_CHECK_HOURS", 48)
# Signed outbound webhooks to networks (apps/leads/webhooks.py): http:// and URLs resolving to
# loopback, private or link-local addresses are refused unless ALLOW_PRIVATE (dev and tests);
# each POST times out (seconds); beat sends the retries that are due.
LEADS_WEBHOOKS_ALLOW_PRIVATE = env_bool("LEADS_WEBHOOKS_ALLOW_PRIVATE", DEBUG)
LEADS_WEBHOOKS_CONNECT_TIMEOUT = float(env_str("LEADS_WEBHOOKS_CONNECT_TIMEOUT", "3"))
LEADS_WEBHOOKS_READ_TIMEOUT = float(env_str("LEADS_WEBHOOKS_READ_TIMEOUT", "5"))
CELERY_BEAT_SCHEDULE["leads-webhooks-due"] = {
    "task": "leads.webhooks_send_due",
    "schedule": timedelta(seconds=60),
}
LEADS_CONTACT_CHECK_LINK_DAYS = env_int("LEADS_CONTACT_CHECK_LINK_DAYS", 30)
LEADS_CONTACT_CHECK_WINDOW_DAYS = env_int("LEADS_CONTACT_CHECK_WINDOW_DAYS", 7)
LEADS_CONTACT_CHECK_INBOUND = env_bool("LEADS_CONTACT_CHECK_INBOUND", True)
LEADS_ADVISORS_EMAIL = env_str("LEADS_ADVISORS_EMAIL", "conseillers@eldo.fr")
# The advisors' promise to homeowners: a first call within N business hours (Monday to
# Friday, 09:00-18:00 Paris) of the request; the queue flags requests with less than
# WARNING_MINUTES of business time left, and the staff statistics measure it.
QUOTES_CALLBACK_PROMISE_HOURS = env_int("QUOTES_CALLBACK_PROMISE_HOURS", 4)
QUOTES_CALLBACK_WARNING_MINUTES = env_int("QUOTES_CALLBACK_WARNING_MINUTES", 60)
# Stats: rebuild yesterday's and today's daily rows from the facts (idempotent).
# Vérifications Eldo: expired checks switch off, reminders 30 and 7 days before an expiry.
CELERY_BEAT_SCHEDULE["directory-checks-daily"] = {
    "task": "directory.checks_daily",
    "schedule": crontab(minute=30, hour=6),
}
# Advisor matching and network routing skip pros without a verified décennale insurance
# valid for the request's trade (docs/verification.md).
LEADS_REQUIRE_INSURANCE = env_bool("LEADS_REQUIRE_INSURANCE", True)
CELERY_BEAT_SCHEDULE["stats-rollup"] = {
    "task": "stats.rollup",
    "schedule": timedelta(minutes=15),
}
OUTBOX_SWEEP_GRACE_SECONDS = env_int("OUTBOX_SWEEP_GRACE_SECONDS", 10)
# How outbox events leave (apps.core.transports): "inprocess", "celery" or "rabbitmq";
# empty: in-process when tasks run eagerly, Celery otherwise.
EVENTS_TRANSPORT = env_str("EVENTS_TRANSPORT")
if EVENTS_TRANSPORT not in {"", "inprocess", "celery", "rabbitmq"}:
    raise ImproperlyConfigured("EVENTS_TRANSPORT: inprocess, celery or rabbitmq")
EVENTS_BROKER_URL = env_str("EVENTS_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
# Exchanges and queues are named <prefix>.events, <prefix>.<consumer>, ...
EVENTS_BROKER_PREFIX = env_str("EVENTS_BROKER_PREFIX", "eldo")
# A consumer's failing handler is retried after this delay, then dead-lettered after
# this many deliveries.
EVENTS_RETRY_DELAY_MS = env_int("EVENTS_RETRY_DELAY_MS", 30_000)
EVENTS_MAX_DELIVERIES = env_int("EVENTS_MAX_DELIVERIES", 5)
# Facades over HTTP (apps.core.remote_facades, docs/architecture.md#facades-over-http).
# The shared secret both sides send and check; empty: nothing is served.
FACADES_TOKEN = env_str("FACADES_TOKEN")
# The contexts whose facade this process answers for, at /internal/facades/<context>/...
FACADES_SERVED = ["accounts", "directory"]
# {context: base URL} of the contexts that run as their own service; the others are
# called in-process.
REVIEWS_SERVICE_URL = env_str("REVIEWS_SERVICE_URL").rstrip("/")
REMOTE_FACADES = {"reviews": REVIEWS_SERVICE_URL} if REVIEWS_SERVICE_URL else {}
# Connect and read timeout of one call to a remote facade, in seconds.
REMOTE_FACADES_TIMEOUT = float(env_str("REMOTE_FACADES_TIMEOUT", "2.0"))
# Contexts running as their own service consume their events there: this project never
# runs their handlers (in-process, Celery) nor declares or consumes their queues. Their
# events then travel through RabbitMQ only (services/reviews/README.md).
EVENTS_CONSUMED_ELSEWHERE = ["reviews"] if REVIEWS_SERVICE_URL else []
if EVENTS_CONSUMED_ELSEWHERE and EVENTS_TRANSPORT != "rabbitmq":
    raise ImproperlyConfigured(
        "REVIEWS_SERVICE_URL: the reviews service receives its events through RabbitMQ; "
        "set EVENTS_TRANSPORT=rabbitmq"
    )
# Retention (GDPR, docs/privacy.md): daily beat tasks delete or anonymise what is past its
# period. Delivered outbox events (their payloads name people) are deleted after:
OUTBOX_RETENTION_DAYS = env_int("OUTBOX_RETENTION_DAYS", 30)
# The staff audit log (advisor and moderator actions), then expired JWT records.
AUDIT_LOG_RETENTION_DAYS = env_int("AUDIT_LOG_RETENTION_DAYS", 1095)
# Sign-ins (address, hashed device cookie) kept for the review checks, then deleted.
SIGN_IN_RETENTION_DAYS = env_int("SIGN_IN_RETENTION_DAYS", 90)
# Review invitations lose the customer's name and address this long after creation;
# reviewers' IP addresses (used by the fraud checks) are erased this long after the review.
REVIEWS_INVITATION_RETENTION_DAYS = env_int("REVIEWS_INVITATION_RETENTION_DAYS", 365)
REVIEWS_IP_RETENTION_DAYS = env_int("REVIEWS_IP_RETENTION_DAYS", 365)
# Reviews collected by the pro itself (its invitations): every one of its first N goes to a
# moderator, then this share of the next ones, drawn by a hash of the review (docs/reviews.md).
REVIEWS_COLLECTED_FIRST_MODERATED = env_int("REVIEWS_COLLECTED_FIRST_MODERATED", 10)
REVIEWS_COLLECTED_SAMPLE_PERCENT = env_int("REVIEWS_COLLECTED_SAMPLE_PERCENT", 20)
# Weight of a review in the ranking score by label, in percent (published on
# /avis/comment-ca-marche/): Eldo-verified reviews count most.
REVIEWS_SCORE_WEIGHTS = {
    "verified": env_int("REVIEWS_SCORE_WEIGHT_VERIFIED", 100),
    "spontaneous": env_int("REVIEWS_SCORE_WEIGHT_SPONTANEOUS", 60),
    "collected": env_int("REVIEWS_SCORE_WEIGHT_COLLECTED", 50),
}
# Review invitations sent by pros (docs/reviews.md, "Limits"): per organization and day
# (staff raise it per organization in the admin), and one per customer per pro per N days.
REVIEWS_INVITATIONS_DAILY_QUOTA = env_int("REVIEWS_INVITATIONS_DAILY_QUOTA", 200)
REVIEWS_INVITATION_COOLDOWN_DAYS = env_int("REVIEWS_INVITATION_COOLDOWN_DAYS", 90)
# Bounces and complaints (docs/reviews.md): the provider's callback is authenticated with
# this shared secret (HMAC of the body; Brevo: bearer token) and closed while it is empty.
REVIEWS_EMAIL_EVENTS_SECRET = env_str("REVIEWS_EMAIL_EVENTS_SECRET", "")
# Past these rates over the window (with at least MIN_SENT invitations sent), an
# organization's invitations are paused and these addresses alerted.
REVIEWS_DELIVERABILITY_WINDOW_DAYS = env_int("REVIEWS_DELIVERABILITY_WINDOW_DAYS", 30)
REVIEWS_DELIVERABILITY_MIN_SENT = env_int("REVIEWS_DELIVERABILITY_MIN_SENT", 20)
REVIEWS_BOUNCE_RATE_MAX = float(env_str("REVIEWS_BOUNCE_RATE_MAX", "0.1"))
REVIEWS_COMPLAINT_RATE_MAX = float(env_str("REVIEWS_COMPLAINT_RATE_MAX", "0.02"))
REVIEWS_STAFF_ALERT_EMAILS = env_list("REVIEWS_STAFF_ALERT_EMAILS", ["qualite@eldo.fr"])
# Reports: open reports one reporting organization (or person) may have on one pro.
REVIEWS_OPEN_REPORTS_PER_PRO = env_int("REVIEWS_OPEN_REPORTS_PER_PRO", 5)
CELERY_BEAT_SCHEDULE["core-outbox-purge"] = {
    "task": "core.outbox_purge",
    "schedule": crontab(minute=40, hour=1),
}
CELERY_BEAT_SCHEDULE["accounts-retention"] = {
    "task": "accounts.retention_purge",
    "schedule": crontab(minute=20, hour=3),
}
CELERY_BEAT_SCHEDULE["reviews-retention"] = {
    "task": "reviews.retention_purge",
    "schedule": crontab(minute=30, hour=3),
}

# --- Auth -------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Password reset links: single-use (Django's token hashes the password and last sign-in)
# and valid one hour.
PASSWORD_RESET_TIMEOUT = 3600
# Eldo staff (advisors, moderators, admins) need a verified TOTP code (django-otp) for the
# admin and the staff pages. On everywhere by default, tests included; only a local
# machine may turn it off (ELDO_STAFF_2FA=0), and production mode refuses that.
ELDO_STAFF_2FA = env_bool("ELDO_STAFF_2FA", True)
if not DEBUG and not ELDO_STAFF_2FA:
    raise ImproperlyConfigured("Production mode (DJANGO_DEBUG=0) requires ELDO_STAFF_2FA=1.")
OTP_TOTP_ISSUER = "Eldo"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # simplejwt's, refusing access tokens revoked before they expire (logout, reuse).
        "apps.accounts.token_revocation.RevocableJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api_support.Pagination",
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.parsers.JSONParser",  # deep nesting is a 400, not a RecursionError
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "EXCEPTION_HANDLER": "apps.core.api_support.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        # Atomic versions of DRF's (apps.core.throttling): no burst past a limit.
        "apps.core.throttling.AnonRateThrottle",
        "apps.core.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("THROTTLE_ANON", "120/min"),
        "user": env_str("THROTTLE_USER", "600/min"),
        "login": env_str("THROTTLE_LOGIN", "10/min"),
        "login_email": env_str("THROTTLE_LOGIN_EMAIL", "5/min"),
        # Forgotten-password requests per address (then 429) and per account (then the
        # same answer, no more e-mail: the owner already has the links).
        "password_reset": env_str("THROTTLE_PASSWORD_RESET", "5/hour"),
        # Public writes, per client address (and per e-mail where the view says so).
        "quote_submit": env_str("THROTTLE_QUOTE_SUBMIT", "10/hour"),
        "quote_submit_email": env_str("THROTTLE_QUOTE_SUBMIT_EMAIL", "5/hour"),
        "review_submit": env_str("THROTTLE_REVIEW_SUBMIT", "10/hour"),
        # Pro sign-ups (/inscription-pro/) per client address: each creates an account.
        "pro_signup": env_str("THROTTLE_PRO_SIGNUP", "10/hour"),
        "review_report": env_str("THROTTLE_REVIEW_REPORT", "20/hour"),
        "inbound_lead": env_str("THROTTLE_INBOUND_LEAD", "600/hour"),
        # Review invitations from a pro's own tool, per company key.
        "review_request_tool": env_str("THROTTLE_REVIEW_REQUEST_TOOL", "600/hour"),
    },
    # Trusted reverse proxies in front of Django (gateway, ingress): 0 trusts no
    # X-Forwarded-For, so a client cannot choose the address its throttles count against.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
}

# API tokens are signed ES256 with a key set (apps.core.token_keys): a JSON object
# {"<kid>": "<PEM of an EC P-256 private key>"} and the kid that signs (optional with one
# key). Development generates a key under ELDO_VAR_DIR; production refuses to start without.
JWT_PRIVATE_KEYS = env_str("JWT_PRIVATE_KEYS")
JWT_ACTIVE_KID = env_str("JWT_ACTIVE_KID")
JWT_DEVELOPMENT_KEY_FILE = VAR_DIR / "jwt" / "dev-signing-key.pem" if DEBUG else None
# A process that only verifies tokens (a carved service) holds no private key: it reads the
# public keys from the issuer's JWKS (fetched, cached, refetched on an unknown kid at most
# once a minute) or from this inline JWKS JSON; either one makes it verify-only.
JWT_JWKS_URL = env_str("JWT_JWKS_URL")
JWT_PUBLIC_JWKS = env_str("JWT_PUBLIC_JWKS")
if not DEBUG and not (JWT_PRIVATE_KEYS.strip() or JWT_JWKS_URL or JWT_PUBLIC_JWKS.strip()):
    raise ImproperlyConfigured(
        "Production mode (DJANGO_DEBUG=0) refuses to start without JWT_PRIVATE_KEYS "
        '({"<kid>": "<PEM EC P-256 private key>"}; `manage.py jwt_key --kid <kid>` makes one), '
        "or, verifying only, JWT_JWKS_URL or JWT_PUBLIC_JWKS."
    )
JWT_AUDIENCE = env_str("JWT_AUDIENCE", "eldo-api")
JWT_ISSUER = env_str("JWT_ISSUER", "https://eldo.fr")
_JWT_SERIALIZERS = "apps.accounts.presentation.serializers"
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    # Signing and verifying go through apps.core.token_keys (kid in every header); the
    # token classes of apps.accounts.tokens use it. No key here: simplejwt's own backend,
    # left without one, cannot sign a token that would lack its kid.
    "ALGORITHM": "ES256",
    "SIGNING_KEY": None,
    "AUTH_TOKEN_CLASSES": ("apps.accounts.tokens.AccessToken",),
    "AUDIENCE": JWT_AUDIENCE,
    "ISSUER": JWT_ISSUER,
    "LEEWAY": 0,
    "USER_ID_CLAIM": "user_id",
    "TOKEN_OBTAIN_SERIALIZER": f"{_JWT_SERIALIZERS}.EldoTokenObtainPairSerializer",
    "TOKEN_REFRESH_SERIALIZER": f"{_JWT_SERIALIZERS}.EldoTokenRefreshSerializer",
    "CHECK_REVOKE_TOKEN": True,
    "REVOKE_TOKEN_CLAIM": "hash_password",
    "CHECK_USER_IS_ACTIVE": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Eldo API",
    "DESCRIPTION": "API v1 d'Eldo, le TripAdvisor du bâtiment. JSON, authentification JWT.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # <id:...> path parameters (apps.core.url_converters): integers of at most 18 digits.
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_999_999}
    },
    # Swagger UI assets served by us (drf-spectacular-sidecar), not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation documents the error contract (400/401/403/404/429): schemathesis checks
    # the API against it (tests/security/test_api_fuzzing.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.api_support.document_error_responses",
    ],
    # Choice sets sharing a field name across contexts get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "CheckKindEnum": "apps.directory.models.checks.CheckKind",
        "CertificationLabelEnum": "apps.directory.models.pros.CertificationKind",
        "CheckStatusEnum": "apps.directory.models.checks.CheckStatus",
        "CheckSourceEnum": "apps.directory.models.checks.CheckSource",
        "QuoteKindEnum": "apps.quotes.models.QuoteKind",
        "ReviewLabelEnum": ["verified", "collected", "spontaneous"],
    },
}

# --- I18n -------------------------------------------------------------------------------

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static, media, e-mail ---------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Documents seen by staff only (insurance certificates): outside MEDIA_ROOT, no base URL,
# served by a staff-only view (docs/verification.md).
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "apps.core.private_storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Where uploads live: "filesystem" (MEDIA_ROOT and PRIVATE_MEDIA_ROOT; embedded mode, one
# machine) or "s3", S3-compatible object storage (production on AWS S3, compose on MinIO):
# public uploads in MEDIA_S3_BUCKET, staff-only documents in MEDIA_S3_PRIVATE_BUCKET
# (apps/core/object_storage.py). Credentials: boto3's chain (AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY, or the pod's IAM role).
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "filesystem")
if MEDIA_STORAGE == "s3":
    _S3_OPTIONS = {
        "endpoint_url": env_str("MEDIA_S3_ENDPOINT_URL", "") or None,
        "region_name": env_str("MEDIA_S3_REGION", "") or None,
        # Path-style addressing: MinIO and other S3-compatible stores need it.
        "addressing_style": "path" if env_str("MEDIA_S3_ENDPOINT_URL", "") else None,
        "default_acl": None,
        "querystring_auth": False,
        "file_overwrite": False,
    }
    for _name, _bucket in (
        ("MEDIA_S3_BUCKET", env_str("MEDIA_S3_BUCKET", "")),
        ("MEDIA_S3_PRIVATE_BUCKET", env_str("MEDIA_S3_PRIVATE_BUCKET", "")),
    ):
        if not _bucket:
            raise ImproperlyConfigured(f"MEDIA_STORAGE=s3 needs {_name}")
    STORAGES["default"] = {
        "BACKEND": "apps.core.object_storage.PublicMediaStorage",
        "OPTIONS": {**_S3_OPTIONS, "bucket_name": env_str("MEDIA_S3_BUCKET", "")},
    }
    STORAGES["private"] = {
        "BACKEND": "apps.core.object_storage.PrivateMediaStorage",
        "OPTIONS": {**_S3_OPTIONS, "bucket_name": env_str("MEDIA_S3_PRIVATE_BUCKET", "")},
    }
elif MEDIA_STORAGE != "filesystem":
    raise ImproperlyConfigured("MEDIA_STORAGE must be filesystem or s3")

# In development whitenoise serves straight from the app and project static directories.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Eldo <bonjour@eldo.fr>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))

# Text messages (apps.core.sms): printed by default; Brevo's transactional SMS in production
# (SMS_BACKEND=apps.core.sms.BrevoBackend, SMS_BREVO_API_KEY, SMS_SENDER: 3–11 letters).
SMS_BACKEND = env_str("SMS_BACKEND", "apps.core.sms.ConsoleBackend")
SMS_BREVO_API_KEY = env_str("SMS_BREVO_API_KEY")
SMS_BREVO_API_URL = env_str("SMS_BREVO_API_URL", "https://api.brevo.com/v3/transactionalSMS/sms")
SMS_SENDER = env_str("SMS_SENDER", "Eldo")
SMS_TIMEOUT_SECONDS = env_int("SMS_TIMEOUT_SECONDS", 10)
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(VAR_DIR / "sms"))

# Web Push (apps.core.webpush): off until both VAPID keys are set (`manage.py vapid_keys`
# prints a pair). Subscriptions are accepted only on these push services (https), so that
# a subscription never makes the server call another host; ".x" matches subdomains of x.
VAPID_PUBLIC_KEY = env_str("VAPID_PUBLIC_KEY")
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY")
VAPID_SUBJECT = env_str("VAPID_SUBJECT", "mailto:bonjour@eldo.fr")
WEB_PUSH_ALLOWED_HOSTS = env_list(
    "WEB_PUSH_ALLOWED_HOSTS",
    [
        "fcm.googleapis.com",  # Chrome, Edge (Chromium), Opera, Samsung Internet
        "updates.push.services.mozilla.com",  # Firefox
        ".push.apple.com",  # Safari (web.push.apple.com)
        ".notify.windows.com",  # legacy Edge
    ],
)
WEB_PUSH_TIMEOUT_SECONDS = env_int("WEB_PUSH_TIMEOUT_SECONDS", 10)

# --- Security (production) --------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): everything from our own origin, no inline script or
# style. Per-view exceptions, each with its reason: the review widget may be framed by any
# site (apps/reviews), the Swagger UI needs inline styles (eldo/urls.py), so does the staff
# component catalogue (eldo/catalogue.py), the 500 page allows its own inline <style> by
# hash (eldo/views.py). docs/reliability.md, "Security".
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # data: for the inline SVG favicon
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features no Eldo page uses (apps.core.middleware.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), payment=(), usb=()"
)
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Probes from the kubelet and the gateway speak plain HTTP inside the cluster, and so do
    # the services calling each other: the facades over HTTP (never routed by the gateway)
    # and the token keys a carved service verifies with.
    SECURE_REDIRECT_EXEMPT = [
        r"^healthz$",
        r"^readyz$",
        r"^metrics$",
        r"^internal/",
        r"^\.well-known/jwks\.json$",
    ]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logging ----------------------------------------------------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOG_JSON = env_bool("LOG_JSON", not DEBUG)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "apps.core.logging.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "timestamp": "time",  # ISO 8601 UTC, like gunicorn's access lines
            "rename_fields": {"levelname": "level", "name": "logger"},
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_JSON else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "celery": {"level": LOG_LEVEL},
    },
}
