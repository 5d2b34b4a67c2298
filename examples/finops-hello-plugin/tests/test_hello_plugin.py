"""How a plugin author tests a plugin: build a registry from the plugin module and an app from that.

No entry point is needed for these tests; ``tests/install`` of open-finops checks the installed one.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from finops_hello import plugin
from hello_support import registry

from open_finops.config import load_config


def greetings(database: Path) -> list[tuple[str, str]]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute("SELECT name, greeting FROM hello.greetings ORDER BY name").fetchall()
    finally:
        con.close()


def test_the_plugin_registers_one_command_group_one_pipeline_one_manifest_parser_and_its_settings() -> None:
    info = registry().plugin("hello")
    assert info.errors == []
    assert info.api == ">=1.0,<2"  # the plugin API versions it declares it works with
    assert info.hooks == ["register_commands", "register_pipelines", "register_manifest_parsers", "register_settings"]
    assert (info.commands, info.pipelines, info.manifest_parsers) == (["hello"], ["hello-greetings"], ["hello-v1"])
    assert info.settings == ["hello"]


def test_a_typo_in_the_hello_section_is_a_warning_naming_the_setting(finops, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[hello]\nnmaes = ["Ada"]\n', encoding="utf-8")
    ran = finops("-c", str(tmp_path / "config.toml"), "config", "show", "--json")
    assert ran.code == 0
    assert '"names"' in ran.stdout and '"Who the hello-greetings pipeline greets."' in ran.stdout
    assert ran.stderr.endswith("[hello] nmaes is not a setting of [hello]; did you mean `names`?\n")


def test_the_plugin_declares_the_plugin_api_versions_it_is_written_against() -> None:
    assert plugin.OPEN_FINOPS_API == ">=1.0,<2"


def test_hello_greet_greets(finops) -> None:
    ran = finops("hello", "greet", "Ada")
    assert (ran.code, ran.stdout) == (0, "Hello, Ada!\n")


def test_hello_greet_save_loads_the_greeting_into_the_data_dir(tmp_path: Path, finops) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[project]\ndata_dir = "warehouse"\n')

    ran = finops("hello", "greet", "Grace", "--save", "-c", str(config))

    assert ran.code == 0, ran.stderr
    assert ran.stdout == "Hello, Grace!\nLoaded 1 greeting(s) into hello.greetings (duckdb).\n"
    assert greetings(tmp_path / "warehouse" / "finops.duckdb") == [("Grace", "Hello, Grace!")]


def test_the_pipeline_runner_reads_its_names_from_the_plugins_config_section(tmp_path: Path) -> None:
    (pipeline, _plugin_name) = registry().pipelines["hello-greetings"]
    config = load_config(None, environ={"OPEN_FINOPS_HELLO_NAMES": "Ada, Grace",
                                        "OPEN_FINOPS_PROJECT_DATA_DIR": str(tmp_path / "data")})

    summary = pipeline.load_runner()(config)

    assert summary == {"rows": 2, "table": "hello.greetings", "destination": "duckdb"}
    assert greetings(tmp_path / "data" / "finops.duckdb") == [("Ada", "Hello, Ada!"), ("Grace", "Hello, Grace!")]
