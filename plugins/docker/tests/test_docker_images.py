"""The Dockerfiles: pinned base images, what they install, who they run as, what they start."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from open_finops_docker import settings
from open_finops_docker.stack import template

# A full name, a tag with a full version (3.11.13, 21.0.7_6: never latest or a bare major version) for
# people, and the digest that is pulled.
PINNED = re.compile(r"^docker\.io/[a-z0-9./-]+:\d+\.\d+[.\d]*[^\s:@]*@sha256:[0-9a-f]{64}$")


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", dockerfile)
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def values(dockerfile: str, keyword: str) -> list[str]:
    return [rest for kw, rest in instructions(dockerfile) if kw == keyword]


def arg_defaults(dockerfile: str) -> dict[str, str]:
    return dict(arg.split("=", 1) for arg in values(dockerfile, "ARG") if "=" in arg)


@pytest.mark.parametrize(("name", "argument", "default"), [
    ("pipeline/Dockerfile", "PYTHON_IMAGE", settings.PYTHON_IMAGE),
    ("metabase/Dockerfile", "JAVA_IMAGE", settings.JAVA_IMAGE),
])
def test_base_image_is_the_build_argument_compose_passes_from_env(name: str, argument: str, default: str) -> None:
    steps = instructions(template(name))
    assert steps[:2] == [("ARG", argument), ("FROM", f"${{{argument}}}")], "one home: settings, through .env"
    assert PINNED.match(default), f"{argument} {default!r} is not pinned by digest to a full version"


def test_the_postgres_image_is_pulled_by_digest_while_its_version_is_the_pinned_one() -> None:
    assert PINNED.match(f"docker.io/library/postgres:{settings.POSTGRES_VERSION}@{settings.POSTGRES_DIGEST}")


@pytest.mark.parametrize(("driver", "duckdb", "storage"), [
    ("1.5.5.0", "1.5.5", "v1.5.0"), ("1.4.3.1", "1.4.3", "v1.4.0"), ("2.0.1.0", "2.0.1", "v2.0.0"),
])
def test_the_storage_version_follows_from_the_driver_release(driver: str, duckdb: str, storage: str) -> None:
    assert settings.driver_duckdb_version(driver) == duckdb
    assert settings.driver_storage_version(driver) == storage


@pytest.mark.parametrize("driver", ["1.5.5", "latest", "1.5.5.0.1", "v1.5.5.0", "1.5.x.0", ""])
def test_a_driver_version_that_is_not_a_release_is_refused(driver: str) -> None:
    from open_finops.api import UsageError

    with pytest.raises(UsageError, match="duckdb_driver_version"):
        settings.driver_storage_version(driver)


@pytest.mark.parametrize("name", ["pipeline/Dockerfile", "metabase/Dockerfile"])
def test_container_runs_as_a_non_root_user(name: str) -> None:
    steps = instructions(template(name))
    users = [rest for kw, rest in steps if kw == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0")
    last_user = max(i for i, (kw, _) in enumerate(steps) if kw == "USER")
    assert all(kw not in ("RUN", "ADD", "COPY") for kw, _ in steps[last_user:]), "installs happen as root first"


def test_pipeline_image_installs_only_from_the_build_context() -> None:
    dockerfile = template("pipeline/Dockerfile")
    installs = [cmd.strip() for run in values(dockerfile, "RUN") for cmd in run.split("&&") if "pip install" in cmd]
    ours, third_party = installs
    assert ours.endswith("--no-index --no-deps /tmp/wheels/*.whl")
    # The second step names no distribution itself: only the files finops docker init/build generated.
    assert third_party.split("install", 1)[1].split() == [
        "--constraint", "/tmp/wheels/constraints.txt", "--requirement", "/tmp/wheels/requirements.txt"
    ]
    assert "OPEN_FINOPS_VERSION" not in arg_defaults(dockerfile)


def test_pipeline_image_runs_finops() -> None:
    dockerfile = template("pipeline/Dockerfile")
    (entrypoint,) = values(dockerfile, "ENTRYPOINT")
    assert json.loads(entrypoint) == ["finops"], "exec form, so arguments go straight to finops"


def test_metabase_image_bundles_the_duckdb_driver_with_the_pinned_versions() -> None:
    dockerfile = template("metabase/Dockerfile")
    defaults = arg_defaults(dockerfile)
    assert defaults["METABASE_VERSION"] == settings.METABASE_VERSION
    assert defaults["METABASE_DUCKDB_DRIVER_VERSION"] == settings.DUCKDB_DRIVER_VERSION
    plugins_dir = dict(v.split("=", 1) for v in values(dockerfile, "ENV"))["MB_PLUGINS_DIR"]
    assert any(
        "${METABASE_DUCKDB_DRIVER_VERSION}/duckdb.metabase-driver.jar" in add and plugins_dir in add
        for add in values(dockerfile, "ADD")
    )
    assert json.loads(values(dockerfile, "CMD")[0])[:2] == ["java", "-jar"]


def test_templates_are_package_data() -> None:
    from importlib import resources

    root = resources.files("open_finops_docker") / "templates"
    for name in ("compose.yaml", "env.template", "config.toml", "pipeline/Dockerfile", "metabase/Dockerfile"):
        assert root.joinpath(name).is_file(), name


def test_the_built_distribution_ships_the_templates(tmp_path: Path) -> None:
    import importlib.util
    import shutil
    import subprocess
    import sys
    import zipfile

    # Build from a copy, so the working tree gets no build/ or egg-info folders.
    source = tmp_path / "src"
    shutil.copytree(
        Path(__file__).resolve().parents[1], source,
        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "tests"),
    )
    # Without setuptools in this environment, pip fetches it into an isolated build environment.
    isolation = [] if importlib.util.find_spec("setuptools") is None else ["--no-build-isolation"]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = (tmp_path / "dist").glob("open_finops_docker-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("compose.yaml", "env.template", "config.toml", "pipeline/Dockerfile", "metabase/Dockerfile"):
        assert f"open_finops_docker/templates/{name}" in names
