"""The "private" storage (settings.STORAGES): documents that only authorized staff see
(insurance certificates, proofs of experience). Outside MEDIA_ROOT and without any URL:
the files are served by views that check who asks."""

from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError("private documents have no public URL")
