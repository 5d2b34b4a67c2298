"""Where Cost Management exports are read from: a container of an Azure Storage account.

:class:`BlobSource` implements core's source protocol (``open_finops.api.BillingSource``) with the real
``azure-storage-blob`` client: list the blobs under a prefix, read a manifest whole, resolve a manifest's
``blobName`` to a blob of this container, and download a data file to a scratch copy. It connects with a
connection string, or with an account URL (a SAS in its query, else ``azure-identity``'s
DefaultAzureCredential, imported only then). Every failure becomes one SourceError line naming the
container or blob and what to check; no secret of the connection string is ever in it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from open_finops.api import ObjectInfo, SourceError, UsageError, check_key, disk_full, mask_secrets, plain_key

CONNECT_TIMEOUT = 5
READ_TIMEOUT = 60
RETRIES = 3


def scratch_name(key: str) -> str:
    """A scratch file's name: a hash of the key (a blob name may be 1,024 characters), its suffix kept."""
    suffixes = [s for s in PurePosixPath(key).suffixes[-2:] if len(s) <= 16 and s[1:].isalnum()]
    return hashlib.sha256(key.encode()).hexdigest()[:32] + "".join(suffixes) + ".part"


def _endpoint(account_url: str | None, connection_string: str | None) -> str:
    """Where we connect, for messages: the account URL without its query (a SAS), or the connection
    string's blob endpoint or account name, never its key."""
    if account_url:
        return account_url.split("?", 1)[0]
    fields = dict(part.split("=", 1) for part in (connection_string or "").split(";") if "=" in part)
    if fields.get("BlobEndpoint"):
        return fields["BlobEndpoint"]
    if fields.get("AccountName"):
        return f"account {fields['AccountName']}"
    return "the connection string's account"


class BlobSource:
    """A container of an Azure Storage account (or Azurite), through the azure-storage-blob client."""

    def __init__(self, container: str, *, account_url: str | None = None, connection_string: str | None = None,
                 credential: Any = None) -> None:
        from azure.storage.blob import BlobServiceClient

        if not container:
            raise UsageError("no container given; pass --container/-C, set [azure] container, or use --from-dir")
        self.container = container
        endpoint = _endpoint(account_url, connection_string)
        self.description = f"container {container!r} at {mask_secrets(endpoint)}"
        options = {"connection_timeout": CONNECT_TIMEOUT, "read_timeout": READ_TIMEOUT, "retry_total": RETRIES}
        try:
            if connection_string:
                service = BlobServiceClient.from_connection_string(connection_string, **options)
            elif account_url:
                if credential is None and "sig=" not in account_url:
                    from azure.identity import DefaultAzureCredential

                    credential = DefaultAzureCredential()
                service = BlobServiceClient(account_url, credential=credential, **options)
            else:
                raise UsageError("no storage account given; pass --account-url or --connection-string")
        except ValueError:
            # The SDK's message may quote the string; ours names the setting instead.
            raise UsageError("the connection string is not a valid Azure Storage connection string; copy it "
                             "again from the storage account's Access keys (--connection-string or "
                             "AZURE_STORAGE_CONNECTION_STRING)") from None
        self.client = service.get_container_client(container)

    def _error(self, exc: Exception, what: str) -> SourceError:
        from azure.core.exceptions import (
            ClientAuthenticationError,
            HttpResponseError,
            ResourceNotFoundError,
            ServiceRequestError,
            ServiceResponseError,
        )

        full = disk_full(exc)
        if full is not None:
            return full
        code = str(getattr(exc, "error_code", "") or "")
        status = getattr(exc, "status_code", None)
        if isinstance(exc, ResourceNotFoundError) or status == 404:
            if code == "ContainerNotFound":
                return SourceError(f"container {self.container!r} does not exist in {self.description}; "
                                   "check --container and the account")
            return SourceError(f"{what} does not exist in {self.description}; the export may be incomplete or "
                               "still being written")
        if isinstance(exc, ClientAuthenticationError) or status == 403:
            return SourceError(f"access denied to {what} in {self.description} ({code or status or 'no token'}); "
                               "check the account key or SAS, or that the identity holds the Storage Blob Data "
                               "Reader role")
        if isinstance(exc, ServiceRequestError | ServiceResponseError):
            return SourceError(f"cannot reach {self.description}; check --account-url (or the connection string's "
                               "endpoint) and the network")
        if isinstance(exc, HttpResponseError):
            return SourceError(f"Azure Storage error {code or status} on {what} in {self.description}")
        return SourceError(mask_secrets(f"reading {what} from {self.description} failed: "
                                        f"{type(exc).__name__}: {exc}"))

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        from azure.core.exceptions import AzureError

        try:
            for blob in self.client.list_blobs(name_starts_with=prefix or None):
                yield ObjectInfo(blob.name, int(blob.size or 0), blob.last_modified.timestamp())
        except AzureError as exc:
            raise self._error(exc, f"prefix {prefix!r}") from None

    def data_key(self, uri: str) -> str:
        """A manifest's ``blobName`` -> the blob's name in this container, exactly as written (blob names
        are literal). A URI of another scheme or store is refused, never read from this container."""
        return plain_key(uri, f"azure://{self.container}")

    def read(self, key: str) -> bytes:
        from azure.core.exceptions import AzureError

        try:
            return self.client.download_blob(check_key(key)).readall()
        except AzureError as exc:
            raise self._error(exc, key) from None

    def local_copy(self, key: str, scratch: Path, on_bytes=None) -> tuple[Path, bool]:
        """Download a data file to a scratch file, chunk by chunk (memory bounded by the chunk size)."""
        from azure.core.exceptions import AzureError

        scratch.mkdir(parents=True, exist_ok=True)
        target = scratch / scratch_name(check_key(key))
        try:
            downloader = self.client.download_blob(key, max_concurrency=2)
            with open(target, "wb") as out:
                for chunk in downloader.chunks():
                    out.write(chunk)
                    if on_bytes is not None:
                        on_bytes(len(chunk))
        except (AzureError, OSError) as exc:
            target.unlink(missing_ok=True)
            raise (disk_full(exc, target) or self._error(exc, f"data file {key}")) from None
        return target, True
