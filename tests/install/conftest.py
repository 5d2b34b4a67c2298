"""Install-scenario tests: they run the installed ``finops`` console script of one tox environment.

tox tells them what was installed: ``FINOPS_TEST_EXPECT_PLUGINS`` lists the plugins that must be present
(comma-separated; empty for core only) and ``FINOPS_TEST_INSTALL`` says ``wheel`` or ``editable``. The
names stay outside ``OPEN_FINOPS_*`` on purpose: that prefix is the configuration's, and these are not
settings. Without them (a plain ``pytest tests`` in a development shell) there is no scenario to check,
so the tests are skipped with that reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

EXPECT_ENV = "FINOPS_TEST_EXPECT_PLUGINS"
INSTALL_ENV = "FINOPS_TEST_INSTALL"


@dataclass(frozen=True)
class Scenario:
    plugins: frozenset[str]
    install: str
    bin_dir: Path

    @property
    def finops(self) -> Path:
        return self.bin_dir / "finops"


@pytest.fixture(scope="session")
def scenario() -> Scenario:
    if EXPECT_ENV not in os.environ:
        pytest.skip(f"{EXPECT_ENV} is not set: tox sets it to the plugins each install scenario must have")
    plugins = frozenset(name.strip() for name in os.environ[EXPECT_ENV].split(",") if name.strip())
    install = os.environ.get(INSTALL_ENV, "wheel")
    assert install in ("wheel", "editable"), f"{INSTALL_ENV} must be wheel or editable, not {install!r}"
    return Scenario(plugins, install, Path(sys.executable).parent)


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def finops(scenario: Scenario, tmp_path: Path):
    """Run the installed ``finops`` script in an empty folder with none of our variables set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPEN_FINOPS_", "DLT_", "RUNTIME__"))}
    env["COLUMNS"] = "200"  # help and tables unwrapped, so names can be read off whole

    def invoke(*argv: str, cwd: Path = tmp_path) -> Ran:
        assert scenario.finops.is_file(), f"the finops console script is not installed in {scenario.bin_dir}"
        completed = subprocess.run(
            [str(scenario.finops), *argv], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
        )
        return Ran(completed.returncode, completed.stdout, completed.stderr)

    return invoke
