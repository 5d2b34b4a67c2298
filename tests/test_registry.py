"""The plugin registry: contributions are collected one plugin at a time and validated.

A broken plugin is recorded with its error and skipped; it never stops the others from loading.
"""

from __future__ import annotations

import pluggy
import pytest
import typer
from finops_fakes import (
    ACME_PARSER,
    ACME_PIPELINE,
    group_plugin,
    make_plugin,
    parsers_plugin,
    pipelines_plugin,
    raise_runtime_error,
    registry_of,
    working_plugin,
)

from open_finops import Command, CommandGroup, ManifestParser, Pipeline, hookspecs, plugins
from open_finops.cli.app import build_app
from open_finops.plugins import RESERVED_COMMANDS, Registry, call_hook, current_registry


def test_a_working_plugin_is_loaded_with_its_hooks_and_contributions() -> None:
    registry = registry_of(working_plugin())
    info = registry.plugin("acme")
    assert info is not None
    assert info.status == "loaded" and info.errors == []
    assert info.hooks == ["register_commands", "register_pipelines", "register_manifest_parsers"]
    assert (info.commands, info.pipelines, info.manifest_parsers) == (["acme", "greet"], ["acme-sync"], ["acme-v1"])
    assert registry.commands["acme"][1] == "acme"
    assert registry.pipelines["acme-sync"] == (ACME_PIPELINE, "acme")
    assert registry.manifest_parsers["acme-v1"] == (ACME_PARSER, "acme")
    assert registry.warnings == []


def test_as_dict_is_what_plugins_list_json_prints() -> None:
    data = registry_of(working_plugin()).plugin("acme").as_dict()
    assert data == {
        "name": "acme",
        "distribution": "fake-acme",
        "version": "1.0",
        "module": "acme",
        "api": None,
        "hooks": ["register_commands", "register_pipelines", "register_manifest_parsers"],
        "commands": ["acme", "greet"],
        "pipelines": ["acme-sync"],
        "manifest_parsers": ["acme-v1"],
        "settings": [],
        "status": "loaded",
        "errors": [],
    }


def _settings_plugin(section: str):
    from open_finops.hookspecs import hookimpl
    from open_finops.settings import SettingsSection

    class Plugin:
        @hookimpl
        def register_settings(self):
            return [SettingsSection(section, f"{section} settings.")]

    return Plugin()


def test_two_plugins_declaring_one_settings_section_is_an_error_naming_both() -> None:
    registry = registry_of(("first", _settings_plugin("cloud")), ("second", _settings_plugin("cloud")))
    assert registry.settings["cloud"][1] == "first"
    assert registry.plugin("second").errors == [
        "settings section 'cloud' is contributed by both plugin 'first' and plugin 'second'; the one from 'first' "
        "is kept (set OPEN_FINOPS_PLUGINS to choose)"]


@pytest.mark.parametrize("section", ["project", "focus", "database"])
def test_a_plugin_cannot_declare_a_section_of_cores(section: str) -> None:
    registry = registry_of(("acme", _settings_plugin(section)))
    assert section not in registry.settings
    assert registry.plugin("acme").errors == [
        f"settings section [{section}] is open-finops' own and cannot be declared by a plugin"]


def test_two_plugins_contributing_one_command_name_is_an_error_naming_both() -> None:
    registry = registry_of(group_plugin("first", "cloud"), group_plugin("second", "cloud"))
    assert registry.commands["cloud"][1] == "first"
    second = registry.plugin("second")
    assert second.commands == []
    assert second.errors == [
        "command 'cloud' is contributed by both plugin 'first' and plugin 'second'; "
        "the one from 'first' is kept (set OPEN_FINOPS_PLUGINS to choose)"
    ]
    assert registry.warnings == [f"plugin 'second': {second.errors[0]}"]


def test_a_single_command_and_a_group_with_the_same_name_clash_too() -> None:
    single = make_plugin("single", register_commands=lambda: [Command(name="cloud", help="x", callback=print)])
    registry = registry_of(single, group_plugin("grouped", "cloud"))
    assert "command 'cloud' is contributed by both plugin 'single' and plugin 'grouped'" in (
        registry.plugin("grouped").errors[0]
    )


def test_two_plugins_contributing_one_pipeline_name_is_an_error_naming_both() -> None:
    registry = registry_of(pipelines_plugin("first", ["sync"]), pipelines_plugin("second", ["sync", "other"]))
    assert registry.pipelines["sync"][1] == "first"
    assert registry.pipelines["other"][1] == "second"
    assert registry.plugin("second").errors == [
        "pipeline 'sync' is contributed by both plugin 'first' and plugin 'second'; "
        "the one from 'first' is kept (set OPEN_FINOPS_PLUGINS to choose)"
    ]


def test_two_plugins_contributing_one_manifest_parser_name_is_an_error_naming_both() -> None:
    registry = registry_of(parsers_plugin("first", ["v1"]), parsers_plugin("second", ["v1"]))
    assert registry.manifest_parsers["v1"][1] == "first"
    assert registry.plugin("second").errors == [
        "manifest parser 'v1' is contributed by both plugin 'first' and plugin 'second'; "
        "the one from 'first' is kept (set OPEN_FINOPS_PLUGINS to choose)"
    ]


def declaring(api: object, plugin):
    plugin.OPEN_FINOPS_API = api
    return plugin


def test_a_plugin_whose_api_range_includes_cores_version_loads_and_shows_its_range() -> None:
    info = registry_of(declaring(">=1.0,<2", working_plugin())).plugin("acme")
    assert (info.status, info.api, info.errors) == ("loaded", ">=1.0,<2", [])


def test_a_plugin_that_declares_no_api_range_loads() -> None:
    info = registry_of(working_plugin()).plugin("acme")
    assert (info.status, info.api, info.errors) == ("loaded", None, [])


def test_a_plugin_written_for_a_newer_plugin_api_is_not_registered_and_says_to_upgrade_core() -> None:
    registry = registry_of(declaring(">=2.0,<3", working_plugin()), pipelines_plugin("other", ["other-sync"]))
    info = registry.plugin("acme")
    assert (info.status, info.api, info.hooks) == ("failed", ">=2.0,<3", [])
    assert info.errors == [
        "supports plugin API >=2.0,<3 but open-finops 0.1.0 provides plugin API 1.0; upgrade open-finops, "
        "or install a release of fake-acme that supports plugin API 1.0"
    ]
    assert "acme" not in registry.commands and "acme-sync" not in registry.pipelines
    assert list(registry.pipelines) == ["other-sync"]  # the next plugin still loads


def test_a_plugin_written_for_an_older_plugin_api_says_to_upgrade_the_plugin() -> None:
    info = registry_of(declaring(">=0.1,<1", working_plugin())).plugin("acme")
    assert info.status == "failed"
    assert info.errors == [
        "supports plugin API >=0.1,<1 but open-finops 0.1.0 provides plugin API 1.0; "
        "upgrade fake-acme to a release that supports plugin API 1.0"
    ]


@pytest.mark.parametrize(
    ("declared", "shown", "reason"),
    [
        ("1.0+", "'1.0+'", "'1.0+' is not an operator followed by a version, such as '>=1.0'"),
        (1, "1", "it is a int, not a string"),
    ],
)
def test_a_plugin_whose_api_range_cannot_be_read_is_not_registered(declared: object, shown: str, reason: str) -> None:
    info = registry_of(declaring(declared, working_plugin())).plugin("acme")
    assert info.status == "failed" and info.commands == []
    assert info.errors == [f"declares OPEN_FINOPS_API = {shown}, which is not a version range ({reason}); "
                           "write e.g. '>=1.0,<2'"]


@pytest.mark.parametrize("reserved", sorted(RESERVED_COMMANDS))
def test_a_plugin_cannot_take_a_built_in_command_name(reserved: str) -> None:
    registry = registry_of(group_plugin("greedy", reserved))
    info = registry.plugin("greedy")
    assert reserved not in registry.commands
    assert info.errors == [f"command {reserved!r} is a built-in finops command and cannot be replaced"]


def test_a_misspelled_hook_is_caught_and_the_plugin_is_not_used() -> None:
    typo = make_plugin("typo", register_comands=lambda: [Command(name="typo", help="x", callback=print)])
    registry = registry_of(typo, working_plugin())
    info = registry.plugin("typo")
    assert info.status == "failed"
    assert len(info.errors) == 1 and info.errors[0].startswith("implements an unknown hook:")
    assert "register_comands" in info.errors[0]
    assert "typo" not in registry.commands
    assert registry.plugin("acme").status == "loaded"  # the next plugin still loads


def test_a_hook_with_arguments_the_spec_does_not_offer_cannot_be_registered() -> None:
    wrong = make_plugin("wrong", register_commands=lambda registry: [])
    info = registry_of(wrong).plugin("wrong")
    assert info.status == "failed"
    assert info.errors[0].startswith("could not be registered:") and "registry" in info.errors[0]


def test_a_hook_that_raises_is_recorded_and_the_plugins_other_hooks_still_count() -> None:
    flaky = make_plugin(
        "flaky",
        register_commands=raise_runtime_error,
        register_pipelines=lambda: [ACME_PIPELINE],
    )
    registry = registry_of(flaky)
    info = registry.plugin("flaky")
    assert info.status == "loaded"
    assert info.errors == ["register_commands raised RuntimeError: boom while registering"]
    assert info.pipelines == ["acme-sync"] and registry.commands == {}


def test_a_hook_that_raises_in_one_plugin_does_not_hide_another_plugins_results() -> None:
    registry = registry_of(make_plugin("flaky", register_pipelines=raise_runtime_error),
                           pipelines_plugin("steady", ["steady-sync"]))
    assert registry.plugin("flaky").errors == ["register_pipelines raised RuntimeError: boom while registering"]
    assert registry.plugin("steady").errors == []
    assert list(registry.pipelines) == ["steady-sync"]


class GrownSpecs:
    """``register_pipelines`` as a later plugin API might declare it: it now offers the configuration."""

    @hookspecs.hookspec
    def register_pipelines(self, config):
        """Return a list of ``Pipeline``; ``config`` is the configuration in force."""


def test_a_hook_can_grow_an_argument_without_breaking_plugins_that_do_not_take_it() -> None:
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(GrownSpecs)
    old = make_plugin("old", register_pipelines=lambda: [ACME_PIPELINE])
    new = make_plugin("new", register_pipelines=lambda config: [
        Pipeline(name=f"{config}-sync", vendor="acme", description="d", runner="m:f")
    ])
    pm.register(old)
    pm.register(new)

    assert call_hook(pm, old, "register_pipelines", config="north") == [[ACME_PIPELINE]]
    ((grown,),) = call_hook(pm, new, "register_pipelines", config="north")
    assert grown.name == "north-sync"


def test_an_invalid_contribution_built_inside_a_hook_is_reported_as_that_hook_raising() -> None:
    bad = make_plugin("bad", register_commands=lambda: [CommandGroup(name="Bad Name", help="x", app=typer.Typer())])
    info = registry_of(bad).plugin("bad")
    assert info.errors == [
        "register_commands raised ValueError: command name 'Bad Name' is invalid: use lowercase letters, "
        "digits, '-' or '_', starting with a letter"
    ]


def test_a_hook_returning_the_wrong_type_is_reported() -> None:
    odd = make_plugin("odd", register_pipelines=lambda: [ACME_PARSER, ACME_PIPELINE])
    registry = registry_of(odd)
    assert registry.plugin("odd").errors == ["register_pipelines returned ManifestParser, expected Pipeline"]
    assert list(registry.pipelines) == ["acme-sync"]


def test_a_hook_may_return_one_contribution_or_none() -> None:
    single = make_plugin("single", register_pipelines=lambda: ACME_PIPELINE, register_commands=lambda: None)
    info = registry_of(single).plugin("single")
    assert info.pipelines == ["acme-sync"] and info.commands == [] and info.errors == []


def test_lookups_by_kind_and_vendor() -> None:
    focus = make_plugin(
        "focus",
        register_pipelines=lambda: [
            Pipeline(name="aws-focus", vendor="aws", description="d", runner="m:f", kind="focus", reads=("cur_*",))
        ],
    )
    registry = registry_of(working_plugin(), focus)
    assert [p.name for p in registry.pipelines_of_kind("focus")] == ["aws-focus"]
    assert [p.name for p in registry.pipelines_of_kind("import")] == ["acme-sync"]
    assert [p.name for p in registry.parsers_for_vendor("acme")] == ["acme-v1"]
    assert registry.parsers_for_vendor("aws") == []


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Pipeline(name="p", vendor="v", description="d", runner="no_colon"), "runner must be a dotted path"),
        (lambda: Pipeline(name="p", vendor="v", description="d", runner="m:f", kind="batch"), "kind must be one of"),
        (lambda: Pipeline(name="p", vendor="AWS", description="d", runner="m:f"), "vendor name 'AWS' is invalid"),
        (
            lambda: ManifestParser(name="m", vendor="v", format_version="1", description="d", key_pattern="(",
                                   parse="m:f"),
            "key_pattern is not a regex",
        ),
        (
            lambda: ManifestParser(name="m", vendor="v", format_version="1", description="d", key_pattern="x",
                                   parse="m"),
            "parse must be a dotted path",
        ),
        (lambda: Command(name="c", help="h", callback="not callable"), "callback must be callable"),
    ],
)
def test_contributions_validate_themselves_when_built(build, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_building_an_app_makes_its_registry_the_current_one() -> None:
    first, second = registry_of(working_plugin()), registry_of(group_plugin("cloudy", "cloudy"))
    build_app(first)
    assert current_registry() is first
    build_app(second)
    assert current_registry() is second


def test_without_an_app_the_current_registry_is_discovered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    discovered = []

    def discover() -> Registry:
        discovered.append(Registry())
        return discovered[-1]

    monkeypatch.setattr(plugins, "discover", discover)

    assert current_registry() is current_registry() is discovered[0]
    assert len(discovered) == 1
