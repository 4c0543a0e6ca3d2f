"""Uploads on S3-compatible object storage (settings.MEDIA_STORAGE = "s3"): django-storages'
S3 backend (boto3), for production and compose (MinIO); the local filesystem otherwise.

- ``PublicMediaStorage``: the public uploads (pro photos, review photos, logos). Their URL
  is MEDIA_URL + name, same origin as the pages (the Content-Security-Policy allows images
  from 'self' only): the gateway's /media/ route reaches the media server, which reads the
  bucket (deploy/helm/eldo/files/media-nginx.conf).
- ``PrivateMediaStorage``: staff-only documents, in a bucket of their own that nothing
  serves; like the filesystem "private" storage, they have no URL at all.

Credentials come from boto3's own chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (MinIO,
k3s) or the pod's IAM role (EKS, IRSA).
"""

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class PublicMediaStorage(S3Storage):
    def url(self, name, parameters=None, expire=None, http_method=None):
        return settings.MEDIA_URL + filepath_to_uri(clean_name(name)).lstrip("/")


class PrivateMediaStorage(S3Storage):
    def url(self, name, parameters=None, expire=None, http_method=None):
        raise ValueError("private documents have no public URL")
