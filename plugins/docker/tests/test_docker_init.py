"""``finops docker init``: the stack it writes, the settings it takes, and the edits it will not clobber."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from open_finops_docker import envfile
from open_finops_docker.stack import RECORD_FILE

_VARIABLE = re.compile(r"\$\{(\w+)(?::?[?-][^}]*)?\}")


def interpolate(node: Any, env: dict[str, str]) -> Any:
    """What Compose makes of the file once it has read ``.env``."""
    if isinstance(node, str):
        return _VARIABLE.sub(lambda m: env[m.group(1)], node)
    if isinstance(node, list):
        return [interpolate(item, env) for item in node]
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    return node


def load_stack(directory: Path) -> tuple[dict[str, Any], dict[str, str]]:
    compose = yaml.safe_load((directory / "compose.yaml").read_text(encoding="utf-8"))
    env = envfile.read(directory / ".env")
    return compose, env


def mounts(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {volume["target"]: volume for volume in service["volumes"]}


@pytest.fixture
def stack_dir(clean_env: Path, finops) -> Path:
    result = finops("docker", "init", "stack")
    assert result.code == 0, result.err
    return clean_env / "stack"


def test_init_writes_the_stack_files(stack_dir: Path) -> None:
    written = sorted(str(p.relative_to(stack_dir)) for p in stack_dir.rglob("*")
                     if p.is_file() and p.parent.name != "wheels")
    assert written == [
        ".env", RECORD_FILE, "compose.yaml", "config/config.toml", "metabase/Dockerfile", "pipeline/Dockerfile",
    ]


def test_init_defaults_to_finops_stack_in_the_current_directory(clean_env: Path, finops) -> None:
    assert finops("docker", "init").code == 0
    assert (clean_env / "finops-stack" / "compose.yaml").is_file()


def test_compose_file_is_valid_against_the_compose_specification(stack_dir: Path, compose_schema) -> None:
    import jsonschema

    validator = jsonschema.Draft7Validator(compose_schema)
    compose, env = load_stack(stack_dir)
    validator.validate(compose)
    validator.validate(interpolate(compose, env))


def test_compose_has_metabase_postgres_and_a_pipeline_job(stack_dir: Path) -> None:
    compose, env = load_stack(stack_dir)
    assert set(compose["services"]) == {"metabase", "postgres", "pipeline"}
    assert set(compose["volumes"]) == {"postgres-data"}
    resolved = interpolate(compose, env)
    postgres, metabase, pipeline = (resolved["services"][s] for s in ("postgres", "metabase", "pipeline"))

    assert postgres["image"] == ("docker.io/library/postgres:16.9-bookworm@sha256:"
                                 "253815cf7579ffa05e1673d92e78d37273e61be0e4414e9a1449337d7925be94")
    assert metabase["build"]["args"]["JAVA_IMAGE"].startswith("docker.io/library/eclipse-temurin:21.0.7_6-jre-jammy@")
    assert pipeline["build"]["args"]["PYTHON_IMAGE"].startswith("docker.io/library/python:3.11.13-slim-bookworm@")
    assert "OPEN_FINOPS_PROJECT_DUCKDB_STORAGE_VERSION=v1.5.0" in pipeline["environment"]
    assert mounts(postgres)["/var/lib/postgresql/data"]["source"] == "postgres-data"
    assert "ports" not in postgres, "Metabase's database is reachable from the stack only"

    assert resolved["name"] == "open-finops-stack", "one compose project per stack directory"
    assert metabase["ports"] == ["127.0.0.1:3000:3000"]
    assert metabase["build"]["context"] == "./metabase"
    assert metabase["image"] == "open-finops-metabase:0.62.19-duckdb-1.5.5.0"
    assert metabase["environment"]["MB_DB_TYPE"] == "postgres"
    assert metabase["environment"]["MB_DB_HOST"] == "postgres"
    assert metabase["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert metabase["environment"]["MB_ENCRYPTION_SECRET_KEY"] == env["MB_ENCRYPTION_SECRET_KEY"]
    assert len(env["MB_ENCRYPTION_SECRET_KEY"]) >= 32
    assert "/api/health" in " ".join(metabase["healthcheck"]["test"])
    assert metabase["pull_policy"] == pipeline["pull_policy"] == "build", "built here, never pulled"

    assert pipeline["build"]["context"] == "./pipeline"
    assert pipeline["image"] == "open-finops-pipeline:0.1.0"
    assert pipeline["profiles"] == ["pipeline"], "'up' must not start the import job"
    assert pipeline["command"] == ["aws", "import-cur"]


def test_metabase_reads_the_data_directory_read_only_and_the_pipeline_writes_it(
    stack_dir: Path, clean_env: Path
) -> None:
    compose, env = load_stack(stack_dir)
    resolved = interpolate(compose, env)
    data_dir = str(clean_env / "data")
    metabase = mounts(resolved["services"]["metabase"])
    pipeline = mounts(resolved["services"]["pipeline"])

    selinux = {"selinux": "z"}
    assert metabase["/data"] == {"type": "bind", "source": data_dir, "target": "/data", "read_only": True,
                                 "bind": selinux}
    assert pipeline["/data"] == {"type": "bind", "source": data_dir, "target": "/data", "bind": selinux}
    assert pipeline["/config"] == {
        "type": "bind", "source": str(stack_dir / "config"), "target": "/config", "read_only": True,
        "bind": selinux,
    }
    assert pipeline["/home/finops/.aws"] == {
        "type": "bind", "source": str(stack_dir / "aws-none"), "target": "/home/finops/.aws", "read_only": True,
        "bind": selinux,
    }
    assert (stack_dir / "aws-none").is_dir(), "without ~/.aws an empty folder is mounted, never created as root"
    assert (clean_env / "data").is_dir(), "a missing bind source would be created by the engine as root"


def test_pipeline_gets_credentials_by_name_and_container_paths_for_data_and_config(stack_dir: Path) -> None:
    compose, env = load_stack(stack_dir)
    environment = interpolate(compose, env)["services"]["pipeline"]["environment"]
    assert "OPEN_FINOPS_PROJECT_DATA_DIR=/data" in environment
    assert "OPEN_FINOPS_CONFIG=/config/config.toml" in environment
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        assert name in environment, f"{name} must pass through from the environment, by name only"


def test_env_file_is_private_and_holds_a_generated_password(stack_dir: Path) -> None:
    env_file = stack_dir / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    env = envfile.read(env_file)
    assert len(env["POSTGRES_PASSWORD"]) >= 24
    assert env["POSTGRES_PASSWORD"] not in (stack_dir / "compose.yaml").read_text()
    assert env["METABASE_PORT"] == "3000"
    assert env["METABASE_VERSION"] == "0.62.19"
    assert env["OPEN_FINOPS_VERSION"] == "0.1.0"


def test_each_stack_gets_its_own_password(clean_env: Path, finops) -> None:
    assert finops("docker", "init", "one").code == 0
    assert finops("docker", "init", "two").code == 0
    one = envfile.read(clean_env / "one" / ".env")["POSTGRES_PASSWORD"]
    two = envfile.read(clean_env / "two" / ".env")["POSTGRES_PASSWORD"]
    assert one != two


def test_init_never_prints_the_password(clean_env: Path, finops) -> None:
    result = finops("docker", "init", "stack")
    json_result = finops("docker", "init", "stack", "--json")
    password = envfile.read(clean_env / "stack" / ".env")["POSTGRES_PASSWORD"]
    assert password not in result.out + result.err + json_result.out + json_result.err


def test_settings_come_from_the_docker_section_and_the_environment(
    clean_env: Path, finops, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_env / "config.toml").write_text(
        '[project]\ndata_dir = "billing"\n\n'
        '[docker]\nstack_dir = "my-stack"\nmetabase_port = 8080\nmetabase_version = "0.57.1"\n'
        'postgres_password = "from config$with dollar"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("OPEN_FINOPS_DOCKER_METABASE_PORT", "9090")
    monkeypatch.setenv("OPEN_FINOPS_DOCKER_BIND_ADDRESS", "0.0.0.0")

    result = finops("docker", "init")

    assert result.code == 0, result.err
    compose, env = load_stack(clean_env / "my-stack")
    assert env["METABASE_PORT"] == "9090"
    assert env["METABASE_BIND_ADDRESS"] == "0.0.0.0"
    assert env["METABASE_VERSION"] == "0.57.1"
    assert env["FINOPS_DATA_DIR"] == str(clean_env / "billing")
    assert env["POSTGRES_PASSWORD"] == "from config$with dollar"
    assert "POSTGRES_PASSWORD='from config$with dollar'" in (clean_env / "my-stack" / ".env").read_text(), (
        "single quotes keep Compose from expanding $ in the password"
    )
    assert env["FINOPS_CONFIG_DIR"] == str(clean_env) and env["FINOPS_CONFIG_FILE"] == "config.toml"
    assert not (clean_env / "my-stack" / "config").exists(), "the user's own config is mounted, no starter"
    assert interpolate(compose, env)["services"]["metabase"]["ports"] == ["0.0.0.0:9090:3000"]


def test_config_flag_of_the_command_is_used(clean_env: Path, finops) -> None:
    elsewhere = clean_env / "etc"
    elsewhere.mkdir()
    (elsewhere / "finops.toml").write_text('[docker]\nmetabase_port = 3333\n', encoding="utf-8")
    assert finops("docker", "init", "stack", "--config", str(elsewhere / "finops.toml")).code == 0
    env = envfile.read(clean_env / "stack" / ".env")
    assert env["METABASE_PORT"] == "3333"
    assert (env["FINOPS_CONFIG_DIR"], env["FINOPS_CONFIG_FILE"]) == (str(elsewhere), "finops.toml")


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("OPEN_FINOPS_DOCKER_METABASE_PORT", "70000", "metabase_port"),
        ("OPEN_FINOPS_DOCKER_METABASE_PORT", "http", "metabase_port"),
        ("OPEN_FINOPS_DOCKER_POSTGRES_PASSWORD", "it's", "POSTGRES_PASSWORD"),
    ],
)
def test_bad_settings_are_usage_errors(
    clean_env: Path, finops, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, words: str
) -> None:
    monkeypatch.setenv(variable, value)
    result = finops("docker", "init", "stack")
    assert result.code == 2
    assert words in result.err and len(result.err.strip().splitlines()) == 1
    assert not (clean_env / "stack" / ".env").exists()


def test_running_init_again_keeps_everything_including_the_password(stack_dir: Path, finops) -> None:
    before = {p: p.read_bytes() for p in stack_dir.rglob("*") if p.is_file()}
    result = finops("docker", "init", "stack", "--json")
    assert result.code == 0
    assert set(json.loads(result.out)["files"].values()) == {"unchanged"}
    assert {p: p.read_bytes() for p in stack_dir.rglob("*") if p.is_file()} == before


def test_files_init_wrote_and_nobody_changed_are_updated_without_force(
    stack_dir: Path, finops, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = envfile.read(stack_dir / ".env")["POSTGRES_PASSWORD"]
    monkeypatch.setenv("OPEN_FINOPS_DOCKER_METABASE_PORT", "8081")
    result = finops("docker", "init", "stack", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["files"][".env"] == "update"
    env = envfile.read(stack_dir / ".env")
    assert env["METABASE_PORT"] == "8081"
    assert env["POSTGRES_PASSWORD"] == password, "Postgres keeps the password its volume was created with"
    assert stat.S_IMODE((stack_dir / ".env").stat().st_mode) == 0o600


def test_init_refuses_to_overwrite_a_file_the_user_changed(stack_dir: Path, finops) -> None:
    compose = stack_dir / "compose.yaml"
    edited = compose.read_text() + "# my change\n"
    compose.write_text(edited)

    result = finops("docker", "init", "stack")

    assert result.code == 2
    assert "compose.yaml" in result.err and "--force" in result.err
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    assert compose.read_text() == edited


def test_init_refuses_files_it_did_not_write(clean_env: Path, finops) -> None:
    theirs = clean_env / "stack" / "compose.yaml"
    theirs.parent.mkdir()
    theirs.write_text("services: {}\n")
    result = finops("docker", "init", "stack")
    assert result.code == 2 and "compose.yaml" in result.err
    assert theirs.read_text() == "services: {}\n"
    assert not (clean_env / "stack" / ".env").exists(), "nothing is written when init refuses"


def test_force_overwrites_changed_files_and_keeps_the_password(stack_dir: Path, finops) -> None:
    password = envfile.read(stack_dir / ".env")["POSTGRES_PASSWORD"]
    (stack_dir / "compose.yaml").write_text("services: {}\n")
    (stack_dir / "pipeline" / "Dockerfile").write_text("FROM scratch\n")

    result = finops("docker", "init", "stack", "--force", "--json")

    assert result.code == 0, result.err
    files = json.loads(result.out)["files"]
    assert files["compose.yaml"] == files["pipeline/Dockerfile"] == "overwrite"
    assert "metabase" in (stack_dir / "compose.yaml").read_text()
    assert envfile.read(stack_dir / ".env")["POSTGRES_PASSWORD"] == password
    assert finops("docker", "init", "stack").code == 0, "after --force the files are init's own again"


def test_init_into_a_file_is_a_usage_error(clean_env: Path, finops) -> None:
    (clean_env / "taken").write_text("")
    result = finops("docker", "init", "taken")
    assert result.code == 2 and "not a directory" in result.err


def test_the_pipeline_mounts_aws_profiles_when_there_are_some(clean_env: Path, finops) -> None:
    aws = Path(os.environ["HOME"]) / ".aws"
    aws.mkdir()
    assert finops("docker", "init", "stack").code == 0
    assert envfile.read(clean_env / "stack" / ".env")["FINOPS_AWS_DIR"] == str(aws.resolve())


def test_the_encryption_key_is_kept_on_every_later_init(stack_dir: Path, finops) -> None:
    key = envfile.read(stack_dir / ".env")["MB_ENCRYPTION_SECRET_KEY"]
    assert finops("docker", "init", "stack", "--force").code == 0
    assert envfile.read(stack_dir / ".env")["MB_ENCRYPTION_SECRET_KEY"] == key


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="what init does when run as root")
def test_init_as_root_hands_the_new_data_directory_to_the_container_user(clean_env: Path, finops) -> None:
    assert finops("docker", "init", "stack").code == 0
    env = envfile.read(clean_env / "stack" / ".env")
    data = (clean_env / "data").stat()
    assert (env["FINOPS_UID"], env["FINOPS_GID"]) == ("1000", "1000")
    assert (data.st_uid, data.st_gid) == (1000, 1000)


def test_a_typo_in_the_docker_section_warns_with_the_setting_meant_and_strict_refuses(clean_env: Path, finops) -> None:
    (clean_env / "config.toml").write_text("[docker]\nmetabse_port = 8080\n", encoding="utf-8")

    warned = finops("docker", "init", "stack")
    refused = finops("--strict", "docker", "init", "other")

    assert warned.code == 0, warned.err
    assert warned.err == (f"Warning: config file {clean_env / 'config.toml'}:2: [docker] metabse_port is not a setting "
                          "of [docker]; did you mean `metabase_port`?\n")
    assert envfile.read(clean_env / "stack" / ".env")["METABASE_PORT"] == "3000"  # the typo is not read
    assert refused.code == 2 and "did you mean `metabase_port`?" in refused.err
    assert not (clean_env / "other").exists()


def test_refreshed_digests_and_another_driver_reach_the_stack_through_settings(
    clean_env: Path, finops, monkeypatch: pytest.MonkeyPatch
) -> None:
    newer = "docker.io/library/python:3.11.14-slim-bookworm@sha256:" + "ab" * 32
    monkeypatch.setenv("OPEN_FINOPS_DOCKER_PYTHON_IMAGE", newer)
    monkeypatch.setenv("OPEN_FINOPS_DOCKER_POSTGRES_VERSION", "17.5-bookworm")
    monkeypatch.setenv("OPEN_FINOPS_DOCKER_DUCKDB_DRIVER_VERSION", "1.4.3.0")

    assert finops("docker", "init", "stack").code == 0

    compose, env = load_stack(clean_env / "stack")
    resolved = interpolate(compose, env)["services"]
    assert resolved["pipeline"]["build"]["args"]["PYTHON_IMAGE"] == newer
    assert resolved["postgres"]["image"] == "docker.io/library/postgres:17.5-bookworm", (
        "a version other than the pinned one has no known digest: pulled by its tag"
    )
    assert "OPEN_FINOPS_PROJECT_DUCKDB_STORAGE_VERSION=v1.4.0" in resolved["pipeline"]["environment"]


def test_a_driver_version_that_is_not_a_release_stops_init(clean_env: Path, finops) -> None:
    (clean_env / "config.toml").write_text('[docker]\nduckdb_driver_version = "latest"\n', encoding="utf-8")
    result = finops("docker", "init", "stack")
    assert result.code == 2 and "duckdb_driver_version 'latest'" in result.err
    assert not (clean_env / "stack").exists()
