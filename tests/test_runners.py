"""The runner protocols per pipeline kind, the typed hookspecs, and the check of a runner's summary."""

from __future__ import annotations

import inspect
import json
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any

import duckdb
import pytest
from finops_fakes import make_plugin, registry_of

from open_finops import Pipeline, contributions, hookspecs, runners
from open_finops.config import Config
from open_finops.contributions import PIPELINE_KINDS, PipelineKind
from open_finops.errors import PluginError
from open_finops.focus.protocol import FocusSource
from open_finops.runners import FocusRunner, ImportRunner, ServiceRunner, check_summary

# What the modules import for type checkers only, so that their annotations can be resolved here.
NAMES = {"Config": Config, "FocusSource": FocusSource, "duckdb": duckdb, **vars(contributions)}


def call_signature(protocol: type) -> tuple[list[tuple[str, str, Any]], Any]:
    hints = typing.get_type_hints(protocol.__call__, globalns={**vars(runners), **NAMES})
    parameters = inspect.signature(protocol.__call__).parameters.values()
    return [(p.name, p.kind.name, hints[p.name]) for p in parameters if p.name != "self"], hints["return"]


@pytest.mark.parametrize("protocol", [ImportRunner, ServiceRunner])
def test_import_and_service_runners_take_the_config_and_return_a_summary(protocol: type) -> None:
    assert call_signature(protocol) == ([("config", "POSITIONAL_ONLY", Config)], Mapping[str, Any])


def test_a_focus_runner_takes_the_connection_and_the_config_by_keyword_and_lists_focus_sources() -> None:
    assert call_signature(FocusRunner) == (
        [("con", "POSITIONAL_ONLY", duckdb.DuckDBPyConnection), ("config", "KEYWORD_ONLY", Config)],
        Iterable[FocusSource],
    )


def test_pipeline_kind_is_a_literal_and_still_checked_when_built() -> None:
    assert typing.get_type_hints(Pipeline)["kind"] == PipelineKind
    assert typing.get_args(PipelineKind) == PIPELINE_KINDS == ("import", "focus", "service", "demo")
    with pytest.raises(ValueError, match="kind must be one of import, focus, service, demo"):
        Pipeline(name="p", vendor="v", description="d", runner="m:f", kind="batch")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("hook", "returns"),
    [
        ("register_commands", list[contributions.CommandGroup | contributions.Command]),
        ("register_pipelines", list[contributions.Pipeline]),
        ("register_manifest_parsers", list[contributions.ManifestParser]),
    ],
)
def test_every_hookspec_declares_what_it_returns(hook: str, returns: Any) -> None:
    assert typing.get_type_hints(getattr(hookspecs, hook), globalns=NAMES)["return"] == returns


def test_a_summary_must_be_a_mapping() -> None:
    summary = types.MappingProxyType({"rows": 3})
    assert check_summary("acme-sync", summary) is summary
    with pytest.raises(PluginError, match=r"^pipeline 'acme-sync': its runner returned int, expected a mapping"):
        check_summary("acme-sync", 0)


def returns_an_int(config: Config) -> int:
    return 0


def returns_a_read_only_mapping(config: Config) -> Mapping[str, Any]:
    return types.MappingProxyType({"rows": 2})


def runs(runner: str, kind: PipelineKind = "import"):
    pipeline = Pipeline(name="odd", vendor="acme", description="d", runner=f"test_runners:{runner}", kind=kind)
    return registry_of(make_plugin("odd", register_pipelines=lambda: [pipeline]))


@pytest.mark.parametrize("kind", ["import", "service"])
def test_pipelines_run_refuses_a_runner_that_returns_no_mapping(cli, kind: PipelineKind) -> None:
    result = cli(runs("returns_an_int", kind), "pipelines", "run", "odd", "--json")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("Error: pipeline 'odd': its runner returned int, expected a mapping")


def test_pipelines_run_prints_any_mapping_as_a_json_object(cli) -> None:
    result = cli(runs("returns_a_read_only_mapping"), "pipelines", "run", "odd", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"rows": 2}
