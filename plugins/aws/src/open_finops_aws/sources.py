"""Where a CUR export is read from: an S3 bucket, or an S3-compatible store by endpoint.

:class:`S3Source` implements core's source protocol (``open_finops.api.BillingSource``): list objects
under a prefix, read a small object (a manifest) whole, resolve a manifest's data URI to a key of this
bucket (refusing any other bucket or scheme), and download a data file to a scratch copy. A
local copy of a bucket is read by core's ``LocalSource``. Every failure becomes a
:class:`~open_finops.errors.SourceError` that names the bucket or key and says what to check.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from open_finops.api import ObjectInfo, SourceError, UsageError, check_key, disk_full, mask_secrets, plain_key

CONNECT_TIMEOUT = 5
READ_TIMEOUT = 60
MAX_ATTEMPTS = 5


def scratch_name(key: str) -> str:
    """A scratch file's name: a hash of the key, so any key (an export name may fill S3's 1,024 bytes)
    fits the file system's 255, with the key's own suffix (``.csv.gz``) kept for whoever looks."""
    suffixes = [s for s in PurePosixPath(key).suffixes[-2:] if len(s) <= 16 and s[1:].isalnum()]
    return hashlib.sha256(key.encode()).hexdigest()[:32] + "".join(suffixes) + ".part"


class S3Source:
    """An S3 bucket through boto3's normal credential chain, or an S3-compatible store by endpoint."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        profile: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        session_token: str | None = None,
    ) -> None:
        import boto3
        import botocore.config
        from botocore.exceptions import BotoCoreError, ProfileNotFound

        if not bucket:
            raise UsageError("no bucket given; pass --bucket/-b, set [aws] bucket, or use --from-dir")
        self.bucket = bucket
        self.description = f"s3://{bucket}" + (f" at {mask_secrets(endpoint_url)}" if endpoint_url else "")
        config = botocore.config.Config(
            retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
        )
        try:
            session = boto3.session.Session(
                profile_name=profile, region_name=region, aws_access_key_id=access_key_id,
                aws_secret_access_key=secret_access_key, aws_session_token=session_token,
            )
            self.client = session.client("s3", endpoint_url=endpoint_url or None, config=config)
        except ProfileNotFound:
            raise UsageError(f"AWS profile {profile!r} is not configured; check --profile or ~/.aws/config") from None
        except (BotoCoreError, ValueError) as exc:
            raise UsageError(f"cannot set up the S3 client: {exc}") from None

    def _error(self, exc: Exception, what: str) -> SourceError:
        from botocore.exceptions import (
            ClientError,
            ConnectTimeoutError,
            EndpointConnectionError,
            NoCredentialsError,
            PartialCredentialsError,
        )

        full = disk_full(exc)
        if full is not None:  # the scratch copy did not fit
            return full
        if isinstance(exc, NoCredentialsError | PartialCredentialsError):
            return SourceError(
                "no AWS credentials found; configure them (aws configure, AWS_PROFILE, or "
                "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) or pass --profile"
            )
        if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
            return SourceError(
                f"cannot reach the S3 endpoint for {self.description}; check --endpoint-url and the network"
            )
        if isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code == "NoSuchBucket":
                return SourceError(f"bucket {self.bucket!r} does not exist; check --bucket and --region")
            if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled"):
                return SourceError(
                    f"access denied to {what} in {self.description} ({code}); check the credentials' "
                    "s3:ListBucket and s3:GetObject permissions"
                )
            if code in ("NoSuchKey", "404", "NotFound"):
                return SourceError(
                    f"{what} does not exist in {self.description}; the export may be incomplete or still "
                    "being written"
                )
            return SourceError(f"S3 error {code} on {what} in {self.description}")
        return SourceError(f"reading {what} from {self.description} failed: {type(exc).__name__}: {exc}")

    def _call(self, what: str, fn: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(Bucket=self.bucket, **kwargs)
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, what) from None

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        from botocore.exceptions import BotoCoreError, ClientError

        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    yield ObjectInfo(obj["Key"], int(obj["Size"]), obj["LastModified"].timestamp())
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, f"prefix {prefix!r}") from None

    def data_key(self, uri: str) -> str:
        """``s3://<this bucket>/key`` or a plain key -> the key, exactly as written: S3 keys are literal
        (``a//b`` is not ``a/b``). Another bucket or scheme is refused, never read from this bucket."""
        return plain_key(uri, f"s3://{self.bucket}")

    def read(self, key: str) -> bytes:
        response = self._call(key, self.client.get_object, Key=check_key(key))
        return response["Body"].read()

    def local_copy(self, key: str, scratch: Path, on_bytes=None) -> tuple[Path, bool]:
        """Download a data file to a scratch file and return its path (a temporary copy).

        Parsing a local copy means a connection that breaks halfway through a file costs a retry of
        that download (s3transfer retries the broken range), never rows read twice; Parquet needs the
        random access anyway.
        """
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import BotoCoreError, ClientError

        scratch.mkdir(parents=True, exist_ok=True)
        target = scratch / scratch_name(check_key(key))
        config = TransferConfig(max_concurrency=4, multipart_chunksize=16 * 1024 * 1024, num_download_attempts=5)
        try:
            self.client.download_file(self.bucket, key, str(target), Config=config, Callback=on_bytes)
        except (BotoCoreError, ClientError, OSError) as exc:
            target.unlink(missing_ok=True)
            raise (disk_full(exc, target) or self._error(exc, f"data file {key}")) from None
        return target, True
