"""The pipeline's build context: our wheels only from the context, third-party versions pinned.

The image's own ``pip install`` steps are read out of the generated Dockerfile and run here, in a fresh
venv: ours for real with ``--no-index``, then the third-party step as a dry run against the package
registry with the generated constraints.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from open_finops_docker import wheelhouse


def _installed(name: str) -> bool:
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


# The AWS plugin is what the pipeline's default command needs; the docker-only scenario has no AWS plugin.
OURS = {"open-finops"} | ({"open-finops-aws"} if _installed("open-finops-aws") else set())


@pytest.fixture
def stack(clean_env: Path, finops) -> Path:
    result = finops("docker", "init", "stack", "--json")
    assert result.code == 0, result.err
    return clean_env / "stack"


def pins(path: Path) -> dict[str, str]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return dict(line.split("==") for line in lines)


def pip_steps(dockerfile: str) -> list[list[str]]:
    """The ``pip install`` commands of the Dockerfile's RUN steps, as argv after ``pip``."""
    text = re.sub(r"\\\n", " ", dockerfile)
    steps = []
    for line in text.splitlines():
        if line.startswith("RUN "):
            for command in line[4:].split("&&"):
                words = command.split()
                if words[:2] == ["/opt/open-finops/bin/pip", "install"]:
                    steps.append(words[1:])
    return steps


def test_init_writes_wheels_of_core_and_plugins_but_not_the_docker_plugin(stack: Path) -> None:
    wheels = stack / "pipeline" / "wheels"
    names = {wheelhouse.canonical(p.name.split("-")[0]) for p in wheels.glob("*.whl")}
    assert names >= OURS
    assert "open-finops-docker" not in names
    requirements = pins(wheels / "requirements.txt")
    assert requirements["open-finops"] == metadata.version("open-finops")
    assert {name: requirements[name] for name in OURS} == {name: metadata.version(name) for name in OURS}


def test_constraints_pin_this_environment_and_never_name_ours(stack: Path) -> None:
    pinned = pins(stack / "pipeline" / "wheels" / "constraints.txt")
    for name in ("duckdb", "dlt", "pyarrow", "typer", "pluggy"):
        assert pinned[name] == metadata.version(name)
    assert not (set(pinned) & (OURS | {"open-finops-docker"}))


def test_init_json_names_the_wheels(clean_env: Path, finops) -> None:
    result = finops("docker", "init", "stack", "--json")
    wheels = json.loads(result.out)["wheels"]
    assert wheels["open-finops"] == f"open_finops-{metadata.version('open-finops')}-py3-none-any.whl"


def test_the_image_installs_ours_without_an_index_and_the_rest_at_the_pinned_versions(
    stack: Path, tmp_path: Path
) -> None:
    dockerfile = (stack / "pipeline" / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY wheels/ /tmp/wheels/" in dockerfile
    ours_step, third_party_step = pip_steps(dockerfile)
    assert "--no-index" in ours_step and "--no-deps" in ours_step
    assert "--constraint" in third_party_step
    context = stack / "pipeline" / "wheels"
    venv = tmp_path / "image-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip"]

    def localised(step: list[str]) -> list[str]:
        argv = []
        for word in step:
            if word == "/tmp/wheels/*.whl":
                argv += [str(p) for p in sorted(context.glob("*.whl"))]
            else:
                argv.append(word.replace("/tmp/wheels", str(context)))
        return argv

    subprocess.run([*pip, *localised(ours_step)], check=True, capture_output=True)
    report = tmp_path / "report.json"
    done = subprocess.run([*pip, *localised(third_party_step), "--dry-run", "--report", str(report)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    installs = json.loads(report.read_text(encoding="utf-8"))["install"]
    resolved = {wheelhouse.canonical(i["metadata"]["name"]): i["metadata"]["version"] for i in installs}
    assert not (set(resolved) & OURS), "our own distributions never come from the index"
    pinned = pins(context / "constraints.txt")
    assert {"duckdb", "dlt", "pyarrow", "typer"} <= set(resolved)
    assert {name: pinned.get(name) for name in resolved} == resolved, "every third-party version is the pinned one"


def test_an_installed_distribution_without_a_checkout_is_repacked_into_a_wheel_pip_accepts(tmp_path: Path) -> None:
    filename, data = wheelhouse.repack_installed(metadata.distribution("pluggy"))
    wheel = tmp_path / filename
    wheel.write_bytes(data)
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert "pluggy/__init__.py" in names
        assert zf.read("pluggy/__init__.py") == Path(metadata.distribution("pluggy").locate_file(
            "pluggy/__init__.py")).read_bytes()
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--no-deps", "--ignore-installed",
         "--report", str(report), str(wheel)],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    (item,) = json.loads(report.read_text(encoding="utf-8"))["install"]
    assert item["metadata"]["version"] == metadata.version("pluggy")


def test_build_writes_the_wheels_anew(stack: Path, engines, finops) -> None:
    engines.add("docker")
    stale = stack / "pipeline" / "wheels" / "stale-0.0.1-py3-none-any.whl"
    stale.write_bytes(b"")
    assert finops("docker", "build", "--dir", str(stack)).code == 0
    assert not stale.exists()
    assert (stack / "pipeline" / "wheels" / "requirements.txt").is_file()
