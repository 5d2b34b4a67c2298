"""The ``finops`` command line built with ``build_app`` from fake plugins."""

from __future__ import annotations

import contextlib
import io
import json
import re
from importlib import metadata
from pathlib import Path

import pytest
from finops_fakes import group_plugin, make_plugin, registry_of, working_plugin

from open_finops import Command, __version__
from open_finops.cli.app import build_app, run
from open_finops.errors import DestinationError, UsageError
from open_finops.plugins import Registry

NO_PLUGINS = Registry()
AWS_HINT = (
    "Error: The 'aws' commands come from the open-finops-aws plugin, which is not installed. "
    "Install it with: pip install 'open-finops[aws]'\n"
)
AZURE_HINT = (
    "Error: The 'azure' commands come from the open-finops-azure plugin, which is not installed. "
    "Install it with: pip install 'open-finops[azure]'\n"
)
DOCKER_HINT = (
    "Error: The 'docker' commands come from the open-finops-docker plugin, which is not installed. "
    "Install it with: pip install 'open-finops[docker]'\n"
)
REPORT_HINT = (
    "Error: The 'report' commands come from the open-finops-report plugin, which is not installed. "
    "Install it with: pip install 'open-finops[report]'\n"
)


def commands_in_help(text: str) -> list[str]:
    """The command names of the help's Commands section (plain Click help: two spaces, name, description)."""
    section = text.split("\nCommands:\n", 1)[1]
    return re.findall(r"^  ([a-z][a-z0-9_-]*)(?:\s|$)", section, flags=re.MULTILINE)


def test_help_lists_core_commands_and_the_groups_plugins_contribute(cli) -> None:
    registry = registry_of(working_plugin(), group_plugin("cloudy", "cloudy", "Cloudy things."))
    result = cli(registry, "--help")
    assert result.exit_code == 0
    assert sorted(commands_in_help(result.stdout)) == [
        "acme", "cloudy", "config", "database", "demo", "exports", "focus", "greet", "pipelines", "plugins", "query",
        "state",
    ]
    assert "Cloudy things." in result.stdout


def test_help_does_not_list_the_stand_ins_for_missing_vendors(cli) -> None:
    assert sorted(commands_in_help(cli(NO_PLUGINS, "--help").stdout)) == [
        "config", "database", "demo", "exports", "focus", "pipelines", "plugins", "query", "state",
    ]


def test_no_arguments_shows_the_help(cli) -> None:
    result = cli(NO_PLUGINS)
    assert "Usage: finops" in result.stdout + result.stderr
    assert "plugins" in result.stdout + result.stderr


def test_version_names_the_plugin_api_version_too(cli) -> None:
    result = cli(NO_PLUGINS, "--version")
    assert (result.exit_code, result.stdout) == (0, f"open-finops {__version__} (plugin API 1.0)\n")


def test_the_version_is_the_distributions_version() -> None:
    assert __version__ == metadata.version("open-finops")


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["aws", "import-cur", "--bucket", "b", "-p", "cur"], AWS_HINT),
        (["aws"], AWS_HINT),
        (["aws", "--help"], AWS_HINT),
        (["docker", "up"], DOCKER_HINT),
        (["azure", "import-exports", "--from-dir", "x"], AZURE_HINT),
        (["azure"], AZURE_HINT),
        (["report", "--out", "costs.html"], REPORT_HINT),
        (["report"], REPORT_HINT),
    ],
)
def test_a_known_vendor_without_its_plugin_exits_2_with_the_install_hint(cli, argv: list[str], hint: str) -> None:
    result = cli(NO_PLUGINS, *argv)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", hint)


@pytest.mark.parametrize("vendor", ["gcp"])
def test_a_planned_vendor_says_it_is_not_available_yet(cli, vendor: str) -> None:
    result = cli(NO_PLUGINS, vendor, "import")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: The '{vendor}' commands are planned for a future open-finops release and are not available yet.\n"
    )


def test_an_installed_vendor_plugin_replaces_the_stand_in(cli) -> None:
    registry = registry_of(group_plugin("aws", "aws", "Import AWS Cost and Usage Reports."))
    result = cli(registry, "aws", "status")
    assert (result.exit_code, result.stdout) == (0, "aws status from aws\n")
    assert "docker" not in commands_in_help(cli(registry, "--help").stdout)
    assert cli(registry, "docker").stderr == DOCKER_HINT


def test_an_unknown_command_gets_the_usual_usage_error(cli) -> None:
    result = cli(NO_PLUGINS, "frobnicate")
    assert result.exit_code == 2
    assert "No such command 'frobnicate'" in result.stderr
    assert "Traceback" not in result.stderr


def test_plugins_list_json_prints_every_plugin(cli) -> None:
    registry = registry_of(working_plugin(), group_plugin("first", "cloud"), group_plugin("second", "cloud"))
    listed = json.loads(cli(registry, "plugins", "list", "--json").stdout)
    assert [p["name"] for p in listed] == ["acme", "first", "second"]
    assert listed[0]["hooks"] == ["register_commands", "register_pipelines", "register_manifest_parsers"]
    assert listed[0]["commands"] == ["acme", "greet"]
    assert listed[2]["errors"] == [
        "command 'cloud' is contributed by both plugin 'first' and plugin 'second'; "
        "the one from 'first' is kept (set OPEN_FINOPS_PLUGINS to choose)"
    ]


def test_plugins_list_shows_a_table_for_people(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    registry = registry_of(working_plugin(), group_plugin("first", "cloud"), group_plugin("second", "cloud"))
    out = cli(registry, "plugins", "list").stdout
    for text in ("acme", "fake-acme", "loaded", "register_manifest_parsers", "pipelines: acme-sync",
                 "manifest parsers: acme-v1", "command 'cloud' is contributed by both"):
        assert text in out
    assert re.search(r"Plugin\s.*Distribution\s.*Version\s.*API\s.*Status", out)


def test_plugins_list_prints_plugin_text_as_written_and_control_characters_as_question_marks(cli) -> None:
    registry = registry_of(working_plugin())
    registry.plugins[0].errors.append("a [bold]plugin's[/bold] own text\x1b[31m, bell\x07")

    out = cli(registry, "plugins", "list").stdout

    assert "a [bold]plugin's[/bold] own text?[31m, bell?" in out
    assert "\x1b" not in out and "\x07" not in out


def test_plugins_list_shows_core_and_plugin_api_versions(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    declared = working_plugin()
    declared.OPEN_FINOPS_API = ">=1.0,<2"
    registry = registry_of(declared, group_plugin("silent", "silent"))

    out = cli(registry, "plugins", "list").stdout
    listed = json.loads(cli(registry, "plugins", "list", "--json").stdout)

    assert out.splitlines()[0].strip() == f"open-finops {__version__}, plugin API 1.0"
    assert re.search(r"acme\s.*fake-acme\s.*1\.0\s.*>=1\.0,<2\s.*loaded", out)
    assert re.search(r"silent\s.*fake-silent\s.*1\.0\s.*unspecified\s.*loaded", out)
    assert [(p["name"], p["api"], p["core_api"]) for p in listed] == [
        ("acme", ">=1.0,<2", "1.0"), ("silent", None, "1.0")]


def test_plugins_list_with_no_plugins_says_how_to_install_some(cli) -> None:
    assert cli(NO_PLUGINS, "plugins", "list").stdout == (
        "No plugins installed. Install some with: pip install 'open-finops[all]'\n"
    )
    assert json.loads(cli(NO_PLUGINS, "plugins", "list", "--json").stdout) == []


def test_pipelines_list_shows_a_table_for_people(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    out = cli(registry_of(working_plugin()), "pipelines", "list").stdout
    assert re.search(r"acme-sync\s.*import\s.*acme\s.*acme\s.*Load Acme billing exports\.", out)


def test_pipelines_list_with_no_pipelines(cli) -> None:
    assert "No pipelines registered" in cli(NO_PLUGINS, "pipelines", "list").stdout
    assert json.loads(cli(NO_PLUGINS, "pipelines", "list", "--json").stdout) == []


# -- finops config show -------------------------------------------------------------------------------


def test_config_show_masks_secrets_from_the_file_and_the_environment(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[project]\ndata_dir = "d"\n\n[aws]\nbucket = "b"\nsecret_access_key = "file-secret"\n')
    monkeypatch.setenv("OPEN_FINOPS_AWS_SESSION_TOKEN", "env-secret")
    monkeypatch.setenv("OPEN_FINOPS_DOCKER_METABASE_PASSWORD", "env-password")

    result = cli(NO_PLUGINS, "config", "show", "-c", str(path))

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"# config file: {path}"
    assert lines[lines.index("[aws]  # declared by no installed plugin: shown as written"):] == [
        "[aws]  # declared by no installed plugin: shown as written",
        'bucket = "b"',
        'secret_access_key = "********"',
        'session_token = "********"',
        "",
        "[docker]  # declared by no installed plugin: shown as written",
        'metabase_password = "********"',
    ]
    assert re.search(rf'^data_dir = "{re.escape(str(path.parent / "d"))}" +# {re.escape(str(path))}:2: ',
                     result.stdout, re.M)
    for secret in ("file-secret", "env-secret", "env-password"):
        assert secret not in result.stdout + result.stderr


def test_config_show_json(cli, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[aws]\napi_key = "k"\n')
    shown = json.loads(cli(NO_PLUGINS, "config", "show", "--json", "-c", str(path)).stdout)
    assert (shown["config_file"], shown["undeclared"]) == (str(path), {"aws": {"api_key": "********"}})
    data_dir = shown["settings"]["project"]["data_dir"]
    assert (data_dir["value"], data_dir["origin"], data_dir["origin_kind"]) == (str(Path.cwd() / "data"), "default",
                                                                                "default")
    assert shown["database"] == str(Path.cwd() / "data" / "finops.duckdb")


def test_config_show_without_a_file_says_so(cli) -> None:
    out = cli(NO_PLUGINS, "config", "show").stdout
    assert out.splitlines()[0] == "# config file: (none: defaults and environment only)"


def test_the_top_level_config_flag_applies_to_commands(cli, tmp_path: Path) -> None:
    top = tmp_path / "top.toml"
    top.write_text('[aws]\nbucket = "top"\n')
    local = tmp_path / "local.toml"
    local.write_text('[aws]\nbucket = "local"\n')
    assert 'bucket = "top"' in cli(NO_PLUGINS, "-c", str(top), "config", "show").stdout
    assert 'bucket = "local"' in cli(NO_PLUGINS, "-c", str(top), "config", "show", "-c", str(local)).stdout


def test_invalid_toml_exits_2_with_one_line(cli, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[aws\nbucket = 'b'\n")
    result = cli(NO_PLUGINS, "config", "show", "-c", str(path))
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"Error: config file {path} is not valid TOML: ")
    assert "Traceback" not in result.stderr


def test_a_missing_config_file_exits_2(cli, tmp_path: Path) -> None:
    result = cli(NO_PLUGINS, "-c", str(tmp_path / "missing.toml"), "config", "show")
    assert result.exit_code == 2
    assert result.stderr == f"Error: config file {tmp_path / 'missing.toml'} does not exist; check the --config path\n"


# -- errors become exit codes in one place -------------------------------------------------------------


def failing_registry(error: BaseException) -> Registry:
    def explode() -> None:
        raise error

    return registry_of(make_plugin("failing", register_commands=lambda: [Command(name="explode", help="x",
                                                                                   callback=explode)]))


def test_our_errors_become_one_line_and_their_exit_code(cli) -> None:
    assert cli(failing_registry(DestinationError("database is busy")), "explode").stderr == (
        "Error: database is busy\n"
    )
    result = cli(failing_registry(UsageError("--bucket is required")), "explode")
    assert (result.exit_code, result.stderr) == (2, "Error: --bucket is required\n")


def test_an_unexpected_error_is_one_line_pointing_at_debug(cli) -> None:
    result = cli(failing_registry(KeyError("boom")), "explode")
    assert result.exit_code == 1
    assert result.stderr == "Error: unexpected KeyError: 'boom' (run again with --debug for the traceback)\n"


def test_debug_shows_the_traceback() -> None:
    app = build_app(failing_registry(KeyError("boom")))
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = run(app, ["--debug", "explode"], debug=True)
    assert code == 1
    assert "Traceback (most recent call last)" in err.getvalue() and "KeyError: 'boom'" in err.getvalue()


def test_ctrl_c_exits_130_without_a_traceback(cli) -> None:
    result = cli(failing_registry(KeyboardInterrupt()), "explode")
    assert result.exit_code == 130
    assert "Traceback" not in result.stderr


def test_help_shows_text_in_square_brackets_as_written() -> None:
    """Help is plain Click help, not rich markup: "[aws] destination" must not print as " destination",
    and no help text may carry a backslash written to escape rich. Checked for core and every installed
    plugin's commands."""
    import typer

    from open_finops.plugins import discover

    def walk(cmd, path):
        yield path, cmd.help or ""
        for param in cmd.params:
            yield f"{path} {getattr(param, 'opts', [param.name])[0]}", getattr(param, "help", None) or ""
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, f"{path} {name}")

    app = build_app(discover())
    root = typer.main.get_command(app)
    assert [(where, text) for where, text in walk(root, "finops") if "\\[" in text] == []
    bracketed = {where: text for where, text in walk(root, "finops") if re.search(r"\[[a-z]+\]", text)}
    assert bracketed, "some help names a setting as [section] key"
    from typer.testing import CliRunner

    shown = CliRunner().invoke(app, ["focus", "build", "--help"], terminal_width=200).output
    assert "[aws] destination" in " ".join(shown.split())


def test_plugin_supplied_text_in_tables_keeps_its_square_brackets(cli) -> None:
    from open_finops import Pipeline

    bracketed = make_plugin("acme", register_pipelines=lambda: [Pipeline(
        name="acme-sync", vendor="acme", description="Load what [acme] bucket says, in [bold]bold[/bold].",
        runner="finops_fakes:run_acme")])
    registry = registry_of(bracketed)

    pipelines = cli(registry, "pipelines", "list").stdout
    plugins = cli(registry, "plugins", "list").stdout

    assert "Load what [acme] bucket says, in [bold]bold[/bold]." in " ".join(pipelines.split())
    assert "pipelines: acme-sync" in plugins


def test_flags_show_no_value_in_help_and_options_that_take_one_do(cli) -> None:
    import os

    os.environ["COLUMNS"] = "200"
    try:
        root = cli(registry_of(), "--help").stdout
        query = cli(registry_of(), "query", "--help").stdout
    finally:
        del os.environ["COLUMNS"]
    assert re.search(r"--debug\s+Show full tracebacks", root)
    assert re.search(r"--help\s+Show this message", root)
    assert re.search(r"--json\s+Print the rows", query) and re.search(r"--data-dir\s+<path>", query)
    assert "<bool>" not in root + query


def test_shell_completion_is_offered_and_completes_commands_and_options() -> None:
    import subprocess
    import sys

    def complete(words: str, index: int) -> list[str]:
        env = {**os_environ(), "_FINOPS_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(index)}
        done = subprocess.run([sys.executable, "-c", "import sys; from open_finops.cli.app import main; "
                               "sys.argv[0] = 'finops'; sys.exit(main())"],
                              capture_output=True, text=True, env=env, timeout=120)
        return done.stdout.split()

    script = subprocess.run([sys.executable, "-m", "open_finops", "--show-completion", "bash"],
                            capture_output=True, text=True, timeout=120)
    assert script.returncode == 0 and "_FINOPS_COMPLETE=complete_bash" in script.stdout
    assert complete("finops sta", 1) == ["state"]
    assert "--csv" in complete("finops query --c", 2)


def os_environ() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("OPEN_FINOPS_")}


def test_a_plugin_groups_help_keeps_its_square_brackets_in_finops_help(cli) -> None:
    registry = registry_of(group_plugin("acme", "acme", "Sync the [acme] section's account."))
    assert "Sync the [acme] section's account." in cli(registry, "--help").stdout
