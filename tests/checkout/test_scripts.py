"""The checkout's own scripts: CI runs the README's test command, and tox runs the install matrix."""

from __future__ import annotations

import configparser
import os
import re
import subprocess
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]
SCRIPTS = ("finops", "run-tests", ".ci/run")
# Each install scenario: what pip installs, and which plugins its tests must then find.
MATRIX = {
    "core": ("open-finops", ""),
    "aws": ("open-finops[aws]", "aws"),
    "azure": ("open-finops[azure]", "azure"),
    "docker": ("open-finops[docker]", "docker"),
    "aws-docker": ("open-finops[aws,docker]", "aws,docker"),
    "report": ("open-finops[report]", "report"),
    "all": ("open-finops[all]", "aws,azure,docker,report"),
    "hello": ("open-finops finops-hello-plugin", "hello"),
}


def tox_ini() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(CHECKOUT / "tox.ini")
    return parser


def fresh_machine_commands() -> list[str]:
    readme = (CHECKOUT / "README.md").read_text()
    section = readme.split("## On a fresh machine", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block, "README's 'On a fresh machine' section has no bash block"
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]


@pytest.mark.parametrize("script", SCRIPTS)
def test_scripts_are_executable_bash_without_syntax_errors(script: str) -> None:
    path = CHECKOUT / script
    assert os.access(path, os.X_OK)
    assert path.read_text().startswith("#!/usr/bin/env bash\n")
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True).returncode == 0


def test_the_readme_names_the_demo_and_the_test_command() -> None:
    assert fresh_machine_commands() == ["./finops demo", "./run-tests"]


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    lines = [line for line in (CHECKOUT / ".ci/run").read_text().splitlines() if line and not line.startswith("#")]
    assert lines[0] == "set -euo pipefail"
    assert lines[-1] == f"exec {fresh_machine_commands()[1]}"


def test_tox_runs_every_install_scenario_with_matching_expectations() -> None:
    ini = tox_ini()
    envs = [e.strip() for e in ini["tox"]["env_list"].split(",")]
    assert set(envs) == {"lint", "wheels", "dev", "focus-validator", "focus-validator-1.2", "lowest", *MATRIX}
    for env, (requirement, plugins) in MATRIX.items():
        section = ini[f"testenv:{env}"]
        assert section["commands_pre"].strip() == "{[base]pip_install} " + requirement
        assert re.search(rf"^FINOPS_TEST_EXPECT_PLUGINS =[ ]?{re.escape(plugins)}$", section["set_env"], re.M), env


def test_every_tox_environment_runs_tests_that_exist() -> None:
    ini = tox_ini()
    for name in ini.sections():
        if not name.startswith("testenv:") or "commands" not in ini[name]:
            continue
        for path in re.findall(r"\{toxinidir\}((?:\{/\}[\w.-]+)+)", ini[name]["commands"]):
            relative = Path(*path.split("{/}")[1:])
            assert (CHECKOUT / relative).exists(), f"{name} runs {relative}, which does not exist"
            if relative.name == "tests":
                assert list((CHECKOUT / relative).rglob("test_*.py")), f"{name}: {relative} holds no tests"
