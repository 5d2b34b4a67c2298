"""Fixtures of the hello plugin's tests: a clean environment, and the command line built from the plugin."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hello_support import Ran, registry

from open_finops.cli.app import build_app, run


@pytest.fixture(autouse=True)
def dlt_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Core's runner points dlt at the data directory through os.environ; restore it afterwards."""
    for name in ("DLT_DATA_DIR", "RUNTIME__DLTHUB_TELEMETRY", "RUNTIME__LOG_LEVEL", "OPEN_FINOPS_CONFIG"):
        monkeypatch.setenv(name, "recorded so that teardown restores it")
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def finops(capsys: pytest.CaptureFixture[str]) -> Callable[..., Ran]:
    """Run ``finops ARGS...`` in this process, as ``main`` does, with only the hello plugin installed."""

    def invoke(*argv: str) -> Ran:
        capsys.readouterr()
        code = run(build_app(registry()), list(argv))
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return invoke
