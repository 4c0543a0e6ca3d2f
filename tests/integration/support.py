"""Real services for the integration tests (CI's services pass): a private redis-server
(the test stops and restarts it), real Celery worker processes on the test database, and a
barrier telling when the worker has run everything it was sent."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import redis as redis_client
from django.db import connection

from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]


class PrivateRedis:
    """A redis-server of our own, so that the test can stop the broker and bring it back."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def listening() -> bool:
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", self.port)) == 0

        if not wait_for(listening, timeout=10, interval=0.05):
            raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def database_url() -> str:
    """The URL of this xdist worker's test database, for the worker processes."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def use_broker(url: str) -> None:
    from eldo.celery import app

    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


def start_celery_worker(env: dict, log_path: Path, *, pool=("--pool", "solo")) -> subprocess.Popen:
    log = open(log_path, "w")  # noqa: SIM115 (closed when the process is reaped)
    try:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "eldo",
                "worker",
                *pool,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    finally:
        log.close()  # the child holds its own descriptor


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_worker_idle(broker: PrivateRedis, timeout: float = 60) -> None:
    """The positive barrier before asserting that nothing (more) happened: the worker has run
    every task sent to it, and every task those tasks sent in turn.

    Idle means: no message waits in a queue or is held unacknowledged (tasks are acked late,
    so a running task's message is still held), and the worker answers a ping — a solo pool
    answers only between tasks — and after that answer the queues are still empty.
    """
    from eldo.celery import app

    client = redis_client.Redis(port=broker.port, socket_timeout=2)

    def nothing_pending() -> bool:
        # The default queue, and kombu's per-priority lists of it ("celery\x06\x163"...).
        queues = [b"celery", *client.scan_iter(match=b"celery\x06\x16*")]
        return sum(client.llen(q) for q in queues) == 0 and client.hlen("unacked") == 0

    def idle() -> bool:
        return nothing_pending() and bool(app.control.ping(timeout=1)) and nothing_pending()

    try:
        assert wait_for(idle, timeout=timeout, interval=0.2), "the worker never became idle"
    finally:
        client.close()
