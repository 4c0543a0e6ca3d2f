"""A process's copies of Redis keys (apps.core.nearcache): served without a round trip while
they hold, dropped by the very next lookup after any change, never kept when Redis cannot
say what changed.

Each test talks to a redis-server of its own module (both passes of the suite: the copies
need Redis, and stopping it must not disturb other tests)."""

from __future__ import annotations

import pytest
import redis

from apps.core import nearcache
from apps.core.nearcache import NearCopies
from tests.integration.support import PrivateRedis
from tests.parallel import free_port
from tests.waiting import wait_for

OPTIONS = {"socket_timeout": 1, "socket_connect_timeout": 1}


@pytest.fixture(scope="module")
def server():
    private = PrivateRedis(free_port())
    private.start()
    yield private
    private.stop()


@pytest.fixture
def writer(server):
    """Another process's connection: what it writes reaches the copies only through Redis."""
    client = redis.Redis.from_url(server.url)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def fetched(writer):
    return []


def _copies(server, writer, fetched, *, max_bytes=100_000, after_fetch=None) -> NearCopies:
    def fetch(keys):
        fetched.append(list(keys))
        values = writer.mget(keys)
        if after_fetch is not None:
            after_fetch()
        return values

    return NearCopies(server.url, OPTIONS, ["t:gen:", "t:page:"], fetch, max_bytes=max_bytes)


@pytest.fixture
def copies(server, writer, fetched):
    near = _copies(server, writer, fetched)
    yield near
    near.close()


def test_a_kept_value_is_served_again_without_asking_redis(copies, writer, fetched):
    writer.mset({"t:gen:a": b"1", "t:page:home": b"<html>"})
    keys = ["t:gen:a", "t:page:home", "t:gen:absent"]
    assert copies.get_many(keys) == {"t:gen:a": b"1", "t:page:home": b"<html>"}
    assert copies.get_many(keys) == {"t:gen:a": b"1", "t:page:home": b"<html>"}
    # The second lookup only asked for the key that does not exist (absence is not kept).
    assert fetched == [keys, ["t:gen:absent"]]


def test_a_write_elsewhere_is_seen_by_the_very_next_lookup(copies, writer):
    writer.set("t:gen:a", b"1")
    assert copies.get_many(["t:gen:a"]) == {"t:gen:a": b"1"}
    writer.set("t:gen:a", b"2")  # no wait: Redis pushes the change before replying
    assert copies.get_many(["t:gen:a"]) == {"t:gen:a": b"2"}
    writer.delete("t:gen:a")
    assert copies.get_many(["t:gen:a"]) == {}


def test_an_expired_key_is_not_served_from_its_copy(copies, writer):
    writer.set("t:page:home", b"<html>", px=50)
    assert copies.get_many(["t:page:home"]) == {"t:page:home": b"<html>"}
    assert wait_for(lambda: not writer.exists("t:page:home"), timeout=5, interval=0.02)
    assert copies.get_many(["t:page:home"]) == {}


def test_a_flush_drops_every_copy(copies, writer):
    writer.mset({"t:gen:a": b"1", "t:gen:b": b"2"})
    copies.get_many(["t:gen:a", "t:gen:b"])
    assert len(copies) == 2
    writer.flushdb()
    assert copies.get_many(["t:gen:a", "t:gen:b"]) == {}
    assert len(copies) == 0


def test_keys_outside_the_prefixes_are_always_read_from_redis(copies, writer, fetched):
    writer.set("t:throttle:1.2.3.4", b"7")
    copies.get_many(["t:throttle:1.2.3.4"])
    copies.get_many(["t:throttle:1.2.3.4"])
    assert len(fetched) == 2 and len(copies) == 0


def test_a_value_that_changed_while_it_was_read_is_not_kept(server, writer, fetched):
    """The write lands between Redis's answer and the copy: its push is read before the
    copy is made, and the old value is not kept."""
    writer.set("t:gen:a", b"1")
    near = _copies(server, writer, fetched, after_fetch=lambda: writer.set("t:gen:a", b"2"))
    try:
        assert near.get_many(["t:gen:a"]) == {"t:gen:a": b"1"}  # what Redis held when asked
        assert len(near) == 0
        assert near.get_many(["t:gen:a"]) == {"t:gen:a": b"2"}
    finally:
        near.close()


def test_copies_stay_within_their_bound_the_least_recently_used_going_first(
    server, writer, fetched
):
    page = b"x" * 1000
    writer.mset({f"t:page:{n}": page for n in range(10)})
    near = _copies(server, writer, fetched, max_bytes=3 * (1000 + nearcache.ENTRY_OVERHEAD_BYTES))
    try:
        for n in (0, 1, 2):
            near.get_many([f"t:page:{n}"])
        near.get_many(["t:page:0"])  # used again: 1 is now the least recently used
        near.get_many(["t:page:3"])
        assert len(near) == 3
        fetched.clear()
        near.get_many(["t:page:0", "t:page:2", "t:page:3"])
        assert fetched == []
        near.get_many(["t:page:1"])
        assert fetched == [["t:page:1"]]
    finally:
        near.close()


def test_copies_are_read_again_from_redis_after_their_longest_life(
    copies, writer, fetched, monkeypatch
):
    monkeypatch.setattr(nearcache, "MAX_AGE_SECONDS", 0)
    writer.set("t:gen:a", b"1")
    copies.get_many(["t:gen:a"])
    copies.get_many(["t:gen:a"])
    assert len(fetched) == 2


def test_without_the_tracking_connection_nothing_is_kept_until_it_is_back(
    copies, writer, fetched, monkeypatch
):
    monkeypatch.setattr(nearcache, "RECONNECT_SECONDS", 3600)
    writer.set("t:gen:a", b"1")
    copies.get_many(["t:gen:a"])
    # Every other connection closed, the tracking one included: the push of the next write
    # is lost, so the copies must not be trusted any more.
    writer.client_kill_filter(skipme=True)
    writer.set("t:gen:a", b"2")
    assert copies.get_many(["t:gen:a"]) == {"t:gen:a": b"2"}
    assert copies.get_many(["t:gen:a"]) == {"t:gen:a": b"2"}
    assert len(copies) == 0 and len(fetched) == 3

    monkeypatch.setattr(nearcache, "RECONNECT_SECONDS", 0)
    copies._retry_at = 0.0  # the retry is due: the next lookup tracks again
    copies.get_many(["t:gen:a"])
    fetched.clear()
    assert copies.get_many(["t:gen:a"]) == {"t:gen:a": b"2"}
    assert fetched == []


def test_with_redis_stopped_a_lookup_fails_like_a_read_and_keeps_nothing(
    writer, fetched, monkeypatch
):
    monkeypatch.setattr(nearcache, "RECONNECT_SECONDS", 0)
    own = PrivateRedis(free_port())
    own.start()
    client = redis.Redis.from_url(own.url, **OPTIONS)
    near = NearCopies(own.url, OPTIONS, ["t:gen:"], client.mget, max_bytes=100_000)
    try:
        client.set("t:gen:a", b"1")
        assert near.get_many(["t:gen:a"]) == {"t:gen:a": b"1"}
        own.stop()
        with pytest.raises(redis.ConnectionError):
            near.get_many(["t:gen:a"])
        assert len(near) == 0
        own.start()  # empty: nothing was saved
        assert near.get_many(["t:gen:a"]) == {}
    finally:
        near.close()
        own.stop()
