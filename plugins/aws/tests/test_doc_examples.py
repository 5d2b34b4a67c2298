"""Every command example in the README and docs/cli.md runs, as written, against a sample database.

tests/test_doc_commands.py checks that each documented line names real commands and options; this
runs them. Each shell block's lines run in bash, in document order, in a folder where `./finops aws
demo` has been run and FOCUS built (the README's first step), with `finops` and `./finops` being this
environment's command line and S3 being moto's server holding the exports the examples name. A line
that exits non-zero, or prints an error, fails its document's test.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from open_finops_aws.sample import generate_sample, upload

CHECKOUT = Path(__file__).resolve().parents[3]
DOCUMENTS = ["README.md", "docs/cli.md"]
SHELL_BLOCK = re.compile(r"^```(?:bash|sh|shell)\n(.*?)^```", re.MULTILINE | re.DOTALL)
OURS = re.compile(r"(^|\|\s*)(\./)?finops\s")
# The S3 exports the examples import: (bucket, prefix, export name).
EXPORTS = [("my-billing", "cur", "daily-cur"), ("my-billing-bucket", "cur", "my-export")]


def examples(document: str) -> list[str]:
    """The shell lines of a document's code blocks that run finops, a quoted argument's lines joined."""
    found = []
    for block in SHELL_BLOCK.findall((CHECKOUT / document).read_text()):
        pending = ""
        for line in block.splitlines():
            pending = f"{pending} {line.strip()}".strip() if pending else line.strip()
            if pending.count('"') % 2 or pending.count("'") % 2:
                continue
            if OURS.search(pending):
                found.append(pending)
            pending = ""
    return found


def shell_env(bin_dir: Path, s3_endpoint: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("OPEN_FINOPS_", "AWS_", "DESTINATION__"))}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", OPEN_FINOPS_AWS_ENDPOINT_URL=s3_endpoint,
               AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing-secret", AWS_DEFAULT_REGION="us-east-1",
               COLUMNS="120")
    return env


def finops_shim(path: Path) -> None:
    path.write_text(f'#!/bin/sh\nexec {sys.executable} -m open_finops "$@"\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory, s3_endpoint: str) -> Path:
    """A folder after the README's first step, `./finops aws demo`, with FOCUS built from it."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing-secret")
    for bucket, prefix, name in EXPORTS:
        s3.create_bucket(Bucket=bucket)
        sample = generate_sample(tmp_path_factory.mktemp("export"), export_name=name, prefix=prefix, bucket=bucket,
                                 periods=("2024-01",), rows_per_period=200)
        upload(sample.root, bucket, s3)
    folder = tmp_path_factory.mktemp("demo")
    bin_dir = tmp_path_factory.mktemp("bin")
    finops_shim(bin_dir / "finops")
    env = shell_env(bin_dir, s3_endpoint)
    for args in (["aws", "demo", "--rows-per-month", "500"], ["focus", "build"]):
        done = subprocess.run(["finops", *args], cwd=folder, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    return folder


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_command_example_of_a_document_runs(document: str, demo_folder: Path, s3_endpoint: str,
                                                  tmp_path: Path) -> None:
    lines = examples(document)
    assert lines, f"{document} has no finops examples to run"
    folder = tmp_path / "work"
    shutil.copytree(demo_folder, folder)
    finops_shim(folder / "finops")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    finops_shim(bin_dir / "finops")
    env = shell_env(bin_dir, s3_endpoint)
    for line in lines:
        done = subprocess.run(["bash", "-o", "pipefail", "-c", line], cwd=folder, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, f"{document}: `{line}` exited {done.returncode}: {done.stderr.strip()}"
        assert "Error:" not in done.stderr, f"{document}: `{line}` printed {done.stderr.strip()}"


def test_the_examples_include_the_query_the_readme_promises() -> None:
    # After the demo, a query a person can write by guessing the names answers cost by service by month.
    readme = examples("README.md")
    assert any("finops query" in line and "aws_cur.demo_cur_v1_unified" in line and "product" in line
               for line in readme)
