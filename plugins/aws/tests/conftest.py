"""Fixtures for the AWS plugin's tests: a real S3-compatible server (moto in server mode on 127.0.0.1),
a real PostgreSQL server started from the machine's binaries, and the finops CLI run in-process."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from open_finops.cli.app import main


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user config, no real AWS credentials or endpoints leak into a test."""
    for name in list(os.environ):
        if name.startswith(("OPEN_FINOPS_", "AWS_", "DESTINATION__")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.chdir(tmp_path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint: str):
    import boto3

    return boto3.client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing-secret",
    )


@pytest.fixture
def bucket(s3) -> str:
    name = f"cur-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def finops(capsys: pytest.CaptureFixture[str]):
    """Run the real ``finops`` command line in-process; returns exit code, stdout, stderr."""

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def query(tmp_path: Path):
    """Query the DuckDB file of a data directory (read-only, as a user would)."""

    def run(sql: str, data_dir: Path | None = None, params: list | None = None) -> list[tuple]:
        import duckdb

        path = (data_dir or tmp_path / "data") / "finops.duckdb"
        con = duckdb.connect(str(path), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    return run


def _pg_bin() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on 127.0.0.1, started from the installed server binaries."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.fail("PostgreSQL server binaries not found; install them (apt-get install postgresql) — .ci/run does")
    root = Path(tempfile.mkdtemp(prefix="finops-pg-"))
    datadir = root / "data"
    port = _free_port()
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        os.chmod(root, 0o777)
        prefix = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(datadir), "-U", "finops", "-A", "trust"],
                   check=True, capture_output=True)
    log = root / "pg.log"
    subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", str(datadir), "-l", str(log), "-w", "-o",
         f"-p {port} -h 127.0.0.1 -k {root}", "start"],
        check=True, capture_output=True,
    )
    try:
        # dlt insists on a password in the credentials; the cluster trusts local connections anyway.
        url = f"postgresql://finops:finops@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + 30
        while True:
            try:
                import psycopg2

                psycopg2.connect(url).close()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
