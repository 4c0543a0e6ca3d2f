# Eldo — the newcomer's commands. `make run` serves the demo site, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: secret-scan run test lint install lock serve migrate seed worker beat clean up up-carved down bench bench-leads bench-search load

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Dependencies come from the hash-locked requirements/dev.txt (exact versions, every file's
# sha256 checked): a clone installs what CI tested. Reinstalled only when the lock changes.
$(STAMP): requirements/dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# The CRDs' schemas the deploy tests validate custom resources with (deploy/schemas, pinned
# with hashes in its package-lock.json); without npm those tests say why they skip.
CRD_SCHEMAS := deploy/schemas/node_modules/.package-lock.json
$(CRD_SCHEMAS): deploy/schemas/package-lock.json
	@if command -v npm >/dev/null; then \
	  cd deploy/schemas && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the CRD schema tests will be skipped (deploy/schemas)"; fi

install: $(STAMP) $(CRD_SCHEMAS)

# After editing the dependencies in pyproject.toml: recompile the locks (runtime for the
# image, runtime + dev for make install and CI), then commit pyproject.toml and
# requirements/ together (tests/deploy/test_requirements_lock.py checks they agree).
# `make lock LOCK_ARGS=--upgrade` moves every pin to the newest allowed version.
UV_COMPILE := $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--generate-hashes --quiet $(LOCK_ARGS)
lock: install
	$(UV_COMPILE) -o requirements/base.txt
	$(UV_COMPILE) --extra dev -c requirements/base.txt -o requirements/dev.txt

migrate: install
	$(BIN)/python manage.py migrate --noinput

# Idempotent: running it again changes nothing.
seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The whole suite. Tests marked `services` need PostgreSQL + Redis (DATABASE_URL, REDIS_URL);
# without them they are skipped with the reason printed. In parallel (pytest-xdist, one
# process per core, each test file on one worker; TEST_WORKERS=2 to choose), in a random
# order (the seed is printed first: PYTEST_ARGS=--randomly-seed=N replays it), then alone
# the few tests marked `serial` (time budgets). PYTEST_MARKERS narrows both runs (CI:
# "not fuzz"); PYTEST_ARGS goes to both (paths, -x...). A selection without `serial`
# tests is not an error.
TEST_WORKERS ?= auto
MARKERS_AND := $(if $(PYTEST_MARKERS), and ($(PYTEST_MARKERS)))
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not serial$(MARKERS_AND)" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -p no:xdist -m "serial$(MARKERS_AND)" $(PYTEST_ARGS) || [ $$? -eq 5 ]

# Security gates at the end (docs/reliability.md, "Security"): the deploy checks with
# production settings, bandit (medium and high fail; every nosec says why), pip-audit (known
# vulnerabilities; PIP_AUDIT_ARGS=--strict, as in CI, also fails on an unaudited package),
# zizmor on the GitHub workflows (offline; a high finding fails: unpinned actions...).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python scripts/complexity_ratchet.py
	$(BIN)/python scripts/mypy_ratchet.py
	$(BIN)/python scripts/dead_code.py
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py spectacular --fail-on-warn --validate --file /dev/null
	DJANGO_DEBUG=0 DJANGO_ALLOWED_HOSTS=eldo.example ELDO_VAR_DIR="$$(mktemp -d)" \
	DJANGO_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	JWT_PRIVATE_KEYS="$$(DJANGO_DEBUG=1 $(BIN)/python manage.py jwt_key --kid lint)" \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/bandit -c pyproject.toml -r apps eldo -ll -q
	$(BIN)/pip-audit --skip-editable --progress-spinner off $(PIP_AUDIT_ARGS)
	$(BIN)/zizmor --offline --min-severity high --no-progress .github/workflows
	$(MAKE) --no-print-directory secret-scan

# Committed secrets: every tracked file against .secrets.baseline (development placeholders
# only). Exit 3 only means known secrets moved lines (checked on a copy of the baseline);
# a new one fails. Accept a false positive (docs/security.md):
# `detect-secrets scan --disable-plugin KeywordDetector --baseline .secrets.baseline`.
SCAN_EXCLUDE := (^|/)(\.secrets\.baseline|bench/results/.*|.*\.lock|package-lock\.json)$$
secret-scan: install
	@known=$$(mktemp); cp .secrets.baseline $$known; \
	$(BIN)/detect-secrets-hook --baseline $$known --exclude-files '$(SCAN_EXCLUDE)' \
	  $$(git ls-files); status=$$?; rm -f $$known; \
	if [ $$status -ne 0 ] && [ $$status -ne 3 ]; then exit $$status; fi

worker: install
	$(BIN)/celery -A eldo worker --loglevel INFO

beat: install
	$(BIN)/celery -A eldo beat --loglevel INFO --schedule var/celerybeat-schedule

# Performance benchmark on PostgreSQL + Redis (127.0.0.1) with gunicorn as in the image:
# throwaway database per dataset, wrk, in-process server time; see bench/README.md.
# 1x takes about 8 minutes on 2 cores; `make bench BENCH_DATASETS="1x 10x"` for both.
BENCH_DATASETS ?= 1x
# Then lead dispatch with a real worker (bench/leads_dispatch.py, < 2 minutes); BENCH_LEADS=0
# skips it, `make bench-leads` runs it alone.
BENCH_LEADS ?= 1

bench: install
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/run.py --datasets "$(BENCH_DATASETS)" $(BENCH_ARGS)
	if [ "$(BENCH_LEADS)" = "1" ]; then $(BIN)/python bench/leads_dispatch.py; fi

# Mixed read/write load: 60 s at 64 connections against gunicorn with production settings
# and throttles; fails on any 5xx or unintended 429 (bench/README.md, docs/reliability.md).
# Its own database eldo_bench_load and Redis database 8; about 3 minutes with the data load.
load: install
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/load_mixed.py $(LOAD_ARGS)

bench-leads: install
	$(BIN)/python bench/leads_dispatch.py $(BENCH_LEADS_ARGS)

# Query understanding on bench/search_queries.csv: report in bench/results/search-quality.md.
bench-search: install
	$(BIN)/python bench/search_quality.py

# The full stack in containers (needs Docker with Compose v2): Kong on http://localhost:8000,
# Mailpit on http://localhost:8025. See deploy/compose.yaml and docs/deploy.md.
COMPOSE := docker compose -f deploy/compose.yaml

up: deploy/.env
	$(COMPOSE) up --build --detach --wait

# The stack's own JWT signing key (EC P-256, kid "compose"), made once; compose reads
# deploy/.env for JWT_PRIVATE_KEYS. Delete the file to get a new key (every token ends).
deploy/.env:
	umask 077 && printf "JWT_PRIVATE_KEYS='{\"compose\": \"%s\"}'\n" \
	  "$$(openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	      | awk '{printf "%s\\n", $$0}')" > $@
	printf "FACADES_TOKEN=%s\n" "$$(openssl rand -hex 32)" >> $@

# The same stack with reviews as its own service (profile carved, docs/deploy.md "Carve out
# a context"): the monolith calls it over HTTP, events go through RabbitMQ.
up-carved: deploy/.env deploy/kong/kong-carved.yml
	grep -q '^FACADES_TOKEN=' deploy/.env || \
	  printf "FACADES_TOKEN=%s\n" "$$(openssl rand -hex 32)" >> deploy/.env
	REVIEWS_SERVICE_URL=http://reviews-web:8000 EVENTS_TRANSPORT=rabbitmq \
	  KONG_TABLE_FILE=kong-carved.yml $(COMPOSE) --profile carved up --build --detach --wait

# Kong's table for the carved stack: kong.yml with the reviews service at reviews-web.
deploy/kong/kong-carved.yml: deploy/kong/kong.yml
	{ echo "$(KONG_CARVED_HEADER)"; \
	  sed '/^  - name: reviews$$/{n;s|http://web:8000|http://reviews-web:8000|;}' $<; } > $@
KONG_CARVED_HEADER := \# Generated from kong.yml by make deploy/kong/kong-carved.yml: do not edit.

down:
	$(COMPOSE) --profile carved down

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
