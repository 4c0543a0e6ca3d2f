"""Request bodies are bounded: a body larger than its route's limit is answered 413
before a byte of it is read (nothing spooled to /tmp), whether it declares its length or
comes chunked."""

from __future__ import annotations

import io
import time

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


class Untouchable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    reads = 0

    def readable(self):
        return True

    def read(self, size=-1):
        Untouchable.reads += 1
        raise AssertionError("the body was read")

    readline = readinto = read


class Endless(io.RawIOBase):
    """A chunked body that never ends: counts what was read."""

    def __init__(self):
        self.served = 0

    def readable(self):
        return True

    def read(self, size=-1):
        size = 64 * 1024 if size is None or size < 0 else size
        self.served += size
        return b"x" * size


def _post(path, *, content_type, length=None, stream=None, chunked=False):
    extra = {"wsgi.input": stream or Untouchable(), "CONTENT_TYPE": content_type}
    if length is not None:
        extra["CONTENT_LENGTH"] = str(length)
    if chunked:
        extra["HTTP_TRANSFER_ENCODING"] = "chunked"
    return Client().generic("POST", path, b"", **extra)


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/v1/reviews/", "multipart/form-data; boundary=x"),
        ("/api/v1/quotes/", "application/json"),
        ("/connexion/", "application/x-www-form-urlencoded"),
    ],
)
def test_a_200_mb_body_is_refused_in_under_a_second_without_being_read(
    path, content_type, tmp_path, settings
):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    Untouchable.reads = 0
    started = time.monotonic()

    response = _post(path, content_type=content_type, length=200 * MB)

    assert response.status_code == 413
    assert time.monotonic() - started < 1
    assert Untouchable.reads == 0
    assert list(tmp_path.iterdir()) == []
    if path.startswith("/api/"):
        assert "volumineuse" in response.json()["detail"]


def test_limits_per_kind_of_body(settings):
    assert (
        _post("/api/v1/quotes/", content_type="application/json", length=MB + 1).status_code == 413
    )
    # 12 MB of photos is allowed through to the view (which checks the form).
    under = _post(
        "/api/v1/reviews/",
        content_type="multipart/form-data; boundary=x",
        length=12 * MB,
        stream=io.BytesIO(b"--x--\r\n"),
    )
    assert under.status_code != 413
    over = _post(
        "/api/v1/reviews/", content_type="multipart/form-data; boundary=x", length=12 * MB + 1
    )
    assert over.status_code == 413


def test_a_chunked_body_is_read_only_up_to_the_limit():
    endless = Endless()

    response = _post(
        "/api/v1/quotes/", content_type="application/json", stream=endless, chunked=True
    )

    assert response.status_code == 413
    assert endless.served <= MB + 64 * 1024


def test_a_small_chunked_body_still_reaches_the_view():
    body = io.BytesIO(b'{"not": "a quote"}')

    response = _post("/api/v1/quotes/", content_type="application/json", stream=body, chunked=True)

    assert response.status_code == 400  # parsed and refused field by field, not 413


def test_django_s_own_limits_are_set(settings):
    from django.conf import global_settings

    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.REQUEST_MAX_BODY_BYTES
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE != global_settings.FILE_UPLOAD_MAX_MEMORY_SIZE
