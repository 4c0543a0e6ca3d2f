"""/metrics under gunicorn with several workers, as the image runs it (deploy/entrypoint.sh).

Each worker process has its own counters; prometheus_client's multiprocess mode, set up by
deploy/gunicorn.conf.py, makes any worker's /metrics answer for all of them.
"""

from __future__ import annotations

import http.client
import signal
import subprocess

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.support import REPO_ROOT, production_env
from tests.deploy.test_gunicorn import START_TIMEOUT, STOP_TIMEOUT, _free_port, _wait_for

ENTRYPOINT = REPO_ROOT / "deploy" / "entrypoint.sh"
REQUESTS = 24


def _get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _answers(port: int) -> bool:
    try:
        return _get(port, "/healthz")[0] == 200
    except OSError:
        return False


def test_metrics_aggregate_every_gunicorn_worker(tmp_path):
    port = _free_port()
    metrics_dir = tmp_path / "prometheus"
    env = production_env(
        tmp_path,
        PORT=str(port),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        GUNICORN_WORKERS="3",
        GUNICORN_THREADS="1",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    out = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        ["sh", str(ENTRYPOINT), "web"], cwd=REPO_ROOT, env=env, stdout=out, stderr=out
    )
    try:
        _wait_for(lambda: _answers(port), timeout=START_TIMEOUT, process=process, what="/healthz")
        for _ in range(REQUESTS):
            assert _get(port, "/healthz")[0] == 200
        # Every worker has served and written its own file by now.
        _wait_for(
            lambda: len({p.name.rsplit("_", 1)[-1] for p in metrics_dir.glob("*.db")}) >= 2,
            timeout=START_TIMEOUT,
            process=process,
            what="samples from two workers",
        )
        status, body = _get(port, "/metrics")
        assert status == 200
        counts = [
            sample.value
            for family in text_string_to_metric_families(body.decode())
            for sample in family.samples
            if sample.name == "django_http_responses_total_by_status_view_method_total"
            and sample.labels.get("view") == "healthz"
            and sample.labels.get("status") == "200"
        ]
        # One aggregated series, whichever worker answered: the probes before these
        # requests are counted too.
        assert len(counts) == 1
        assert counts[0] >= REQUESTS + 1
    except BaseException:
        print((tmp_path / "gunicorn.log").read_text())
        raise
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                pytest.fail("gunicorn ignored SIGTERM")
        out.close()
    assert not metrics_dir.exists(), "the master removes its samples when it exits"
