"""The commands that drive the stack: exact command lines, where they run, what environment they get."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from open_finops_docker import envfile

from open_finops import plugins
from open_finops.config import load_config

if TYPE_CHECKING:
    from conftest import FakeEngines

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"


@pytest.fixture
def stack(clean_env: Path, finops) -> Path:
    assert finops("docker", "init", "stack").code == 0
    return clean_env / "stack"


@pytest.fixture
def docker(engines: FakeEngines) -> FakeEngines:
    engines.add("docker")
    return engines


def compose_prefix(stack: Path) -> list[str]:
    return ["docker", "compose", "-f", str(stack / "compose.yaml"), "--env-file", str(stack / ".env")]


def engine_commands(engines: FakeEngines) -> list[dict]:
    """The calls that do the work, after the probes that find the engine."""
    probes = (["info"], ["compose", "version"], ["version"])
    return [call for call in engines.calls() if call["argv"][1:3] not in probes and call["argv"][1:2] not in probes]


def assert_no_secret_on_any_command_line(engines: FakeEngines, *secrets: str) -> None:
    for call in engines.calls():
        for secret in secrets:
            assert not any(secret in arg for arg in call["argv"]), call["argv"]


def test_up_starts_metabase_and_postgres_in_the_background(docker: FakeEngines, stack: Path, finops) -> None:
    result = finops("docker", "up", "--dir", str(stack))

    assert result.code == 0, result.err
    assert docker.argvs()[:2] == [["docker", "info"], ["docker", "compose", "version"]]
    (call,) = engine_commands(docker)
    assert call["argv"] == [*compose_prefix(stack), "up", "--detach", "postgres", "metabase"]
    assert call["cwd"] == str(stack)
    assert "http://localhost:3000" in result.out and "finops docker provision" in result.out


def test_up_keeps_the_postgres_password_off_every_command_line(
    docker: FakeEngines, stack: Path, finops
) -> None:
    password = envfile.read(stack / ".env")["POSTGRES_PASSWORD"]
    assert finops("docker", "up", "--dir", str(stack), "--build").code == 0
    assert engine_commands(docker)[0]["argv"] == [
        *compose_prefix(stack), "up", "--detach", "--build", "postgres", "metabase"
    ]
    assert_no_secret_on_any_command_line(docker, password)
    assert password not in json.dumps(engine_commands(docker)[0]["env"]), "compose reads it from .env itself"


def test_up_recreates_a_missing_data_directory(docker: FakeEngines, stack: Path, finops) -> None:
    data_dir = Path(envfile.read(stack / ".env")["FINOPS_DATA_DIR"])
    data_dir.rmdir()
    assert finops("docker", "up", "--dir", str(stack)).code == 0
    assert data_dir.is_dir()


def test_stack_directory_comes_from_the_docker_section(
    docker: FakeEngines, clean_env: Path, finops
) -> None:
    (clean_env / "config.toml").write_text('[docker]\nstack_dir = "stacks/prod"\n', encoding="utf-8")
    assert finops("docker", "init").code == 0
    assert finops("docker", "down").code == 0
    assert engine_commands(docker)[0]["cwd"] == str(clean_env / "stacks" / "prod")


def test_down_removes_every_container_including_the_pipeline_job(
    docker: FakeEngines, stack: Path, finops
) -> None:
    assert finops("docker", "down", "--dir", str(stack)).code == 0
    assert finops("docker", "down", "--dir", str(stack), "--volumes").code == 0
    argvs = [call["argv"] for call in engine_commands(docker)]
    assert argvs == [
        [*compose_prefix(stack), "down"],
        [*compose_prefix(stack), "down", "--volumes"],
    ]


def test_build_builds_every_image_or_the_ones_named(docker: FakeEngines, stack: Path, finops) -> None:
    assert finops("docker", "build", "--dir", str(stack)).code == 0
    assert finops("docker", "build", "pipeline", "--dir", str(stack), "--pull").code == 0
    argvs = [call["argv"] for call in engine_commands(docker)]
    assert argvs == [
        [*compose_prefix(stack), "build", "metabase", "pipeline"],
        [*compose_prefix(stack), "build", "--pull", "pipeline"],
    ]


def test_logs_of_one_service(docker: FakeEngines, stack: Path, finops) -> None:
    assert finops("docker", "logs", "metabase", "--dir", str(stack), "--follow", "--tail", "50").code == 0
    assert finops("docker", "logs", "--dir", str(stack)).code == 0
    argvs = [call["argv"] for call in engine_commands(docker)]
    assert argvs == [
        [*compose_prefix(stack), "logs", "--follow", "--tail", "50", "metabase"],
        [*compose_prefix(stack), "logs"],
    ]


def test_a_failing_compose_command_is_one_line_with_its_exit_status(
    docker: FakeEngines, stack: Path, finops
) -> None:
    docker.set("docker", exit=17)
    result = finops("docker", "up", "--dir", str(stack))
    assert result.code == 1
    assert result.err.strip() == "Error: docker compose up failed with exit status 17; see the output above"


def test_commands_outside_a_stack_say_how_to_make_one(docker: FakeEngines, clean_env: Path, finops) -> None:
    result = finops("docker", "status", "--dir", str(clean_env / "nowhere"))
    assert result.code == 2
    assert "no stack in" in result.err and "finops docker init" in result.err
    assert docker.calls() == [], "the stack is checked before the engine is probed"


PS_LINES = "\n".join(
    json.dumps(item)
    for item in (
        {"Name": "stack-metabase-1", "Service": "metabase", "State": "running", "Health": "",
         "Status": "Up 2 minutes",
         "Publishers": [{"URL": "127.0.0.1", "TargetPort": 3000, "PublishedPort": 3000, "Protocol": "tcp"}]},
        {"Name": "stack-postgres-1", "Service": "postgres", "State": "running", "Health": "healthy",
         "Status": "Up 3 minutes (healthy)", "Publishers": [{"TargetPort": 5432, "PublishedPort": 0}]},
    )
)


def test_status_json_lists_services_for_scripts(docker: FakeEngines, stack: Path, finops) -> None:
    docker.set("docker", ps=PS_LINES + "\n")
    result = finops("docker", "status", "--dir", str(stack), "--json")

    assert result.code == 0, result.err
    assert json.loads(result.out) == {
        "stack_dir": str(stack),
        "engine": "docker",
        "metabase_url": "http://localhost:3000",
        "services": [
            {"service": "metabase", "name": "stack-metabase-1", "state": "running", "health": "",
             "status": "Up 2 minutes", "ports": ["127.0.0.1:3000->3000/tcp"]},
            {"service": "postgres", "name": "stack-postgres-1", "state": "running", "health": "healthy",
             "status": "Up 3 minutes (healthy)", "ports": []},
        ],
    }
    (call,) = engine_commands(docker)
    assert call["argv"] == [*compose_prefix(stack), "ps", "--all", "--format", "json"]


def test_status_reads_a_json_array_as_older_compose_and_podman_print_it(
    engines: FakeEngines, stack: Path, finops
) -> None:
    engines.add("podman", ps=json.dumps([
        {"Names": ["stack_metabase_1"], "State": "exited", "Labels": {"com.docker.compose.service": "metabase"}},
    ]))
    result = finops("docker", "status", "--dir", str(stack), "--json")
    assert json.loads(result.out)["services"] == [
        {"service": "metabase", "name": "stack_metabase_1", "state": "exited", "health": "", "status": "",
         "ports": []},
    ]


def test_status_for_people(docker: FakeEngines, stack: Path, finops) -> None:
    docker.set("docker", ps=PS_LINES)
    result = finops("docker", "status", "--dir", str(stack))
    assert result.code == 0
    assert "http://localhost:3000" in result.out
    assert "stack-metabase-1" in result.out and "healthy" in result.out


def test_status_of_a_stopped_stack(docker: FakeEngines, stack: Path, finops) -> None:
    result = finops("docker", "status", "--dir", str(stack))
    assert result.code == 0
    assert "No containers" in result.out and "finops docker up" in result.out


def test_status_when_compose_ps_fails(docker: FakeEngines, stack: Path, finops) -> None:
    docker.set("docker", exit=1)
    result = finops("docker", "status", "--dir", str(stack), "--json")
    assert result.code == 1 and result.out == ""
    assert "compose ps failed" in result.err


@pytest.fixture
def pipeline_image(docker: FakeEngines) -> str:
    docker.set("docker", images=["open-finops-pipeline:0.1.0"])
    return "open-finops-pipeline:0.1.0"


def test_run_passes_credentials_by_name_and_mounts_data_and_config(
    docker: FakeEngines, pipeline_image: str, clean_env: Path, finops, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_env / "config.toml").write_text('[project]\ndata_dir = "billing"\n', encoding="utf-8")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("OPEN_FINOPS_AWS_BUCKET", "my-billing")

    result = finops("docker", "run", "--", "aws", "import-cur", "--bucket", "b", "-c", "/config/config.toml")

    assert result.code == 0, result.err
    assert docker.argvs()[:2] == [["docker", "info"], ["docker", "image", "inspect", pipeline_image]]
    (call,) = engine_commands(docker)[1:]
    assert call["argv"] == [
        "docker", "run", "--rm",
        "--volume", f"{clean_env / 'billing'}:/data",
        "--env", "OPEN_FINOPS_PROJECT_DATA_DIR=/data",
        "--volume", f"{clean_env}:/config:ro",
        "--env", "OPEN_FINOPS_CONFIG=/config/config.toml",
        "--env", "AWS_ACCESS_KEY_ID",
        "--env", "AWS_SECRET_ACCESS_KEY",
        "--env", "OPEN_FINOPS_AWS_BUCKET",
        pipeline_image,
        "aws", "import-cur", "--bucket", "b", "-c", "/config/config.toml",
    ]
    assert call["env"]["AWS_SECRET_ACCESS_KEY"] == SECRET, "the client takes the value from its environment"
    assert_no_secret_on_any_command_line(docker, SECRET, "AKIAEXAMPLE")
    assert (clean_env / "billing").is_dir()


def test_run_without_a_config_file_mounts_the_data_only(
    docker: FakeEngines, pipeline_image: str, clean_env: Path, finops
) -> None:
    assert finops("docker", "run", "--", "config", "show").code == 0
    argv = docker.last()["argv"]
    assert argv == [
        "docker", "run", "--rm", "--volume", f"{clean_env / 'data'}:/data",
        "--env", "OPEN_FINOPS_PROJECT_DATA_DIR=/data", pipeline_image, "config", "show",
    ]


def test_run_mounts_aws_profiles_read_only(
    docker: FakeEngines, pipeline_image: str, clean_env: Path, finops, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws_dir = Path(clean_env.parent / "home" / ".aws")
    aws_dir.mkdir()
    monkeypatch.setenv("AWS_PROFILE", "billing")
    assert finops("docker", "run", "--", "aws", "list-manifests").code == 0
    argv = docker.last()["argv"]
    assert f"{aws_dir}:/home/finops/.aws:ro" in argv
    assert argv[argv.index("AWS_PROFILE") - 1] == "--env"


def test_run_uses_podman_without_needing_compose(engines: FakeEngines, finops) -> None:
    engines.add("podman", compose=False, images=["open-finops-pipeline:0.1.0"])
    assert finops("docker", "run", "--engine", "podman", "--", "--version").code == 0
    assert engines.last()["argv"][:2] == ["podman", "run"]
    assert ["podman", "compose", "version"] not in engines.argvs()


def test_run_without_the_image_says_to_build_it(docker: FakeEngines, finops) -> None:
    result = finops("docker", "run", "--", "aws", "import-cur")
    assert result.code == 2
    assert "open-finops-pipeline:0.1.0 is not built yet" in result.err and "finops docker build" in result.err
    assert [argv[1] for argv in docker.argvs()] == ["info", "image"], "nothing is pulled or run"


def test_run_image_from_settings_and_option(
    docker: FakeEngines, finops, monkeypatch: pytest.MonkeyPatch
) -> None:
    docker.set("docker", images=["registry.example/finops:1", "local/finops:dev"])
    monkeypatch.setenv("OPEN_FINOPS_DOCKER_PIPELINE_IMAGE", "registry.example/finops:1")
    assert finops("docker", "run", "--", "--version").code == 0
    assert docker.last()["argv"][-2:] == ["registry.example/finops:1", "--version"]
    assert finops("docker", "run", "--image", "local/finops:dev", "--", "--version").code == 0
    assert docker.last()["argv"][-2:] == ["local/finops:dev", "--version"]


def test_run_exits_with_the_containers_exit_status(
    docker: FakeEngines, pipeline_image: str, finops
) -> None:
    docker.set("docker", exit=3)
    result = finops("docker", "run", "--", "aws", "import-cur")
    assert result.code == 3
    assert result.err == "", "finops inside the container has already reported the error"


def test_run_does_not_pass_host_only_settings(
    docker: FakeEngines, pipeline_image: str, finops, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPEN_FINOPS_DOCKER_METABASE_PORT", "3001")
    monkeypatch.setenv("OPEN_FINOPS_PROJECT_DATA_DIR", "/host/data")
    monkeypatch.setenv("OPEN_FINOPS_DEBUG", "1")
    assert finops("docker", "run", "--", "--version").code == 0
    argv = docker.last()["argv"]
    passed = [argv[i + 1] for i, arg in enumerate(argv) if arg == "--env"]
    assert passed == ["OPEN_FINOPS_PROJECT_DATA_DIR=/data", "OPEN_FINOPS_DEBUG"]
    assert "/host/data:/data" in argv


def test_the_pipeline_is_registered_as_a_service(clean_env: Path, finops) -> None:
    result = finops("pipelines", "list", "--json")
    (row,) = [p for p in json.loads(result.out) if p["name"] == "docker-pipeline"]
    assert (row["kind"], row["vendor"], row["plugin"]) == ("service", "docker", "docker")
    assert row["runner"] == "open_finops_docker.service:run_pipeline"


def test_the_plugin_declares_the_plugin_api_versions_it_supports(clean_env: Path, finops) -> None:
    (row,) = [p for p in json.loads(finops("plugins", "list", "--json").out) if p["name"] == "docker"]
    assert (row["api"], row["status"]) == (">=1.0,<2", "loaded")


def test_the_registered_runner_runs_the_stacks_pipeline_service(
    docker: FakeEngines, stack: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    pipeline, _plugin = plugins.discover().pipelines["docker-pipeline"]

    summary = pipeline.load_runner()(load_config(), stack_dir=stack)

    assert summary == {"exit_code": 0, "engine": "docker", "stack_dir": str(stack)}
    ps, import_cur, focus_build = engine_commands(docker)
    assert ps["argv"] == [*compose_prefix(stack), "ps", "--all", "--format", "json"]
    assert import_cur["argv"] == [*compose_prefix(stack), "run", "--rm", "pipeline", "aws", "import-cur"]
    assert focus_build["argv"] == [*compose_prefix(stack), "run", "--rm", "pipeline", "focus", "build"]
    assert {call["cwd"] for call in engine_commands(docker)} == {str(stack)}
    assert import_cur["env"]["AWS_SECRET_ACCESS_KEY"] == SECRET
    assert_no_secret_on_any_command_line(docker, SECRET)


def test_the_pipeline_stops_a_running_metabase_for_the_job_and_starts_it_again(
    docker: FakeEngines, stack: Path
) -> None:
    from open_finops_docker.service import run_pipeline

    docker.set("docker", ps=PS_LINES)
    run_pipeline(stack_dir=stack)
    assert [call["argv"][len(compose_prefix(stack)):] for call in engine_commands(docker)] == [
        ["ps", "--all", "--format", "json"],
        ["stop", "metabase"],
        ["run", "--rm", "pipeline", "aws", "import-cur"],
        ["run", "--rm", "pipeline", "focus", "build"],
        ["start", "metabase"],
    ]


def test_finops_docker_run_with_metabase_up_stops_it_around_the_command(
    docker: FakeEngines, stack: Path, pipeline_image: str, finops
) -> None:
    docker.set("docker", ps=PS_LINES, images=[pipeline_image])
    (stack.parent / "config.toml").write_text('[docker]\nstack_dir = "stack"\n', encoding="utf-8")
    result = finops("docker", "run", "--", "aws", "import-cur", "--bucket", "b")
    assert result.code == 0, result.err
    work = [call["argv"] for call in engine_commands(docker) if call["argv"][1:3] != ["image", "inspect"]]
    prefix = compose_prefix(stack)
    assert work[0] == [*prefix, "ps", "--all", "--format", "json"]
    assert work[1] == [*prefix, "stop", "metabase"]
    assert work[2][:3] == ["docker", "run", "--rm"] and work[2][-4:] == ["aws", "import-cur", "--bucket", "b"]
    assert work[3] == [*prefix, "start", "metabase"]
    assert len(work) == 4


def test_metabase_is_started_again_when_the_job_fails(docker: FakeEngines, stack: Path) -> None:
    from open_finops_docker.service import run_pipeline

    from open_finops.errors import OpenFinopsError

    docker.set("docker", ps=PS_LINES, exit=0)
    script = docker.bin_dir / "docker"
    # The fake exits 5 for `compose run` only: a failed import.
    script.write_text(script.read_text().replace(
        'sys.exit(behaviour.get("exit", 0))', 'sys.exit(5 if "run" in args else behaviour.get("exit", 0))'))
    with pytest.raises(OpenFinopsError, match="'finops aws import-cur' in the stack's pipeline service failed"):
        run_pipeline(stack_dir=stack)
    tails = [call["argv"][len(compose_prefix(stack)):] for call in engine_commands(docker)]
    assert tails[-2:] == [["run", "--rm", "pipeline", "aws", "import-cur"], ["start", "metabase"]]


def test_finops_pipelines_run_prints_the_services_summary(docker: FakeEngines, stack: Path, finops) -> None:
    config = stack.parent / "config.toml"
    config.write_text(f'[docker]\nstack_dir = "{stack}"\n')

    result = finops("pipelines", "run", "docker-pipeline", "-c", str(config), "--json")

    assert result.code == 0, result.err
    assert json.loads(result.out) == {"exit_code": 0, "engine": "docker", "stack_dir": str(stack)}


def test_finops_pipelines_run_reports_a_failed_service_run(docker: FakeEngines, stack: Path, finops) -> None:
    config = stack.parent / "config.toml"
    config.write_text(f'[docker]\nstack_dir = "{stack}"\n')
    docker.set("docker", exit=3)

    result = finops("pipelines", "run", "docker-pipeline", "-c", str(config))

    assert result.code == 1
    assert result.err.splitlines()[-1] == (
        "Error: docker compose run of 'finops aws import-cur' in the stack's pipeline service failed with exit "
        "status 3; see the output above"
    )


def test_the_runner_passes_a_command_and_reports_a_failed_run(docker: FakeEngines, stack: Path) -> None:
    from open_finops_docker.service import run_pipeline

    from open_finops.errors import OpenFinopsError

    docker.set("docker", exit=1)
    with pytest.raises(OpenFinopsError, match="pipeline service failed with exit status 1"):
        run_pipeline(stack_dir=stack, args=["aws", "list-exports"])
    assert docker.last()["argv"][-4:] == ["--rm", "pipeline", "aws", "list-exports"]
