"""/metrics under gunicorn with several workers, as the image runs it (deploy/entrypoint.sh).

Each worker process has its own counters; prometheus_client's multiprocess mode, set up by
deploy/gunicorn.conf.py, makes any worker's /metrics answer for all of them.
"""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.support import REPO_ROOT, production_env
from tests.deploy.test_gunicorn import START_TIMEOUT, STOP_TIMEOUT, _wait_for
from tests.parallel import free_port

ENTRYPOINT = REPO_ROOT / "deploy" / "entrypoint.sh"
REQUESTS = 48
RESPONSES = "django_http_responses_total_by_status_view_method"


def _get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
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


def _healthz_counts_per_process(directory) -> dict[str, float]:
    """healthz 200s recorded by each process, read from its own samples file."""
    counts: dict[str, float] = {}
    for path in directory.glob("counter_*.db"):
        total = 0.0
        for key, value, *_ in MmapedDict.read_all_values_from_file(str(path)):
            _metric, name, labels, *_ = json.loads(key)
            if name.startswith(RESPONSES) and labels.get("view") == "healthz":
                total += value if labels.get("status") == "200" else 0
        counts[path.stem.removeprefix("counter_")] = total
    return counts


def _serve_until_two_workers_answered(port: int, metrics_dir) -> dict[str, float]:
    """Rounds of concurrent /healthz until at least two workers have served one.

    Which worker accepts a connection is the kernel's choice: a fast answer lets one worker
    take a whole round, so the test waits on the condition (bounded), not on a request count.
    """
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(lambda _: _get(port, "/healthz")[0], range(REQUESTS)))
        assert statuses == [200] * REQUESTS
        per_worker = _healthz_counts_per_process(metrics_dir)
        if len([n for n in per_worker.values() if n]) >= 2:
            return per_worker
        assert time.monotonic() < deadline, f"one worker served every request: {per_worker}"


def test_metrics_aggregate_every_gunicorn_worker(tmp_path):
    port = free_port()
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
        per_worker = _serve_until_two_workers_answered(port, metrics_dir)

        # Any worker's /metrics answers for all of them: one series, the sum of the files.
        for _ in range(3):
            status, body = _get(port, "/metrics")
            assert status == 200
            counts = [
                sample.value
                for family in text_string_to_metric_families(body.decode())
                for sample in family.samples
                if sample.name == RESPONSES + "_total"
                and sample.labels.get("view") == "healthz"
                and sample.labels.get("status") == "200"
            ]
            assert counts == [sum(per_worker.values())]
            assert counts[0] >= REQUESTS
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
