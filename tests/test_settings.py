"""Declared settings: typed, resolved flag > environment > file > default with their origin, and checked.

Conversions have one home (open_finops.settings); these tests go through Config.resolve, as plugins do.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from open_finops.config import Config, load_config
from open_finops.config_check import check, enforce
from open_finops.core_settings import CORE_SECTIONS, PROJECT
from open_finops.errors import ConfigError
from open_finops.settings import Setting, SettingsSection

DEMO = SettingsSection(
    name="demo",
    help="A plugin's settings, for these tests.",
    settings=(
        Setting("bucket", flag="--bucket", help="Where the export is."),
        Setting("format", choices=("csv", "parquet"), flag="--format"),
        Setting("workers", "int", 4, minimum=1, maximum=16),
        Setting("ratio", "float", 0.5, minimum=0.0, maximum=1.0),
        Setting("memory", "size", "512MB", minimum=64 * 10**6),
        Setting("wait", "duration", 30.0, minimum=0, maximum=3600),
        Setting("start", "month"),
        Setting("folder", "path"),
        Setting("names", "list", ["world"]),
        Setting("schema", "identifier", "demo_data", renamed_from=("schema_name",)),
        Setting("prefix", "subpath", ""),
        Setting("reset", "bool", False),
        Setting("token", secret=True),
    ),
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- precedence and origin ----------------------------------------------------------------------------------

def test_flag_beats_environment_beats_file_beats_default_and_each_origin_is_named(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[demo]\nbucket = "file"\nworkers = 8\n\nformat = "csv"\n')
    config = load_config(path, environ={"OPEN_FINOPS_DEMO_BUCKET": "env", "OPEN_FINOPS_DEMO_FORMAT": "parquet"})

    flagged = config.resolve(DEMO, bucket="flag")
    plain = config.resolve(DEMO)

    assert (flagged["bucket"], str(flagged.origin("bucket"))) == ("flag", "flag --bucket")
    assert (plain["bucket"], str(plain.origin("bucket"))) == ("env", "environment variable OPEN_FINOPS_DEMO_BUCKET")
    assert (plain["workers"], plain.origin("workers").short()) == (8, f"{path.resolve()}:3")
    assert (plain["ratio"], plain.origin("ratio").short()) == (0.5, "default")
    assert plain["format"] == "parquet"


def test_an_empty_text_value_counts_as_not_given(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[demo]\nbucket = "file"\n')
    resolved = load_config(path, environ={"OPEN_FINOPS_DEMO_BUCKET": " "}).resolve(DEMO, bucket="")
    assert resolved["bucket"] == "file"


def test_a_relative_path_in_the_file_is_relative_to_the_files_folder_elsewhere_to_the_working_directory(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "conf" / "config.toml", '[demo]\nfolder = "exports"\n')
    assert load_config(path, environ={}).resolve(DEMO)["folder"] == path.parent.resolve() / "exports"
    from_env = load_config(path, environ={"OPEN_FINOPS_DEMO_FOLDER": "exports"}).resolve(DEMO)
    assert from_env["folder"] == Path("exports")
    assert load_config(path, environ={}).resolve(DEMO, folder=Path("x"))["folder"] == Path("x")


def test_an_old_name_is_read_as_the_new_one_and_the_new_one_wins(tmp_path: Path) -> None:
    old = write(tmp_path / "old.toml", '[demo]\nschema_name = "legacy"\n')
    both = write(tmp_path / "both.toml", '[demo]\nschema_name = "legacy"\nschema = "current"\n')

    resolved = load_config(old, environ={}).resolve(DEMO)
    assert (resolved["schema"], resolved.origin("schema").short()) == ("legacy", f"{old.resolve()}:2 (as schema_name)")
    assert load_config(both, environ={}).resolve(DEMO)["schema"] == "current"
    assert load_config(None, environ={"OPEN_FINOPS_DEMO_SCHEMA_NAME": "env_old"}).resolve(DEMO)["schema"] == "env_old"


# -- conversions ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "text", "expected"), [
    ("format", "Parquet", "parquet"),
    ("workers", " 16 ", 16),
    ("ratio", "1", 1.0),
    ("memory", "1GiB", "1GiB"),
    ("wait", "5m", 300.0),
    ("wait", "90s", 90.0),
    ("wait", "2.5", 2.5),
    ("start", "2024-02", "2024-02"),
    ("names", "ada, grace,,", ["ada", "grace"]),
    ("schema", "aws_billing", "aws_billing"),
    ("prefix", "cur/daily", "cur/daily"),
    ("reset", "yes", True),
    ("reset", "off", False),
])
def test_each_type_converts_text_from_the_environment(name: str, text: str, expected) -> None:
    config = load_config(None, environ={f"OPEN_FINOPS_DEMO_{name.upper()}": text})
    assert config.resolve(DEMO)[name] == expected


@pytest.mark.parametrize(("name", "text", "what"), [
    ("format", "json", "one of csv, parquet"),
    ("workers", "0", "a whole number from 1 to 16"),
    ("workers", "2.5", "a whole number from 1 to 16"),
    ("ratio", "nan", "a finite number from 0 to 1"),
    ("ratio", "inf", "a finite number from 0 to 1"),
    ("memory", "1MB", "a size such as 512MB or 2GB of at least 64MB"),
    ("memory", "512", "a size such as 512MB or 2GB of at least 64MB"),
    ("wait", "2h", "a duration in seconds, or such as 90s, 5m or 1h, from 0 to 3600"),
    ("wait", "-1", "a duration in seconds, or such as 90s, 5m or 1h, from 0 to 3600"),
    ("start", "2024-13", "a month, YYYY-MM"),
    ("start", "Jan 2024", "a month, YYYY-MM"),
    ("schema", "AWS", "a plain name of lowercase letters, digits and single underscores"),
    ("schema", "aws;drop", "a plain name of lowercase letters, digits and single underscores"),
    ("prefix", "cur/../../etc", "a path inside the bucket or folder, without '..'"),
    ("reset", "maybe", "true or false"),
])
def test_a_value_a_type_does_not_take_is_one_line_naming_setting_value_and_variable(
    name: str, text: str, what: str
) -> None:
    var = f"OPEN_FINOPS_DEMO_{name.upper()}"
    with pytest.raises(ConfigError) as caught:
        load_config(None, environ={var: text}).resolve(DEMO)
    assert caught.value.message == f"setting demo.{name} must be {what}, not {text!r} (from environment variable {var})"
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(("toml", "name"), [("workers = true", "workers"), ('workers = "many"', "workers"),
                                            ("start = 2024", "start"), ("bucket = 12", "bucket"),
                                            ("names = [true]", "names"), ("ratio = nan", "ratio")])
def test_a_wrongly_typed_value_in_the_file_names_its_line(tmp_path: Path, toml: str, name: str) -> None:
    path = write(tmp_path / "config.toml", f"# demo\n[demo]\n{toml}\n")
    with pytest.raises(ConfigError, match=rf"^setting demo\.{name} must be .*\(from config file {path.resolve()}:3\)$"):
        load_config(path, environ={}).resolve(DEMO)


def test_a_bad_flag_names_the_flag() -> None:
    with pytest.raises(ConfigError, match=r"^setting demo\.format must be one of csv, parquet, not 'xml' "
                                          r"\(from flag --format\)$"):
        Config().resolve(DEMO, format="xml")


@given(st.integers(min_value=-10**6, max_value=10**6))
def test_a_whole_number_is_taken_exactly_when_it_lies_in_range(number: int) -> None:
    config = Config(environ={"OPEN_FINOPS_DEMO_WORKERS": f" {number} "})
    if 1 <= number <= 16:
        assert config.resolve(DEMO)["workers"] == number
    else:
        with pytest.raises(ConfigError):
            config.resolve(DEMO)


def test_a_declaration_is_checked_when_it_is_built() -> None:
    with pytest.raises(ValueError, match="type must be one of"):
        Setting("x", "money")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="choices are for str settings"):
        Setting("x", "int", choices=("1",))
    with pytest.raises(ValueError, match="declared twice"):
        SettingsSection("x", "", (Setting("a"), Setting("b", renamed_from=("a",))))
    with pytest.raises(ValueError, match="section name 'X Y' is invalid"):
        SettingsSection("X Y", "")


# -- what nothing reads --------------------------------------------------------------------------------------

def problems_of(text: str, tmp_path: Path, environ: dict[str, str] | None = None, quiet=()) -> list[str]:
    path = write(tmp_path / "config.toml", text)
    return [p.message for p in check(load_config(path, environ=environ or {}), [PROJECT, DEMO], quiet)]


def test_a_typo_in_a_declared_section_warns_with_the_closest_setting(tmp_path: Path) -> None:
    found = problems_of('[demo]\nbukcet = "b"\nzzz = 1\n', tmp_path)
    path = (tmp_path / "config.toml").resolve()
    assert found == [f"config file {path}:2: [demo] bukcet is not a setting of [demo]; did you mean `bucket`?",
                     f"config file {path}:3: [demo] zzz is not a setting of [demo]; finops config show --defaults "
                     "lists them"]


def test_a_typo_in_a_variable_of_a_declared_section_warns_too(tmp_path: Path) -> None:
    found = problems_of("", tmp_path, {"OPEN_FINOPS_DEMO_BUKCET": "b", "OPEN_FINOPS_PLUGINS": "aws",
                                       "OPEN_FINOPS_DEMO_BUCKET": "ok"})
    assert found == ["environment variable OPEN_FINOPS_DEMO_BUKCET names no setting of [demo]; "
                     "did you mean OPEN_FINOPS_DEMO_BUCKET?"]


def test_an_unknown_section_warns_and_a_planned_or_quiet_one_does_not(tmp_path: Path) -> None:
    found = problems_of('[demoo]\nx = 1\n[gcp]\nproject_id = "p"\n[project]\nname = "stack"\n', tmp_path,
                        quiet={"gcp"})
    assert found == [f"config file {(tmp_path / 'config.toml').resolve()}:1: [demoo] is not read by open-finops or "
                     "by any installed plugin; did you mean [demo]?"]


def test_an_old_name_warns_that_it_is_deprecated_or_ignored(tmp_path: Path) -> None:
    path = (tmp_path / "config.toml").resolve()
    assert problems_of('[demo]\nschema_name = "old"\n', tmp_path) == [
        f"config file {path}:2: [demo] schema_name is deprecated (open-finops-stack's name); it is read as "
        '[demo] schema = "old"; rename it to schema']
    assert problems_of('[demo]\nschema_name = "old"\nschema = "new"\n', tmp_path) == [
        f"config file {path}:2: [demo] schema_name is ignored because [demo] schema is set; remove it"]


@pytest.mark.parametrize(("database", "expected"), [
    ('[database]\nbackend = "duckdb"\n[database.duckdb]\ndatabase_path = "./data/finops.duckdb"\n', []),
    ('[database]\nbackend = "postgresql"\n',
     ['[database] backend = "postgresql" is open-finops-stack\'s and is not read; choose the database with the '
      'importer\'s destination (e.g. [aws] destination = "postgres") and give dlt its connection '
      "(DESTINATION__POSTGRES__CREDENTIALS or .dlt/secrets.toml); see docs/configuration.md"]),
    ('[database.snowflake]\naccount = "a"\n',
     ["[database.snowflake] is open-finops-stack's and is not read; dlt configures the snowflake destination: "
      "[destination.snowflake] in .dlt/secrets.toml or DESTINATION__SNOWFLAKE__* variables; see "
      "docs/configuration.md"]),
    ('[database.duckdb]\ndatabase_path = "/elsewhere/billing.duckdb"\n',
     ['[database.duckdb] database_path = "/elsewhere/billing.duckdb" is open-finops-stack\'s and is not read; the '
      "database is finops.duckdb in [project] data_dir ({data}/finops.duckdb): set data_dir = \"/elsewhere\" to use "
      "that folder"]),
])
def test_open_finops_stacks_database_table_is_quiet_only_when_it_says_what_happens_anyway(
    tmp_path: Path, database: str, expected: list[str]
) -> None:
    found = problems_of(f'[project]\ndata_dir = "./data"\n{database}', tmp_path)
    data = (tmp_path / "data").resolve()
    assert [line.split(": ", 1)[1] for line in found] == [e.format(data=data) for e in expected]


def test_strict_turns_unknown_and_ignored_keys_into_one_error_but_not_deprecations(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[demo]\nschema_name = "old"\nbukcet = "b"\n[nope]\n')
    problems = check(load_config(path, environ={}), [PROJECT, DEMO])
    assert len(enforce(problems, strict=False)) == 3
    with pytest.raises(ConfigError) as caught:
        enforce(problems, strict=True)
    assert caught.value.message == (
        f"config file {path.resolve()}:3: [demo] bukcet is not a setting of [demo]; did you mean `bucket`? (1 more: "
        "see finops config show); the configuration is strict ([project] strict_config or --strict), so this is "
        "an error")
    deprecated_only = check(load_config(write(tmp_path / "old.toml", '[demo]\nschema_name = "x"\n'), environ={}),
                            [PROJECT, DEMO])
    assert len(enforce(deprecated_only, strict=True)) == 1


# -- as the user meets it -------------------------------------------------------------------------------------

def demo_registry():
    from finops_fakes import registry_of

    from open_finops.hookspecs import hookimpl

    class Plugin:
        @hookimpl
        def register_settings(self):
            return [DEMO]

    return registry_of(("demo", Plugin()))


def test_a_typo_warns_on_stderr_and_the_command_still_runs(cli, tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[demo]\nbukcet = "b"\n')
    result = cli(demo_registry(), "-c", str(path), "config", "show")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (f"Warning: config file {path.resolve()}:2: [demo] bukcet is not a setting of [demo]; "
                             "did you mean `bucket`?\n")


@pytest.mark.parametrize("how", ["flag", "file", "env"])
def test_strict_from_the_flag_the_file_or_the_environment_makes_it_an_error(cli, tmp_path: Path, how: str,
                                                                             monkeypatch) -> None:
    strict = "[project]\nstrict_config = true\n" if how == "file" else ""
    path = write(tmp_path / "config.toml", f'{strict}[demo]\nbukcet = "b"\n')
    if how == "env":
        monkeypatch.setenv("OPEN_FINOPS_PROJECT_STRICT_CONFIG", "1")
    result = cli(demo_registry(), *(["--strict"] if how == "flag" else []), "-c", str(path), "config", "show")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: config file ") and len(result.stderr.splitlines()) == 1
    assert "did you mean `bucket`?" in result.stderr and "strict" in result.stderr


def test_config_show_lists_every_declared_setting_with_value_origin_and_help(cli, tmp_path: Path,
                                                                             monkeypatch) -> None:
    path = write(tmp_path / "conf" / "config.toml", '[project]\ndata_dir = "warehouse"\n[demo]\nworkers = 8\n'
                                                    'token = "file-secret"\n')
    monkeypatch.setenv("OPEN_FINOPS_DEMO_BUCKET", "from-env")

    shown = cli(demo_registry(), "-c", str(path), "config", "show", "--json")
    text = cli(demo_registry(), "-c", str(path), "config", "show")

    assert shown.exit_code == 0, shown.stderr
    import json

    doc = json.loads(shown.stdout)
    demo = doc["settings"]["demo"]
    assert set(demo) == {s.name for s in DEMO.settings}
    assert (demo["bucket"]["value"], demo["bucket"]["origin"]) == ("from-env", "env OPEN_FINOPS_DEMO_BUCKET")
    assert (demo["workers"]["value"], demo["workers"]["origin"]) == (8, f"{path.resolve()}:4")
    assert (demo["ratio"]["value"], demo["ratio"]["origin"]) == (0.5, "default")
    assert (demo["token"]["value"], demo["token"]["secret"]) == ("********", True)
    assert demo["bucket"]["help"] == "Where the export is."
    warehouse = path.parent.resolve() / "warehouse"
    project = doc["settings"]["project"]
    assert (project["data_dir"]["value"], project["data_dir"]["origin"]) == (str(warehouse), f"{path.resolve()}:2")
    assert doc["database"] == str(warehouse / "finops.duckdb")
    assert "file-secret" not in shown.stdout + text.stdout
    assert re.search(rf"^workers = 8 +# {re.escape(str(path.resolve()))}:4$", text.stdout, re.M)
    assert f"# database: {warehouse / 'finops.duckdb'}" in text.stdout
    assert 'bucket = "from-env"' in text.stdout and "Where the export is." in text.stdout


def test_config_show_of_a_relative_data_dir_from_the_environment_shows_it_absolute(cli, isolated: Path,
                                                                                    monkeypatch) -> None:
    monkeypatch.setenv("OPEN_FINOPS_PROJECT_DATA_DIR", "elsewhere")
    import json

    doc = json.loads(cli(demo_registry(), "config", "show", "--json").stdout)
    data_dir = doc["settings"]["project"]["data_dir"]
    assert (data_dir["value"], data_dir["origin"]) == (str(isolated / "elsewhere"), "env OPEN_FINOPS_PROJECT_DATA_DIR")


def test_config_show_defaults_is_a_complete_config_that_reads_back_as_the_defaults(cli, tmp_path: Path) -> None:
    result = cli(demo_registry(), "config", "show", "--defaults")
    assert result.exit_code == 0, result.stderr
    path = write(tmp_path / "config.toml", result.stdout)

    assert tomllib.loads(result.stdout)["demo"]["workers"] == 4
    config = load_config(path, environ={})
    assert check(config, [*CORE_SECTIONS, DEMO]) == []
    resolved = config.resolve(DEMO)
    assert {name: resolved[name] for name in resolved} == {name: Config().resolve(DEMO)[name] for name in resolved}
    for section in (*CORE_SECTIONS, DEMO):
        for setting in section.settings:
            assert f"{setting.name} = " in result.stdout, setting.name
    assert "# token = " in result.stdout  # a secret is never written out, only shown commented


def test_config_show_reports_a_value_that_does_not_convert_and_fails(cli, monkeypatch) -> None:
    monkeypatch.setenv("OPEN_FINOPS_DEMO_WORKERS", "lots")
    result = cli(demo_registry(), "config", "show")
    assert result.exit_code == 2
    assert "# workers: invalid: setting demo.workers must be a whole number from 1 to 16" in result.stdout
    assert result.stderr.startswith("Error: setting demo.workers")
