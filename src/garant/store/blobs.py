"""Content-addressed storage for evidence files (DSP-1, DSP-3).

A blob's name is the SHA-256 of its bytes, so the same file uploaded twice is stored once,
and a stored blob is never overwritten: whatever sits under a name is, by construction, the
content that name was computed from. The database row says who uploaded what; the store only
keeps bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from garant.settings import Settings

_SHA256 = re.compile(r"[0-9a-f]{64}")


class BlobNotFound(LookupError):
    """No blob under this hash: the row and the store disagree (an operator's problem)."""


class BlobStore(Protocol):
    def put(self, sha256: str, data: bytes) -> None:
        """Store ``data`` under its hash; storing what is already there does nothing."""

    def get(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256``; BlobNotFound when there are none."""

    def exists(self, sha256: str) -> bool: ...


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checked(sha256: str) -> str:
    # The hash becomes a path or an object key: anything but 64 hex digits could walk out of
    # the store's root, so it is refused here rather than trusted from the caller.
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return sha256


def _verified(sha256: str, data: bytes) -> str:
    _checked(sha256)
    if sha256_of(data) != sha256:
        raise ValueError("the data does not hash to the name it is stored under")
    return sha256


class FilesystemBlobStore:
    """Blobs as files under ``root/ab/cd/<sha256>`` (two fan-out levels keep directories small)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        name = _checked(sha256)
        return self.root / name[:2] / name[2:4] / name

    def put(self, sha256: str, data: bytes) -> None:
        target = self.path(_verified(sha256, data))
        if target.exists():
            return  # same name, same bytes: never rewrite evidence already kept
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed into place, so a reader never sees half a
        # file and a crash leaves at most a stray temporary file. Two uploads of the same
        # content racing here write identical bytes, so whichever rename lands last is fine.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _fsync_dir(target.parent)

    def get(self, sha256: str) -> bytes:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable; not every platform lets a directory be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class S3BlobStore:
    """Blobs as objects ``<prefix><sha256>`` in a bucket of any S3-compatible store."""

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str = "",
        region: str = "us-east-1",
        access_key: str = "",
        secret_key: str = "",
        prefix: str = "",
        client: Any = None,
    ) -> None:
        if not bucket:
            raise ValueError("the S3 evidence store needs a bucket (GARANT_S3_BUCKET)")
        self.bucket = bucket
        self.prefix = prefix
        if client is None:
            # Imported here: installations storing evidence on disk never load boto3.
            import boto3

            # Empty settings mean "not given": boto3 then uses its own credential chain
            # (environment, instance role), which is what a cloud deployment wants.
            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url or None,
                region_name=region or None,
                aws_access_key_id=access_key or None,
                aws_secret_access_key=secret_key or None,
            )
        self.client = client

    def key(self, sha256: str) -> str:
        return f"{self.prefix}{_checked(sha256)}"

    def put(self, sha256: str, data: bytes) -> None:
        key = self.key(_verified(sha256, data))
        if self.exists(sha256):
            return
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data)

    def get(self, sha256: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))
        except Exception as exc:
            if _is_missing(exc):
                raise BlobNotFound(sha256) from None
            raise
        body: bytes = answer["Body"].read()
        return body

    def exists(self, sha256: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except Exception as exc:
            if _is_missing(exc):
                return False
            raise
        return True


def _is_missing(exc: Exception) -> bool:
    """botocore's ClientError for a missing key, told apart without importing botocore."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


def make_blob_store(settings: Settings) -> BlobStore:
    """The store ``GARANT_EVIDENCE_STORE`` names: ``file`` (default) or ``s3``."""
    kind = settings.evidence_store.strip().lower()
    if kind == "file":
        return FilesystemBlobStore(settings.evidence_dir)
    if kind == "s3":
        return S3BlobStore(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            prefix=settings.s3_prefix,
        )
    raise ValueError(
        f"unknown evidence store '{settings.evidence_store}'; "
        "set GARANT_EVIDENCE_STORE to 'file' or 's3'"
    )
