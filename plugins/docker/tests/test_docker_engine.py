"""Finding the engine: each way it can be missing is one line on stderr and exit 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import FakeEngines


@pytest.fixture
def stack(clean_env: Path, finops) -> Path:
    assert finops("docker", "init", "stack").code == 0
    return clean_env / "stack"


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_no_engine_on_path(engines: FakeEngines, stack: Path, finops) -> None:
    result = finops("docker", "up", "--dir", str(stack))
    assert result.code == 2
    line = one_line(result.err)
    assert "neither docker nor podman is on PATH" in line
    assert "install Docker" in line and "Podman" in line


def test_no_engine_through_the_installed_finops_command(engines: FakeEngines, stack: Path) -> None:
    finops = Path(sys.executable).with_name("finops")
    env = {**os.environ, "PATH": str(engines.bin_dir)}
    done = subprocess.run(
        [str(finops), "docker", "status", "--dir", str(stack)], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 2
    assert "neither docker nor podman is on PATH" in one_line(done.stderr)
    assert done.stdout == ""


def test_client_without_a_running_daemon(engines: FakeEngines, stack: Path, finops) -> None:
    engines.add("docker", daemon=False, daemon_error="Cannot connect to the Docker daemon at unix:///x.sock.")
    result = finops("docker", "up", "--dir", str(stack))
    assert result.code == 2
    line = one_line(result.err)
    assert f"docker client found at {engines.path('docker')}" in line
    assert "daemon is not running" in line and "Cannot connect to the Docker daemon" in line
    assert "start the Docker daemon" in line
    assert "no compose command" not in line, "compose works, it is not blamed"
    assert ["docker", "compose", "version"] in engines.argvs()
    assert not any("up" in argv for argv in engines.argvs()), "nothing is started"


def test_client_without_a_compose_command(engines: FakeEngines, stack: Path, finops) -> None:
    engines.add("docker", compose=False)
    result = finops("docker", "up", "--dir", str(stack))
    assert result.code == 2
    line = one_line(result.err)
    assert f"docker client found at {engines.path('docker')}" in line
    assert "no compose command" in line and "docker-compose" in line
    assert "install the Docker Compose plugin" in line
    assert "daemon is not running" not in line


def test_client_with_neither_daemon_nor_compose_says_both(engines: FakeEngines, stack: Path, finops) -> None:
    engines.add("docker", daemon=False, compose=False)
    line = one_line(finops("docker", "status", "--dir", str(stack)).err)
    assert "daemon is not running" in line and "no compose command" in line
    assert "start the Docker daemon" in line and "install the Docker Compose plugin" in line


def test_standalone_docker_compose_is_used_when_the_plugin_is_missing(
    engines: FakeEngines, stack: Path, finops
) -> None:
    engines.add("docker", compose=False)
    engines.add("docker-compose")
    assert finops("docker", "up", "--dir", str(stack)).code == 0
    assert engines.last()["argv"][:2] == ["docker-compose", "-f"]


def test_podman_is_found_when_docker_is_absent(engines: FakeEngines, stack: Path, finops) -> None:
    engines.add("podman")
    assert finops("docker", "up", "--dir", str(stack)).code == 0
    assert engines.last()["argv"][:3] == ["podman", "compose", "-f"]


def test_podman_compose_is_used_when_podman_has_no_compose_subcommand(
    engines: FakeEngines, stack: Path, finops
) -> None:
    engines.add("podman", compose=False)
    engines.add("podman-compose")
    assert finops("docker", "up", "--dir", str(stack)).code == 0
    assert engines.last()["argv"][:2] == ["podman-compose", "-f"]


def test_auto_detection_falls_back_to_podman_when_dockers_daemon_is_down(
    engines: FakeEngines, stack: Path, finops
) -> None:
    engines.add("docker", daemon=False)
    engines.add("podman")
    assert finops("docker", "up", "--dir", str(stack)).code == 0
    assert engines.last()["argv"][0] == "podman"


def test_both_engines_broken_reports_both_on_one_line(engines: FakeEngines, stack: Path, finops) -> None:
    engines.add("docker", daemon=False)
    engines.add("podman", compose=False)
    line = one_line(finops("docker", "up", "--dir", str(stack)).err)
    assert "docker client found" in line and "podman client found" in line
    assert "install podman-compose" in line


def test_engine_option_chooses_podman_even_when_docker_works(engines: FakeEngines, stack: Path, finops) -> None:
    engines.add("docker")
    engines.add("podman")
    assert finops("docker", "up", "--dir", str(stack), "--engine", "podman").code == 0
    assert {argv[0] for argv in engines.argvs()} == {"podman"}


def test_engine_setting_comes_from_the_environment(
    engines: FakeEngines, stack: Path, finops, monkeypatch: pytest.MonkeyPatch
) -> None:
    engines.add("docker")
    engines.add("podman")
    monkeypatch.setenv("OPEN_FINOPS_DOCKER_ENGINE", "podman")
    assert finops("docker", "up", "--dir", str(stack)).code == 0
    assert engines.last()["argv"][0] == "podman"


def test_asked_for_engine_missing_from_path(engines: FakeEngines, stack: Path, finops) -> None:
    engines.add("docker")
    result = finops("docker", "up", "--dir", str(stack), "--engine", "podman")
    assert result.code == 2
    line = one_line(result.err)
    assert "podman is not on PATH" in line and "--engine docker" in line


def test_unknown_engine_is_a_usage_error(engines: FakeEngines, stack: Path, finops) -> None:
    result = finops("docker", "up", "--dir", str(stack), "--engine", "containerd")
    assert result.code == 2
    assert one_line(result.err) == ("Error: setting docker.engine must be one of docker, podman, not 'containerd' "
                                    "(from flag --engine)")
    assert engines.calls() == []
