"""How a plugin author tests a plugin: build a registry from the plugin module and an app from that.

No entry point is needed for these tests; ``tests/install`` of open-finops checks the installed one.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from finops_hello import plugin

from open_finops.cli.app import build_app, run
from open_finops.config import load_config
from open_finops.plugins import PluginInfo, Registry, build_registry


@pytest.fixture(autouse=True)
def dlt_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Core's runner points dlt at the data directory through os.environ; restore it afterwards."""
    for name in ("DLT_DATA_DIR", "RUNTIME__DLTHUB_TELEMETRY", "RUNTIME__LOG_LEVEL", "OPEN_FINOPS_CONFIG"):
        monkeypatch.setenv(name, "recorded so that teardown restores it")
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def registry() -> Registry:
    return build_registry([(PluginInfo(name="hello", distribution="finops-hello-plugin"), plugin)])


def greetings(database: Path) -> list[tuple[str, str]]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute("SELECT name, greeting FROM hello.greetings ORDER BY name").fetchall()
    finally:
        con.close()


def test_the_plugin_registers_one_command_and_one_pipeline() -> None:
    info = registry().plugin("hello")
    assert info.errors == []
    assert info.api == ">=1.0,<2"  # the plugin API versions it declares it works with
    assert info.hooks == ["register_commands", "register_pipelines"]
    assert (info.commands, info.pipelines) == (["hello"], ["hello-greetings"])


def test_hello_greets(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(build_app(registry()), ["hello", "Ada"]) == 0
    assert capsys.readouterr().out == "Hello, Ada!\n"


def test_hello_save_loads_the_greeting_into_the_data_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[project]\ndata_dir = "warehouse"\n')

    code = run(build_app(registry()), ["hello", "Grace", "--save", "-c", str(config)])

    assert code == 0
    assert capsys.readouterr().out == (
        "Hello, Grace!\nLoaded 1 greeting(s) into hello.greetings (duckdb).\n"
    )
    assert greetings(tmp_path / "warehouse" / "finops.duckdb") == [("Grace", "Hello, Grace!")]


def test_the_pipeline_runner_reads_its_names_from_the_plugins_config_section(tmp_path: Path) -> None:
    (pipeline, _plugin_name) = registry().pipelines["hello-greetings"]
    config = load_config(None, environ={"OPEN_FINOPS_HELLO_NAMES": "Ada, Grace",
                                        "OPEN_FINOPS_PROJECT_DATA_DIR": str(tmp_path / "data")})

    summary = pipeline.load_runner()(config)

    assert summary == {"rows": 2, "table": "hello.greetings", "destination": "duckdb"}
    assert greetings(tmp_path / "data" / "finops.duckdb") == [("Ada", "Hello, Ada!"), ("Grace", "Hello, Grace!")]
