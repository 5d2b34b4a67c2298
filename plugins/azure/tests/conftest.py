"""Fixtures of the Azure plugin's tests: Azurite, Microsoft's Blob Storage emulator, run on 127.0.0.1.

Azurite is the npm package ``azurite``: .ci/run installs it into ``plugins/azure/.node`` (``npm install
--prefix plugins/azure/.node azurite``); ``AZURITE_BLOB`` may name another ``azurite-blob``. The tests start
it on a free port, as the aws tests start moto, and talk to it with the real azure-storage-blob client.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

PLUGIN = Path(__file__).resolve().parents[1]
ACCOUNT = "devstoreaccount1"
# Azurite's published development key (the same in every Azurite), not a secret.
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def azurite_blob() -> str:
    for candidate in (os.environ.get("AZURITE_BLOB"), PLUGIN / ".node" / "node_modules" / ".bin" / "azurite-blob",
                      shutil.which("azurite-blob")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    pytest.fail("azurite-blob is not installed: run 'npm install --prefix plugins/azure/.node azurite' "
                "(.ci/run does) or set AZURITE_BLOB")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Azurite:
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/{ACCOUNT}"

    def connection_string(self, key: str = KEY) -> str:
        return (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={key};"
                f"BlobEndpoint={self.endpoint};")

    def upload(self, container: str, root: Path) -> None:
        """Put every file under ``root`` into ``container`` (created), keyed by its relative path."""
        from azure.storage.blob import BlobServiceClient

        client = BlobServiceClient.from_connection_string(self.connection_string()).get_container_client(container)
        if not client.exists():
            client.create_container()
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            with open(path, "rb") as fh:
                client.upload_blob(path.relative_to(root).as_posix(), fh, overwrite=True)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    port = free_port()
    location = tmp_path_factory.mktemp("azurite")
    process = subprocess.Popen(
        [azurite_blob(), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(location),
         "--silent", "--skipApiVersionCheck", "--loose"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = process.stderr.read().decode() if process.stderr else ""
                    pytest.fail(f"Azurite did not start on port {port}: {err}")
                time.sleep(0.2)
        yield Azurite(port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
