"""The hooks a plugin can implement. Read this file as the table of contents of what plugins do.

Hooks take no arguments today. Core calls them through pluggy's hook caller
(:func:`open_finops.plugins.call_hook`), which passes arguments by keyword and only those an
implementation asks for, so a hook can grow an argument later without breaking plugins written before it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from open_finops.contributions import Command, CommandGroup, ManifestParser, Pipeline
    from open_finops.settings import SettingsSection

PROJECT_NAME = "open_finops"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def register_commands() -> list[CommandGroup | Command]:
    """Return a list of ``CommandGroup`` or ``Command`` to add to the ``finops`` command line.

    Example::

        app = typer.Typer()

        @app.command()
        def greet() -> None:
            typer.echo("hi")

        @hookimpl
        def register_commands():
            return [CommandGroup(name="hello", help="Say hello.", app=app)]
    """


@hookspec
def register_pipelines() -> list[Pipeline]:
    """Return a list of ``Pipeline`` the plugin can run; runners are dotted paths imported on use.

    Example::

        @hookimpl
        def register_pipelines():
            return [Pipeline(name="hello-greetings", vendor="hello", description="Load greetings.",
                             runner="finops_hello.pipeline:run")]
    """


@hookspec
def register_manifest_parsers() -> list[ManifestParser]:
    """Return a list of ``ManifestParser`` that recognise a billing export's manifest by its key.

    Example::

        @hookimpl
        def register_manifest_parsers():
            return [ManifestParser(name="hello-v1", vendor="hello", format_version="v1",
                                   description="Hello exports.", key_pattern=r"(^|/)hello-manifest\\.json$",
                                   parse="finops_hello.importer:parse")]
    """


@hookspec
def register_settings() -> list[SettingsSection]:
    """Return a list of ``SettingsSection``: the ``[section]`` of config.toml the plugin reads, setting by setting.

    Core converts and checks every value (:meth:`open_finops.api.Config.resolve`), lists them in
    ``finops config show``, and warns of a key the section does not declare.

    Example::

        HELLO = SettingsSection(name="hello", help="The hello plugin.", settings=(
            Setting("names", "list", ["world"], help="Who to greet."),
        ))

        @hookimpl
        def register_settings():
            return [HELLO]
    """
