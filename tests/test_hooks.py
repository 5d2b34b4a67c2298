"""One test per hook, end to end from a plugin's implementation to what a user sees.

``test_every_hookspec_has_a_test_of_its_own`` keeps it that way: a new hook without a ``test_hook_<name>``
test fails the suite (the idea comes from datasette's ``test_plugin_hooks_have_tests``).
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

from finops_fakes import registry_of, working_plugin

from open_finops import ExportVersion, hookspecs, plugins
from open_finops.config import load_config

TESTS = Path(__file__).parent
DOCS = TESTS.parent / "docs"


def hookspec_names() -> list[str]:
    return [
        name
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, f"{hookspecs.PROJECT_NAME}_spec")
    ]


def test_hook_register_commands(cli) -> None:
    registry = registry_of(working_plugin())

    group = cli(registry, "acme", "sync", "--account", "123")
    single = cli(registry, "greet", "Ada")
    listing = cli(registry, "--help")

    assert (group.exit_code, group.stdout) == (0, "synced 123\n")
    assert (single.exit_code, single.stdout) == (0, "Greetings, Ada\n")
    assert re.search(r"acme\s+Acme cloud commands\.", listing.stdout)
    assert re.search(r"greet\s+Print a greeting\.", listing.stdout)


def test_hook_register_pipelines(cli) -> None:
    registry = registry_of(working_plugin())

    listed = json.loads(cli(registry, "pipelines", "list", "--json").stdout)

    assert listed == [
        {
            "name": "acme-sync",
            "kind": "import",
            "vendor": "acme",
            "plugin": "acme",
            "description": "Load Acme billing exports.",
            "runner": "finops_fakes:run_acme",
            "reads": [],
        }
    ]
    pipeline, _ = registry.pipelines["acme-sync"]
    settings = load_config(None, environ={"OPEN_FINOPS_ACME_REGION": "south"})
    assert pipeline.load_runner()(settings) == {"pipeline": "acme-sync", "rows": 3, "region": "south"}


def test_hook_register_manifest_parsers() -> None:
    registry = registry_of(working_plugin())
    body = json.dumps(
        {"export": "daily", "period": "2024-05", "version": "abc", "files": ["s3://b/daily/1.csv.gz"],
         "columns": {"cost": "decimal", "account": "string"}}
    ).encode()

    (parser,) = registry.parsers_for_vendor("acme")
    assert parser.matches("exports/daily/acme-Manifest.json")
    assert not parser.matches("exports/daily/other-Manifest.json")
    version = parser.load_parse()("exports/daily/acme-Manifest.json", body)

    assert isinstance(version, ExportVersion)
    assert (version.export_name, version.billing_period, version.version_id) == ("daily", "2024-05", "abc")
    assert [(f.uri, f.format, f.compression) for f in version.data_files] == [
        ("s3://b/daily/1.csv.gz", "csv", "gzip")
    ]
    assert [(c.name, c.type) for c in version.columns] == [("cost", "decimal"), ("account", "string")]


def test_hook_register_settings(cli, tmp_path) -> None:
    from open_finops.hookspecs import hookimpl
    from open_finops.settings import Setting, SettingsSection

    acme = SettingsSection("acme", "Acme's settings.", (Setting("region", help="Acme region.", default="north"),
                                                        Setting("retries", "int", 3, minimum=0)))

    class Plugin:
        @hookimpl
        def register_settings(self):
            return [acme]

    registry = registry_of(("acme", Plugin()))
    (tmp_path / "config.toml").write_text('[acme]\nretries = 5\nregoin = "x"\n')

    shown = cli(registry, "-c", str(tmp_path / "config.toml"), "config", "show", "--json")

    assert registry.settings["acme"] == (acme, "acme") and registry.plugin("acme").settings == ["acme"]
    doc = json.loads(shown.stdout)["settings"]["acme"]
    assert {k: (v["value"], v["origin"]) for k, v in doc.items()} == {
        "region": ("north", "default"), "retries": (5, f"{(tmp_path / 'config.toml').resolve()}:2")}
    assert "[acme] regoin is not a setting of [acme]; did you mean `region`?" in shown.stderr


def test_every_hookspec_has_a_test_of_its_own() -> None:
    defined = set()
    for path in TESTS.rglob("test_*.py"):
        defined |= set(re.findall(r"^def (test_hook_\w+)", path.read_text(), re.MULTILINE))
    missing = [name for name in hookspec_names() if f"test_hook_{name}" not in defined]
    assert hookspec_names(), "no hookspecs found"
    assert missing == []


def test_the_registry_collects_every_hookspec() -> None:
    assert sorted(plugins.HOOKS) == sorted(hookspec_names())


def test_every_hookspec_is_documented_in_the_plugin_guide() -> None:
    guide = (DOCS / "plugins.md").read_text()
    assert [name for name in hookspec_names() if f"`{name}()`" not in guide] == []
