"""Shared fixtures for the core tests.

Every test runs in its own empty working directory with no ``OPEN_FINOPS_*`` variable from the caller's
shell, so a developer's ``config.toml`` or environment cannot change a result.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from finops_support import INHERITED

from open_finops import plugins
from open_finops.cli.app import run
from open_finops.plugins import Registry


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith(INHERITED):
            monkeypatch.delenv(name)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture(autouse=True)
def no_current_registry() -> Iterator[None]:
    """Each test starts without the registry an earlier test built an app from."""
    plugins.set_current_registry(None)
    yield
    plugins.set_current_registry(None)


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run an app built with ``build_app`` the way ``main`` does, and capture what it printed."""
    from open_finops.cli.app import build_app

    def invoke(registry: Registry, *argv: str) -> CliResult:
        capsys.readouterr()
        code = run(build_app(registry), list(argv))
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return invoke


@dataclass
class FakeSite:
    """A folder on ``sys.path`` holding fake installed distributions with ``open_finops`` entry points."""

    path: Path
    modules: list[str]

    def add(
        self,
        distribution: str,
        entry_points: Mapping[str, str],
        modules: Mapping[str, str] | None = None,
        version: str = "1.0",
    ) -> None:
        info = self.path / f"{distribution.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n")
        lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
        (info / "entry_points.txt").write_text(f"[open_finops]\n{lines}")
        for module, source in (modules or {}).items():
            (self.path / f"{module}.py").write_text(source)
            self.modules.append(module)


@pytest.fixture
def fake_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSite]:
    site = FakeSite(tmp_path / "site", [])
    site.path.mkdir()
    monkeypatch.syspath_prepend(str(site.path))
    yield site
    for module in site.modules:
        sys.modules.pop(module, None)


# The two folders of an engine test: the exports a source reads, and the data directory it imports into.
@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"
