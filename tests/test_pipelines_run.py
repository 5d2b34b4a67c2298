"""``finops pipelines run NAME``: load a pipeline's runner and call it with the configuration in force."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from finops_fakes import make_plugin, registry_of, working_plugin

from open_finops import Pipeline


def test_a_pipeline_runs_with_the_configuration_in_force(cli, tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[acme]\nregion = "north"\n')

    result = cli(registry_of(working_plugin()), "pipelines", "run", "acme-sync", "-c", str(config), "--json")

    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["pipeline"] == "acme-sync" and summary["region"] == "north"


def test_an_unknown_pipeline_names_the_installed_ones(cli) -> None:
    result = cli(registry_of(working_plugin()), "pipelines", "run", "nope")
    assert result.exit_code == 2
    assert result.stderr == "Error: no pipeline named 'nope'; installed pipelines: acme-sync\n"


def test_a_focus_transform_is_pointed_at_focus_build(cli) -> None:
    focus = Pipeline(name="acme-focus", vendor="acme", description="FOCUS from Acme.", runner="x.y:z", kind="focus")
    plugin = make_plugin("focusy", register_pipelines=lambda: [focus])
    result = cli(registry_of(plugin), "pipelines", "run", "acme-focus")
    assert result.exit_code == 2 and "finops focus build" in result.stderr


@pytest.mark.parametrize("runner", ["no_such_module_xyz:run", "finops_fakes:no_such_function"])
def test_a_runner_that_cannot_be_loaded_is_a_plugin_error(cli, runner: str) -> None:
    broken = Pipeline(name="broken", vendor="acme", description="Broken.", runner=runner)
    plugin = make_plugin("brk", register_pipelines=lambda: [broken])
    result = cli(registry_of(plugin), "pipelines", "run", "broken")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: pipeline 'broken': its runner") and "Traceback" not in result.stderr
