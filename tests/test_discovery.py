"""Discovery through real ``open_finops`` entry points of (fake) installed distributions.

A plugin that fails to import costs one warning line, never the command line; ``OPEN_FINOPS_PLUGINS``
chooses which plugins load at all.
"""

from __future__ import annotations

import json
import sys

import pytest

from open_finops import plugins
from open_finops.cli.app import main
from open_finops.plugins import discover

GOOD = """
import typer
from open_finops import CommandGroup, Pipeline, hookimpl

app = typer.Typer(no_args_is_help=True)

@app.command("ping")
def ping() -> None:
    typer.echo("pong from {name}")

@hookimpl
def register_commands():
    return [CommandGroup(name="{command}", help="Commands of {name}.", app=app)]

@hookimpl
def register_pipelines():
    return [Pipeline(name="{name}-load", vendor="{name}", description="d", runner="{module}:run")]
"""

BROKEN = "import a_module_that_is_not_installed_anywhere\n"

# A plugin whose command asks for the registry, as the AWS plugin's commands look up manifest parsers.
CURIOUS = """
import typer
from open_finops import CommandGroup, hookimpl
from open_finops.plugins import current_registry

app = typer.Typer(no_args_is_help=True)

@app.command("commands")
def commands() -> None:
    typer.echo(",".join(sorted(current_registry().commands)))

@hookimpl
def register_commands():
    return [CommandGroup(name="curious", help="Asks for the registry.", app=app)]
"""


def good_plugin(site, name: str, command: str | None = None, distribution: str | None = None) -> None:
    module = f"fake_{name}_plugin"
    site.add(
        distribution or f"finops-{name}",
        {name: module},
        {module: GOOD.format(name=name, command=command or name, module=module)},
    )


def names(registry) -> list[str]:
    return [p.name for p in registry.plugins]


def test_installed_plugins_are_found_through_the_entry_point_group(fake_site) -> None:
    good_plugin(fake_site, "alpha")
    good_plugin(fake_site, "beta")
    registry = discover({"OPEN_FINOPS_PLUGINS": "alpha,beta"})
    alpha = registry.plugin("alpha")
    assert names(registry) == ["alpha", "beta"]
    assert (alpha.distribution, alpha.version, alpha.module, alpha.status) == (
        "finops-alpha", "1.0", "fake_alpha_plugin", "loaded"
    )
    assert alpha.hooks == ["register_commands", "register_pipelines"]
    assert set(registry.commands) == {"alpha", "beta"}


def test_a_plugin_that_fails_to_import_is_recorded_and_the_others_load(fake_site) -> None:
    good_plugin(fake_site, "alpha")
    fake_site.add("finops-broken", {"broken": "fake_broken_plugin"}, {"fake_broken_plugin": BROKEN})
    registry = discover({"OPEN_FINOPS_PLUGINS": "alpha,broken"})
    broken = registry.plugin("broken")
    assert broken.status == "failed"
    assert broken.errors == [
        "failed to import fake_broken_plugin: ModuleNotFoundError: "
        "No module named 'a_module_that_is_not_installed_anywhere'"
    ]
    assert registry.plugin("alpha").status == "loaded"


def test_a_plugin_that_exits_while_being_imported_does_not_end_the_command_line(fake_site) -> None:
    fake_site.add("finops-quitter", {"quitter": "fake_quitter"}, {"fake_quitter": "raise SystemExit(3)\n"})
    registry = discover({"OPEN_FINOPS_PLUGINS": "quitter"})
    assert registry.plugin("quitter").errors == ["failed to import fake_quitter: SystemExit: 3"]


@pytest.mark.parametrize("fork", ["finops-alpha-fork", "aaa-finops-alpha"])
def test_two_distributions_using_one_plugin_name_are_reported_by_name(fake_site, fork: str) -> None:
    # Whichever order the file system lists them in, the first distribution by name is the one used.
    fake_site.add("finops-alpha", {"alpha": "fake_alpha_a"}, {"fake_alpha_a": GOOD.format(
        name="alpha", command="alpha", module="fake_alpha_a")})
    fake_site.add(fork, {"alpha": "fake_alpha_b"}, {"fake_alpha_b": GOOD.format(
        name="alpha", command="alpha", module="fake_alpha_b")})
    registry = discover({"OPEN_FINOPS_PLUGINS": "alpha"})
    (first, first_module), (second, second_module) = sorted(
        [("finops-alpha", "fake_alpha_a"), (fork, "fake_alpha_b")]
    )
    assert [(p.distribution, p.status) for p in registry.plugins] == [(first, "loaded"), (second, "failed")]
    assert registry.plugins[1].errors == [
        f"plugin name 'alpha' is also used by {first}; uninstall one of {first} and {second}"
    ]
    assert first_module in sys.modules
    assert second_module not in sys.modules  # the second one is never imported


@pytest.mark.parametrize(
    ("selection", "loaded"),
    [("alpha", ["alpha"]), (" beta , alpha ", ["alpha", "beta"]), ("", []), ("nothing-by-that-name", [])],
)
def test_open_finops_plugins_chooses_which_plugins_load(fake_site, selection: str, loaded: list[str]) -> None:
    good_plugin(fake_site, "alpha")
    good_plugin(fake_site, "beta")
    registry = discover({"OPEN_FINOPS_PLUGINS": selection})
    assert names(registry) == loaded
    for name in ("alpha", "beta"):
        assert (f"fake_{name}_plugin" in sys.modules) == (name in loaded)


def test_without_open_finops_plugins_every_installed_plugin_loads(fake_site) -> None:
    good_plugin(fake_site, "alpha")
    assert "alpha" in names(discover({}))


def test_main_warns_once_on_stderr_and_the_command_line_keeps_working(
    fake_site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    good_plugin(fake_site, "alpha")
    fake_site.add("finops-broken", {"broken": "fake_broken_plugin"}, {"fake_broken_plugin": BROKEN})
    monkeypatch.setenv("OPEN_FINOPS_PLUGINS", "alpha,broken")

    code = main(["alpha", "ping"])

    out, err = capsys.readouterr()
    assert (code, out) == (0, "pong from alpha\n")
    assert err.splitlines() == [
        "Warning: plugin 'broken': failed to import fake_broken_plugin: ModuleNotFoundError: "
        "No module named 'a_module_that_is_not_installed_anywhere'"
    ]
    assert "Traceback" not in err


def test_plugins_list_json_shows_the_load_error(
    fake_site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_site.add("finops-broken", {"broken": "fake_broken_plugin"}, {"fake_broken_plugin": BROKEN})
    monkeypatch.setenv("OPEN_FINOPS_PLUGINS", "broken")

    assert main(["plugins", "list", "--json"]) == 0

    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["name"] == "broken" and listed["distribution"] == "finops-broken"
    assert listed["status"] == "failed"
    assert listed["errors"][0].startswith("failed to import fake_broken_plugin")


def test_a_plugin_named_after_a_vendor_that_fails_to_load_is_explained(
    fake_site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_site.add("open-finops-aws", {"aws": "fake_broken_aws"}, {"fake_broken_aws": BROKEN})
    monkeypatch.setenv("OPEN_FINOPS_PLUGINS", "aws")

    code = main(["aws", "import-cur", "--bucket", "b"])

    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert err[-1] == (
        "Error: The 'aws' commands come from plugin 'aws' (open-finops-aws), which is installed but failed "
        "to load: failed to import fake_broken_aws: ModuleNotFoundError: No module named "
        "'a_module_that_is_not_installed_anywhere'. See 'finops plugins list'; reinstall it with: "
        "pip install --force-reinstall 'open-finops[aws]'"
    )


def test_an_installed_plugin_for_another_plugin_api_is_listed_as_failed_naming_both_versions(
    fake_site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = 'OPEN_FINOPS_API = ">=2.0,<3"\n' + GOOD.format(name="future", command="future", module="fake_future")
    fake_site.add("finops-future", {"future": "fake_future"}, {"fake_future": source})
    monkeypatch.setenv("OPEN_FINOPS_PLUGINS", "future")

    assert main(["plugins", "list", "--json"]) == 0

    out, err = capsys.readouterr()
    (listed,) = json.loads(out)
    message = (
        "supports plugin API >=2.0,<3 but open-finops 0.1.0 provides plugin API 1.0; upgrade open-finops, "
        "or install a release of finops-future that supports plugin API 1.0"
    )
    assert (listed["api"], listed["status"], listed["errors"], listed["commands"]) == (
        ">=2.0,<3", "failed", [message], []
    )
    assert err == f"Warning: plugin 'future': {message}\n"


def test_main_discovers_plugins_once_even_when_a_plugin_command_asks_for_the_registry(
    fake_site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    good_plugin(fake_site, "alpha")
    fake_site.add("finops-curious", {"curious": "fake_curious"}, {"fake_curious": CURIOUS})
    monkeypatch.setenv("OPEN_FINOPS_PLUGINS", "alpha,curious")
    discoveries = []

    def counting_discover(*args, **kwargs):
        discoveries.append(args)
        return discover(*args, **kwargs)

    monkeypatch.setattr(plugins, "discover", counting_discover)

    code = main(["curious", "commands"])

    assert (code, capsys.readouterr().out) == (0, "alpha,curious\n")
    assert len(discoveries) == 1


def test_open_finops_trace_plugins_writes_every_hook_call_to_stderr(
    fake_site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    good_plugin(fake_site, "alpha")
    monkeypatch.setenv("OPEN_FINOPS_PLUGINS", "alpha")
    monkeypatch.setenv("OPEN_FINOPS_TRACE_PLUGINS", "1")

    assert main(["alpha", "ping"]) == 0

    out, err = capsys.readouterr()
    assert out == "pong from alpha\n"
    lines = err.splitlines()
    assert lines[0] == "hooks of plugin 'alpha' (finops-alpha) [pluginmanage]"
    assert [line.split()[0:2] for line in lines[1:]] == [
        ["register_commands", "[hook]"],
        ["finish", "register_commands"],
        ["register_pipelines", "[hook]"],
        ["finish", "register_pipelines"],
    ]
    assert "Pipeline(name='alpha-load'" in lines[-1]


def test_without_open_finops_trace_plugins_nothing_is_traced(
    fake_site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    good_plugin(fake_site, "alpha")
    monkeypatch.setenv("OPEN_FINOPS_PLUGINS", "alpha")

    assert main(["alpha", "ping"]) == 0

    assert capsys.readouterr().err == ""


def test_a_plugin_turned_off_by_open_finops_plugins_says_so_instead_of_not_installed(
    fake_site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    good_plugin(fake_site, "alpha")
    good_plugin(fake_site, "beta")
    monkeypatch.setenv("OPEN_FINOPS_PLUGINS", "alpha")

    code = main(["beta", "ping"])

    assert code == 2
    assert capsys.readouterr().err.splitlines() == [
        "Error: The 'beta' commands come from plugin 'beta' (finops-beta), which is installed but turned off by "
        "OPEN_FINOPS_PLUGINS='alpha'; add beta to it, or unset it to load every plugin"
    ]


def test_a_name_in_open_finops_plugins_that_no_plugin_has_is_a_warning(
    fake_site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    good_plugin(fake_site, "alpha")
    monkeypatch.setenv("OPEN_FINOPS_PLUGINS", "alpha,alhpa")

    assert main(["alpha", "ping"]) == 0
    assert capsys.readouterr().err.splitlines() == [
        "Warning: OPEN_FINOPS_PLUGINS names 'alhpa', but no installed plugin has that name"]


def test_a_third_party_plugin_that_failed_to_load_explains_its_missing_commands(
    fake_site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_site.add("finops-acme", {"acme": "fake_acme_broken"}, {"fake_acme_broken": BROKEN})

    code = main(["acme", "sync"])

    err = capsys.readouterr().err.splitlines()
    assert code == 2 and "No such command" not in "\n".join(err)
    assert err[-1] == (
        "Error: The 'acme' commands come from plugin 'acme' (finops-acme), which is installed but failed to load: "
        "failed to import fake_acme_broken: ModuleNotFoundError: No module named "
        "'a_module_that_is_not_installed_anywhere'. See 'finops plugins list'; reinstall it with: "
        "pip install --force-reinstall finops-acme"
    )
