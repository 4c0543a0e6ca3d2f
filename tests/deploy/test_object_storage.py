"""Uploads: the local filesystem in embedded mode, S3-compatible object storage (django-storages
with boto3) when MEDIA_STORAGE=s3, as compose (MinIO) and the chart's environments run them;
and every volume an environment still claims names a storage class its cluster offers.
"""

from __future__ import annotations

import json

import pytest

from tests.deploy.support import (
    CHART_DIR,
    deep_merge,
    load_yaml,
    production_env,
    render_chart,
    run,
)

S3_ENV = {
    "MEDIA_STORAGE": "s3",
    "MEDIA_S3_BUCKET": "eldo-test-media",
    "MEDIA_S3_PRIVATE_BUCKET": "eldo-test-private",
    "MEDIA_S3_ENDPOINT_URL": "http://minio:9000",
    "MEDIA_S3_REGION": "us-east-1",
}

_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
default_storage = storages["default"]
out = {
    "default": type(default_storage).__module__ + "." + type(default_storage).__name__,
    "private": type(storages["private"]).__module__ + "." + type(storages["private"]).__name__,
    "url": default_storage.url("pros/1/logo.png"),
}
try:
    storages["private"].url("proofs/x.pdf")
except ValueError:
    out["private_url"] = None
else:
    out["private_url"] = "a URL"
if out["default"].endswith("S3Storage") or "object_storage" in out["default"]:
    out["bucket"] = default_storage.bucket_name
    out["private_bucket"] = storages["private"].bucket_name
    out["endpoint"] = default_storage.endpoint_url
    out["querystring_auth"] = default_storage.querystring_auth
print(json.dumps(out))
"""


def _storages(tmp_path, **env):
    result = run(["python", "-c", _PROBE], env=production_env(tmp_path, **env))
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_mode_keeps_uploads_on_the_filesystem(tmp_path):
    found = _storages(tmp_path)
    assert found["default"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert found["private"] == "apps.core.private_storage.PrivateFileSystemStorage"
    assert found["url"] == "/media/pros/1/logo.png"
    assert found["private_url"] is None


def test_s3_mode_puts_uploads_in_two_buckets_with_same_origin_urls(tmp_path):
    found = _storages(tmp_path, **S3_ENV)
    assert found["default"] == "apps.core.object_storage.PublicMediaStorage"
    assert found["private"] == "apps.core.object_storage.PrivateMediaStorage"
    assert (found["bucket"], found["private_bucket"]) == ("eldo-test-media", "eldo-test-private")
    assert found["endpoint"] == "http://minio:9000"
    # Same origin as the pages (the CSP allows images from 'self'), no signed query string.
    assert found["url"] == "/media/pros/1/logo.png"
    assert found["querystring_auth"] is False
    assert found["private_url"] is None


@pytest.mark.parametrize("missing", ["MEDIA_S3_BUCKET", "MEDIA_S3_PRIVATE_BUCKET"])
def test_s3_mode_refuses_to_start_without_its_buckets(tmp_path, missing):
    env = production_env(tmp_path, **{**S3_ENV, missing: None})
    result = run(["python", "-c", "import django; django.setup()"], env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_an_unknown_storage_is_refused(tmp_path):
    env = production_env(tmp_path, MEDIA_STORAGE="nfs")
    result = run(["python", "-c", "import django; django.setup()"], env=env)
    assert result.returncode != 0 and "MEDIA_STORAGE" in result.stderr


# --- The chart's environments -------------------------------------------------------------


def _of_kind(manifests, kind):
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


@pytest.mark.parametrize("values_file", ["values-staging.yaml", "values-production.yaml"])
def test_environments_keep_uploads_in_their_buckets_not_on_shared_volumes(values_file):
    values = deep_merge(load_yaml(CHART_DIR / "values.yaml"), load_yaml(CHART_DIR / values_file))
    manifests = render_chart(values_file)
    storage = values["objectStorage"]
    config_maps = _of_kind(manifests, "ConfigMap")

    assert storage["enabled"]
    assert not _of_kind(manifests, "PersistentVolumeClaim")
    for name in ("eldo-web", "eldo-worker"):
        config = config_maps[name]["data"]
        assert config["MEDIA_STORAGE"] == "s3"
        assert config["MEDIA_S3_BUCKET"] == storage["bucket"]
        assert config["MEDIA_S3_PRIVATE_BUCKET"] == storage["privateBucket"]
        pod = _of_kind(manifests, "Deployment")[name]["spec"]["template"]["spec"]
        assert [v["name"] for v in pod["volumes"]] == ["tmp"]
    nginx = config_maps["eldo-media"]["data"]["default.conf"]
    assert f"{storage['bucket']}.s3.{storage['region']}.amazonaws.com" in nginx
    assert storage["privateBucket"] not in nginx
    assert "limit_except GET" in nginx and "nosniff" in nginx and "sandbox" in nginx
    media_pod = _of_kind(manifests, "Deployment")["eldo-media"]["spec"]["template"]["spec"]
    assert not any("persistentVolumeClaim" in v for v in media_pod["volumes"])


def test_a_path_style_endpoint_is_proxied_with_the_bucket_in_the_path():
    manifests = render_chart(
        None,
        {
            "objectStorage": {
                "enabled": True,
                "bucket": "media",
                "privateBucket": "private",
                "region": "us-east-1",
                "endpoint": "http://minio.minio.svc:9000",
            }
        },
    )
    nginx = _of_kind(manifests, "ConfigMap")["eldo-media"]["data"]["default.conf"]
    assert 'set $origin "http://minio.minio.svc:9000";' in nginx
    assert "rewrite ^/media/(.*)$ /media/$1 break;" in nginx
    assert "proxy_set_header Host minio.minio.svc:9000;" in nginx
