"""Media in two kinds (docs/decisions/0010-media-public-and-private.md).

- Public: product images and thumbnails, `STORAGES["public"]`. Stable, unsigned URLs under a
  public domain, because storefronts, caches and outside channels keep them for as long as the
  listing lives.
- Private: everything else (customs documents, inquiry attachments, inspection photos, import
  files), `STORAGES["default"]`. Every URL is signed and expires within
  MEDIA_PRIVATE_URL_SECONDS; only views that scope their objects to the caller hand one out.

On S3 both are `S3MediaStorage` in one bucket; a bucket policy makes `products/*` readable
anonymously and nothing else. Without a bucket, files stay under VAR_DIR and the app serves them:
public ones at MEDIA_URL, private ones at `private-media/` only with a valid, unexpired signature.
"""

import mimetypes
from functools import cached_property
from urllib.parse import urlencode

import botocore
from botocore.config import Config
from django.conf import settings
from django.core import signing
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import FileResponse, Http404
from django.utils.functional import LazyObject, empty
from django.views.decorators.http import require_safe
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from core.errors import InvalidInput

_SIGNER_SALT = "core.media.private"

# The first bytes of each document type accepted for uploads (inquiry attachments, seller
# documents): the client's content type and file name are not trusted.
DOCUMENT_SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


def document_check(upload, *, attr: str, max_bytes: int) -> str:
    """The upload's content type read from its first bytes (PDF, PNG or JPEG), or InvalidInput
    naming `attr` when it is empty, too large or of another type."""
    if upload.size > max_bytes:
        raise InvalidInput(f"The file is larger than {max_bytes // 1024} KiB.", attr=attr)
    if upload.size == 0:
        raise InvalidInput("The file is empty.", attr=attr)
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for content_type, signatures in DOCUMENT_SIGNATURES.items():
        if any(head.startswith(signature) for signature in signatures):
            return content_type
    raise InvalidInput("Upload a PDF, PNG or JPEG file.", attr=attr)


class S3MediaStorage(S3Storage):
    """django-storages' S3Storage whose URLs may name another endpoint than the one the app
    uploads to (`url_endpoint`): in docker compose the app reaches MinIO as http://minio:9000,
    a name only the compose network resolves, while clients reach the same bucket through the
    proxy. A signature covers the host, so it is computed for the endpoint clients will use."""

    def get_default_settings(self):
        return {**super().get_default_settings(), "url_endpoint": None}

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_url_client", None)  # a boto3 client does not pickle; it is made again on use
        return state

    @cached_property
    def _url_client(self):
        # boto3 clients are thread-safe; signing is local (no request to the store).
        config = self.client_config.merge(Config(s3={"addressing_style": "path"}))
        if not self.querystring_auth:
            config = config.merge(Config(signature_version=botocore.UNSIGNED))
        return self._create_session().client(
            "s3", region_name=self.region_name, endpoint_url=self.url_endpoint, config=config
        )

    def url(self, name, parameters=None, expire=None, http_method=None):
        if self.custom_domain or not self.url_endpoint:
            return super().url(name, parameters, expire, http_method)
        params = {**(parameters or {}), "Bucket": self.bucket_name, "Key": self._normalize_name(clean_name(name))}
        return self._url_client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=expire or self.querystring_expire, HttpMethod=http_method
        )


class SignedFileSystemStorage(FileSystemStorage):
    """Private media on the local filesystem: URLs carry a signature that `private_media`
    checks, and expire like S3's signed URLs."""

    def url(self, name):
        _, stamp, signature = signing.TimestampSigner(salt=_SIGNER_SALT).sign(name).rsplit(":", 2)
        return f"{super().url(name)}?{urlencode({'t': stamp, 's': signature})}"


class _PublicStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages["public"]


public_media_storage = _PublicStorage()


def public_storage():
    """For `FileField(storage=public_storage)`: a callable, so migrations record its path rather
    than a storage instance; it returns a lazy object so STORAGES changed later (tests) are followed."""
    return public_media_storage


@receiver(setting_changed)
def public_storage_reset(*, setting, **kwargs):
    # What Django does for default_storage when STORAGES changes (django.test.signals).
    if setting == "STORAGES":
        public_media_storage._wrapped = empty


def _serve(storage, name: str, cache_control: str) -> FileResponse:
    if not isinstance(storage, FileSystemStorage) or not storage.exists(name):
        raise Http404("No such file.")
    content_type, _ = mimetypes.guess_type(name)
    response = FileResponse(storage.open(name), content_type=content_type or "application/octet-stream")
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def public_media(request, name: str):
    """Product images when they are on the local filesystem (no bucket), with DEBUG on or off."""
    return _serve(storages["public"], name, "public, max-age=86400")


@require_safe
def private_media(request, name: str):
    """A private file on the local filesystem, for whoever holds an unexpired signed URL."""
    value = f"{name}:{request.GET.get('t', '')}:{request.GET.get('s', '')}"
    try:
        signing.TimestampSigner(salt=_SIGNER_SALT).unsign(value, max_age=settings.MEDIA_PRIVATE_URL_SECONDS)
    except signing.BadSignature as error:  # SignatureExpired is one
        raise Http404("No such file.") from error
    return _serve(storages["default"], name, "private, no-store")
