"""The top-level ``./finops`` launcher, run on a copy of it inside a small stand-in checkout.

The stand-in projects have the real layout (root, plugins/aws, plugins/azure, plugins/docker, plugins/report)
but no dependencies, so the launcher's own behaviour is what is measured: one virtual environment, made and
installed once and announced on stderr, reused after, installed again when a pyproject.toml changes, from any directory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]

STUB_MAIN = """
import json, os, sys
if sys.argv[1:] == ["fail"]:
    sys.exit(3)
print(json.dumps({"argv": sys.argv[1:], "cwd": os.getcwd(), "prefix": sys.prefix}))
"""


def stub_project(root: Path, distribution: str, package: str, main: str | None = None) -> None:
    (root / "src" / package).mkdir(parents=True)
    (root / "src" / package / "__init__.py").write_text("")
    if main:
        (root / "src" / package / "__main__.py").write_text(main)
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "{distribution}"\nversion = "0.0.1"\n\n'
        '[tool.setuptools.packages.find]\nwhere = ["src"]\n'
    )


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("checkout")
    shutil.copy2(CHECKOUT / "finops", root / "finops")
    stub_project(root, "open-finops", "open_finops", STUB_MAIN)
    stub_project(root / "plugins" / "aws", "open-finops-aws", "open_finops_aws")
    stub_project(root / "plugins" / "azure", "open-finops-azure", "open_finops_azure")
    stub_project(root / "plugins" / "docker", "open-finops-docker", "open_finops_docker")
    stub_project(root / "plugins" / "report", "open-finops-report", "open_finops_report")
    return root


def launch(launcher: Path, *args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OPEN_FINOPS_", "VIRTUAL_ENV"))}
    environ.update(env or {})
    return subprocess.run([str(launcher), *args], capture_output=True, text=True, cwd=cwd, env=environ,
                          timeout=600)


def test_first_run_installs_once_then_reuses_and_reinstalls_on_change(checkout: Path, tmp_path: Path) -> None:
    first = launch(checkout / "finops", "aws", "import-cur", "--json", cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == {
        "argv": ["aws", "import-cur", "--json"], "cwd": str(tmp_path), "prefix": str(checkout / ".venv"),
    }
    assert first.stderr.startswith(f"finops: first run: creating {checkout / '.venv'} with Python 3.")
    assert first.stderr.count("finops:") == 1

    again = launch(checkout / "finops", "--version", cwd=tmp_path)
    assert (again.returncode, again.stderr) == (0, "")
    assert json.loads(again.stdout)["argv"] == ["--version"]

    later = time.time() + 5
    os.utime(checkout / "plugins" / "aws" / "pyproject.toml", (later, later))
    changed = launch(checkout / "finops", "plugins", "list", cwd=tmp_path)
    assert changed.returncode == 0, changed.stderr
    assert changed.stderr.splitlines()[0] == (
        f"finops: a pyproject.toml changed: installing open-finops and its plugins into {checkout / '.venv'} again"
    )
    os.utime(checkout / ".venv" / ".open-finops-installed", (later + 1, later + 1))
    assert launch(checkout / "finops", "x", cwd=tmp_path).stderr == ""


def test_the_exit_code_is_the_commands(checkout: Path, tmp_path: Path) -> None:
    assert launch(checkout / "finops", "fail", cwd=tmp_path).returncode == 3


def test_a_symlink_to_the_launcher_runs_the_checkout(checkout: Path, tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "finops").symlink_to(checkout / "finops")
    ran = launch(tmp_path / "bin" / "finops", "hi", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["prefix"] == str(checkout / ".venv")


def test_without_python_3_11_it_says_what_it_needs(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    shutil.copy2(CHECKOUT / "finops", root / "finops")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "env", "dirname", "readlink"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    for old in ("python3", "python3.11"):
        (bin_dir / old).write_text("#!/bin/sh\nexit 1\n")  # fails the version check, like a Python 3.10
        (bin_dir / old).chmod(0o755)

    ran = launch(root / "finops", "--help", cwd=tmp_path, env={"PATH": str(bin_dir)})

    assert ran.returncode == 1
    assert ran.stderr == (
        "finops: needs Python 3.11 or newer (python3.11 or python3); set OPEN_FINOPS_PYTHON to its path\n"
    )
    assert not (root / ".venv").exists()
