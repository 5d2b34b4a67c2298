"""A fake plugin set for the core tests: plugins built in memory, the way a real plugin module looks.

``make_plugin`` turns plain functions into hook implementations on a module object, so a test can build
one that works, one that clashes, one with a misspelled hook, ... and hand them to ``build_registry``.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable, Iterable
from typing import Any

import typer

from open_finops import (
    Column,
    Command,
    CommandGroup,
    DataFile,
    ExportVersion,
    ManifestParser,
    Pipeline,
    hookimpl,
)
from open_finops.plugins import PluginInfo, Registry, build_registry


def make_plugin(name: str, **hooks: Callable[[], Any]) -> types.ModuleType:
    """A plugin module whose attributes are the given hook implementations (names are not checked)."""
    module = types.ModuleType(f"fake_plugin_{name}")
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    return module


def registry_of(*plugins: types.ModuleType | tuple[str, types.ModuleType]) -> Registry:
    """Build a registry from in-memory plugins, named after their modules unless a name is given."""
    candidates = []
    for item in plugins:
        name, module = item if isinstance(item, tuple) else (item.__name__.removeprefix("fake_plugin_"), item)
        candidates.append((PluginInfo(name=name, distribution=f"fake-{name}", version="1.0", module=name), module))
    return build_registry(candidates)


# -- what the working plugin contributes -------------------------------------------------------------

acme_app = typer.Typer(help="Acme cloud commands.", no_args_is_help=True)


@acme_app.command("sync")
def acme_sync(account: str = typer.Option(..., "--account", help="Account to sync.")) -> None:
    """Pretend to sync one account."""
    typer.echo(f"synced {account}")


def greet(name: str = typer.Argument("world")) -> None:
    typer.echo(f"Greetings, {name}")


def run_acme(settings: Any = None) -> dict[str, Any]:
    """The acme pipeline's runner; imported by dotted path only when it runs. Reads its own section."""
    region = settings.get("acme", "region") if settings is not None else None
    return {"pipeline": "acme-sync", "rows": 3, "region": region}


def parse_acme_manifest(key: str, body: bytes) -> ExportVersion:
    """Acme's layout: ``<root>/<export>/<period>/<version>/acme-Manifest.json``, data anywhere under ``<export>/``."""
    manifest = json.loads(body)
    return ExportVersion(
        vendor="acme",
        export_name=manifest["export"],
        billing_period=manifest["period"],
        version_id=manifest["version"],
        format_version="v1",
        manifest_key=key,
        data_files=tuple(DataFile(uri=uri, format="csv", compression="gzip") for uri in manifest["files"]),
        columns=tuple(Column(name=name, type=kind) for name, kind in manifest["columns"].items()),
        export_root="/".join(key.split("/")[:-3]),
    )


ACME_PIPELINE = Pipeline(
    name="acme-sync",
    vendor="acme",
    description="Load Acme billing exports.",
    runner="finops_fakes:run_acme",
)
ACME_PARSER = ManifestParser(
    name="acme-v1",
    vendor="acme",
    format_version="v1",
    description="Acme manifests.",
    key_pattern=r"(^|/)acme-Manifest\.json$",
    parse="finops_fakes:parse_acme_manifest",
)


def working_plugin() -> types.ModuleType:
    """Contributes a command group, a single command, a pipeline and a manifest parser."""
    return make_plugin(
        "acme",
        register_commands=lambda: [
            CommandGroup(name="acme", help="Acme cloud commands.", app=acme_app),
            Command(name="greet", help="Print a greeting.", callback=greet),
        ],
        register_pipelines=lambda: [ACME_PIPELINE],
        register_manifest_parsers=lambda: [ACME_PARSER],
    )


def group_plugin(plugin_name: str, command_name: str, help_text: str = "A vendor's commands.") -> types.ModuleType:
    """A plugin contributing one command group with one ``status`` command that prints its plugin name."""
    app = typer.Typer(help=help_text, no_args_is_help=True)

    @app.command("status")
    def status() -> None:
        typer.echo(f"{command_name} status from {plugin_name}")

    return make_plugin(
        plugin_name,
        register_commands=lambda: [CommandGroup(name=command_name, help=help_text, app=app)],
    )


def pipelines_plugin(plugin_name: str, names: Iterable[str]) -> types.ModuleType:
    pipelines = [
        Pipeline(name=n, vendor="acme", description=f"{n} from {plugin_name}", runner="finops_fakes:run_acme")
        for n in names
    ]
    return make_plugin(plugin_name, register_pipelines=lambda: pipelines)


def parsers_plugin(plugin_name: str, names: Iterable[str]) -> types.ModuleType:
    parsers = [
        ManifestParser(name=n, vendor="acme", format_version="v1", description=f"{n} from {plugin_name}",
                       key_pattern="x", parse="finops_fakes:parse_acme_manifest")
        for n in names
    ]
    return make_plugin(plugin_name, register_manifest_parsers=lambda: parsers)


def raise_runtime_error() -> list[Any]:
    raise RuntimeError("boom while registering")
