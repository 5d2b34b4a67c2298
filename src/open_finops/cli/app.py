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
from open_finops.cli import config_cmd, demo_cmd, focus_cmd, pipelines_cmd, plugins_cmd, query_cmd, state_cmd
from open_finops.cli.context import DEBUG_ENV, CliState, set_state
from open_finops.contributions import CommandGroup
from open_finops.errors import OpenFinopsError, PluginNotInstalled, disk_full
from open_finops.secrets import mask_secrets
from open_finops.vendors import KNOWN_VENDORS

TRACE_ENV = "OPEN_FINOPS_TRACE_PLUGINS"
HELP = (
    "open-finops: load cloud billing exports into an analytical database and turn them into FOCUS.\n\n"
    "Command groups come from installed plugins; see 'finops plugins list'."
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"open-finops {__version__} (plugin API {PLUGIN_API_VERSION})")
        raise typer.Exit()


def _stand_in(app: typer.Typer, name: str, message: str) -> None:
    """A hidden command in place of a group that is not there, which says why instead of 'No such command'."""

    @app.command(
        name,
        hidden=True,
        add_help_option=False,
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def stand_in(ctx: typer.Context) -> None:
        raise PluginNotInstalled(message)


def _why_missing(name: str, registry: plugins.Registry) -> str | None:
    """Why the commands of plugin (or known vendor) ``name`` are not there, or None if nothing is known."""
    vendor = KNOWN_VENDORS.get(name)
    broken = registry.plugin(name)
    if name in registry.turned_off:
        distribution = f" ({registry.turned_off[name]})" if registry.turned_off[name] else ""
        selection = f"{plugins.PLUGINS_ENV}={os.environ.get(plugins.PLUGINS_ENV, '')!r}"
        return (
            f"The '{name}' commands come from plugin {name!r}{distribution}, which is installed but turned off "
            f"by {selection}; add {name} to it, or unset it to load every plugin"
        )
    if broken is not None and broken.errors and broken.status == "failed":
        reinstall = (f"pip install --force-reinstall 'open-finops[{vendor.extra}]'" if vendor and vendor.extra
                     else f"pip install --force-reinstall {broken.distribution or name}")
        return (
            f"The '{name}' commands come from plugin {broken.name!r} ({broken.distribution}), which is "
            f"installed but failed to load: {broken.errors[0]}. See 'finops plugins list'; reinstall it with: "
            f"{reinstall}"
        )
    return vendor.hint() if vendor is not None else None


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
        add_completion=True,
        pretty_exceptions_enable=False,
        # Plain Click help for every command (the mode reaches each plugin group too): rendering help
        # through rich imports its markdown, syntax and traceback modules, which tripled `finops --help`'s
        # start-up (benchmarks/README.md). Help text is shown as written, so "[aws]" stays "[aws]".
        rich_markup_mode=None,
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
        strict: bool = typer.Option(
            False, "--strict", help="Unknown config sections and keys are errors, not warnings.",
        ),
    ) -> None:
        set_state(CliState(config_path=config, debug=debug or bool(os.environ.get(DEBUG_ENV)), strict=strict))

    app.add_typer(plugins_cmd.make_app(registry), name="plugins")
    app.add_typer(pipelines_cmd.make_app(registry), name="pipelines")
    app.add_typer(config_cmd.app, name="config")
    app.add_typer(focus_cmd.make_app(registry), name="focus")
    app.add_typer(state_cmd.state_app(), name="state")
    app.add_typer(state_cmd.exports_app(), name="exports")
    app.command("query")(query_cmd.query)
    app.command("demo")(demo_cmd.make_command(registry))
    for name, (contribution, _plugin) in sorted(registry.commands.items()):
        if isinstance(contribution, CommandGroup):
            app.add_typer(contribution.app, name=name, help=contribution.help)
        else:
            app.command(name=name, help=contribution.help)(contribution.callback)
    # Known vendors, plugins that failed to load and plugins turned off keep a name that explains itself.
    names = [*KNOWN_VENDORS, *(p.name for p in registry.plugins), *registry.turned_off]
    for name in dict.fromkeys(names):
        if name in registry.commands or name in plugins.RESERVED_COMMANDS:
            continue
        message = _why_missing(name, registry)
        if message is not None:
            _stand_in(app, name, message)
    return app


def _hide_flag_types(command) -> None:
    """A flag takes no value, so its help shows none (Typer would print ``--json <bool>``)."""
    # click makes --help lazily, once per command; a bare context is enough to ask for it.
    help_option = command.get_help_option(command.context_class(command))
    for param in [*command.params, *([help_option] if help_option is not None else [])]:
        if getattr(param, "is_flag", False) and getattr(param, "metavar", None) is None:
            param.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        _hide_flag_types(sub)


def run(app: typer.Typer, argv: Sequence[str], *, debug: bool = False) -> int:
    """Run ``app`` on ``argv`` and turn every outcome into an exit code.

    Typer reports its own usage errors (exit 2) in standalone mode; our errors and anything unexpected
    are caught here.
    """
    command = typer.main.get_command(app)
    _hide_flag_types(command)
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
