"""What a web worker holds once it has started: the project's settings, its URLs and the
WSGI application, in production mode, in a fresh interpreter.

A worker's memory budget is 150 MiB (bench/README.md). Libraries that only a rare
request needs are imported by that request, not by every worker: fpdf2 (and the fontTools
it brings, ~40 MiB) for the printable review flyer, qrcode for the review link's codes,
pydantic (~7 MiB) for the facades over HTTP, which a monolith's worker never answers.
"""

from __future__ import annotations

import json
import sys

from tests.deploy.support import REPO_ROOT, production_env, run

PROBE = """
import json, sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns
from eldo.wsgi import application
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""

# Imported by the request that needs them (apps.reviews.permanent_link,
# apps.core.facade_urls).
NOT_AT_START = {"fpdf", "fontTools", "qrcode", "pydantic"}


def test_a_worker_starts_without_the_libraries_of_rare_requests(tmp_path):
    result = run([sys.executable, "-c", PROBE], env=production_env(tmp_path), cwd=REPO_ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "django" in loaded and "rest_framework" in loaded  # the probe did load the project
    assert loaded & NOT_AT_START == set()
