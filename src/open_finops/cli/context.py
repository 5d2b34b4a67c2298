"""What every command can ask of the command line it runs in: the config file, --debug, --strict.

Plugin commands call :func:`load_settings` with their own ``--config`` value; the top-level ``finops -c``
applies when a command has none. Loading the configuration also checks it against the settings core and
the installed plugins declare: what nothing reads is a warning on stderr, or an error when strict.
"""

from __future__ import annotations

import os
import sys
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

import typer

from open_finops.config import Config, load_config

DEBUG_ENV = "OPEN_FINOPS_DEBUG"


@dataclass
class CliState:
    config_path: Path | None = None
    debug: bool = False
    strict: bool = False
    # Config warnings already printed: a command that loads its settings twice says each once.
    warned: set[str] = field(default_factory=set)


_state: ContextVar[CliState | None] = ContextVar("open_finops_cli_state", default=None)


def set_state(value: CliState) -> None:
    """Called by the top-level ``finops`` callback before any subcommand runs."""
    _state.set(value)


def state() -> CliState:
    current = _state.get()
    return current if current is not None else CliState(debug=bool(os.environ.get(DEBUG_ENV)))


def load_settings(config_flag: Path | str | None = None) -> Config:
    """The configuration for this command: its own ``--config``, else ``finops --config``, else the usual.

    What nothing reads (a typo'd key, an unknown section, an old key) is one warning line each on stderr;
    a ConfigError instead under ``--strict`` or ``[project] strict_config = true``.
    """
    current = state()
    config = load_config(config_flag if config_flag is not None else current.config_path)
    for line in checked(config, strict=current.strict):
        if line not in current.warned:
            current.warned.add(line)
            print(f"Warning: {line}", file=sys.stderr)
    return config


def checked(config: Config, *, strict: bool = False) -> list[str]:
    """The warnings of ``config`` against what this process's plugins declare; raises when strict."""
    from open_finops import config_check, plugins
    from open_finops.vendors import KNOWN_VENDORS

    registry = plugins.current_registry()
    quiet = {*KNOWN_VENDORS, *plugins.RESERVED_SECTIONS, *registry.turned_off,
             *(p.name for p in registry.plugins if p.status != "loaded" or not p.settings)}
    problems = config_check.check(config, registry.settings_sections(), quiet)
    return config_check.enforce(problems, strict or config_check.strict_setting(config))


# A ``--config/-c`` option for plugin commands, so users can put it where they are used to.
ConfigOption = typer.Option(
    None, "--config", "-c", help="Path to config.toml (default: $OPEN_FINOPS_CONFIG or ./config.toml).",
    show_default=False,
)
