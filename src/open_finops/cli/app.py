"""The ``finops`` application: a factory that builds the CLI from a plugin registry, and ``main``.

``main`` is the one place where our errors become messages and exit codes: one line on stderr, no
traceback unless ``--debug`` (or ``OPEN_FINOPS_DEBUG=1``). ``OPEN_FINOPS_TRACE_PLUGINS=1`` writes
pluggy's trace of every hook call, and what each returned, to stderr.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

import typer

from open_finops import __version__, plugins
from open_finops.api_version import PLUGIN_API_VERSION
from open_finops.cli import config_cmd, focus_cmd, pipelines_cmd, plugins_cmd, state_cmd
from open_finops.cli.context import DEBUG_ENV, CliState, set_state
from open_finops.contributions import CommandGroup
from open_finops.errors import OpenFinopsError, PluginNotInstalled, disk_full
from open_finops.secrets import mask_secrets
from open_finops.vendors import KNOWN_VENDORS, KnownVendor

TRACE_ENV = "OPEN_FINOPS_TRACE_PLUGINS"
HELP = (
    "open-finops: load cloud billing exports into an analytical database and turn them into FOCUS.\n\n"
    "Command groups come from installed plugins; see 'finops plugins list'."
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"open-finops {__version__} (plugin API {PLUGIN_API_VERSION})")
        raise typer.Exit()


def _missing_vendor(app: typer.Typer, vendor: KnownVendor, broken: plugins.PluginInfo | None) -> None:
    """A hidden stand-in for a vendor's command group that explains what to install or what broke."""
    if broken is not None and broken.errors:
        message = (
            f"The '{vendor.name}' commands come from plugin {broken.name!r} ({broken.distribution}), which is "
            f"installed but failed to load: {broken.errors[0]}. See 'finops plugins list'; reinstall it with: "
            f"pip install --force-reinstall 'open-finops[{vendor.extra}]'"
        )
    else:
        message = vendor.hint()

    @app.command(
        vendor.name,
        hidden=True,
        add_help_option=False,
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def stand_in(ctx: typer.Context) -> None:
        raise PluginNotInstalled(message)


def build_app(registry: plugins.Registry) -> typer.Typer:
    """Build the command line from what the registry's plugins contribute.

    The registry becomes this process's current one (:func:`open_finops.plugins.current_registry`), so
    plugin commands use the registry their command line was built from.
    """
    plugins.set_current_registry(registry)
    app = typer.Typer(
        name="finops",
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True,
            help="Show the version and the plugin API version, and exit.",
        ),
        config: Path | None = typer.Option(
            None, "--config", "-c", help="Path to config.toml (default: $OPEN_FINOPS_CONFIG or ./config.toml).",
            show_default=False,
        ),
        debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
    ) -> None:
        set_state(CliState(config_path=config, debug=debug or bool(os.environ.get(DEBUG_ENV))))

    app.add_typer(plugins_cmd.make_app(registry), name="plugins")
    app.add_typer(pipelines_cmd.make_app(registry), name="pipelines")
    app.add_typer(config_cmd.app, name="config")
    app.add_typer(focus_cmd.make_app(registry), name="focus")
    app.add_typer(state_cmd.state_app(), name="state")
    app.add_typer(state_cmd.exports_app(), name="exports")
    for name, (contribution, _plugin) in sorted(registry.commands.items()):
        if isinstance(contribution, CommandGroup):
            app.add_typer(contribution.app, name=name, help=contribution.help)
        else:
            app.command(name=name, help=contribution.help)(contribution.callback)
    for vendor in KNOWN_VENDORS.values():
        if vendor.name not in registry.commands:
            _missing_vendor(app, vendor, registry.plugin(vendor.name))
    return app


def run(app: typer.Typer, argv: Sequence[str], *, debug: bool = False) -> int:
    """Run ``app`` on ``argv`` and turn every outcome into an exit code.

    Typer reports its own usage errors (exit 2) in standalone mode; our errors and anything unexpected
    are caught here.
    """
    command = typer.main.get_command(app)
    try:
        command.main(args=list(argv), prog_name="finops", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except OpenFinopsError as exc:
        if debug:
            print(mask_secrets(traceback.format_exc()), end="", file=sys.stderr)
        print(f"Error: {mask_secrets(exc.message)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Aborted.", file=sys.stderr)
        return 130
    except Exception as exc:
        if debug:
            print(mask_secrets(traceback.format_exc()), end="", file=sys.stderr)
        elif (full := disk_full(exc)) is not None:  # a FOCUS build or export, opening the database, ...
            print(f"Error: {mask_secrets(full.message)}", file=sys.stderr)
            return full.exit_code
        else:
            print(
                f"Error: unexpected {type(exc).__name__}: {mask_secrets(str(exc))} "
                "(run again with --debug for the traceback)",
                file=sys.stderr,
            )
        return 1
    return 0


def warn(registry: plugins.Registry) -> None:
    """One warning line on stderr per plugin problem."""
    for line in registry.warnings:
        print(f"Warning: {line}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """``finops``: discover the plugins once, say what failed to load, build the command line and run it."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or bool(os.environ.get(DEBUG_ENV))
    registry = plugins.discover(trace=sys.stderr.write if os.environ.get(TRACE_ENV) else None)
    warn(registry)
    return run(build_app(registry), args, debug=debug)
