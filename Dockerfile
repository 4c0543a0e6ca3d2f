# Eldo: one image for every role (web, worker, beat, migrate); see docs/deploy.md.
#
#   docker build -t eldo:$(git rev-parse --short HEAD) \
#       --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) .
#
# The base is pinned by tag (readable) and by digest (immutable: the multi-architecture index
# of that tag, so a rebuild of the same commit starts from the same bytes). To pick up Python
# and Debian fixes, bump both deliberately: `docker buildx imagetools inspect
# python:3.11.x-slim-bookworm` prints the index digest.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm@sha256:65a93d69fa75478d554f4ad27c85c1e69fa184956261b4301ebaf6dbb0a3543d

# --- builder: the runtime dependencies in a virtualenv ----------------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /build
COPY requirements/base.txt ./requirements.txt
# The runtime dependencies from the hash-locked requirements/base.txt (`make lock`): exact
# versions, each file checked against its sha256, so a rebuild installs the same bytes.
# The compiled ones ship manylinux wheels (psycopg[binary], pillow, cryptography) and the
# few sdists are pure Python, so no compiler is needed. The project itself is not installed: its code runs from /app, next to
# its templates and static files, and this layer is rebuilt only when the lock changes.
RUN pip install --require-hashes -r requirements.txt \
    && pip check

# --- runtime ----------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ARG PYTHON_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="eldo" \
      org.opencontainers.image.description="Eldo, le TripAdvisor du bâtiment: Django web, Celery worker and beat" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.vendor="Eldo" \
      org.opencontainers.image.base.name="${PYTHON_IMAGE}"

# DJANGO_DEBUG=0 is production mode: settings refuse to start without a real
# DJANGO_SECRET_KEY, given at run time only. Everything written at run time goes to /tmp
# (ELDO_VAR_DIR, celery beat schedule, gunicorn heartbeat in /dev/shm) or to the media
# volume, so the container runs with a read-only root filesystem.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=eldo.settings \
    DJANGO_DEBUG=0 \
    ELDO_VAR_DIR=/tmp/eldo \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    PRIVATE_MEDIA_ROOT=/data/private \
    PORT=8000

# A system user without home or login shell; numeric ids so that runAsNonRoot can check it.
RUN groupadd --system --gid 10001 eldo \
    && useradd --system --no-log-init --uid 10001 --gid eldo --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin eldo \
    && install -d -o eldo -g eldo -m 0750 /data/media /data/private

COPY --from=builder /opt/venv /opt/venv

# The code stays owned by root: the application cannot modify itself.
WORKDIR /app
COPY manage.py ./
COPY deploy ./deploy
COPY templates ./templates
COPY static ./static
COPY eldo ./eldo
COPY apps ./apps

# Static files are collected (hashed and compressed for WhiteNoise) at build time with a
# throwaway key that lives only in this RUN's environment, never in an image layer's ENV.
# Production settings also require JWT_PRIVATE_KEYS to be set: collectstatic signs nothing
# and loads no key, so a placeholder satisfies it (the real keys come at run time).
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
        JWT_PRIVATE_KEYS=unused-at-build \
        ELDO_VAR_DIR=/tmp/eldo-build \
        python manage.py collectstatic --noinput \
    && rm -rf /tmp/eldo-build \
    && python -m compileall -q eldo apps \
    && chmod 0755 deploy/entrypoint.sh

USER 10001:10001
VOLUME ["/data/media", "/data/private"]
EXPOSE 8000

# slim has no curl: the probe is Python's urllib. It sends the first DJANGO_ALLOWED_HOSTS
# entry as Host (Django answers 400 to any other); /healthz is exempt from the HTTPS redirect.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; hosts = [h.strip().lstrip('.') for h in os.environ.get('DJANGO_ALLOWED_HOSTS', '').split(',') if h.strip() not in ('', '*')]; request = urllib.request.Request('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), headers={'Host': (hosts or ['127.0.0.1'])[0]}); urllib.request.urlopen(request, timeout=4)"]

ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["web"]
