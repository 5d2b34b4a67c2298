"""What every command can ask of the command line it runs in: the config file, --debug, --quiet.

Plugin commands call :func:`load_settings` with their own ``--config`` value; the top-level ``finops -c``
applies when a command has none.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import typer

from open_finops.config import Config, load_config

DEBUG_ENV = "OPEN_FINOPS_DEBUG"


@dataclass
class CliState:
    config_path: Path | None = None
    debug: bool = False


_state: ContextVar[CliState | None] = ContextVar("open_finops_cli_state", default=None)


def set_state(value: CliState) -> None:
    """Called by the top-level ``finops`` callback before any subcommand runs."""
    _state.set(value)


def state() -> CliState:
    current = _state.get()
    return current if current is not None else CliState(debug=bool(os.environ.get(DEBUG_ENV)))


def load_settings(config_flag: Path | str | None = None) -> Config:
    """The configuration for this command: its own ``--config``, else ``finops --config``, else the usual."""
    return load_config(config_flag if config_flag is not None else state().config_path)


# A ``--config/-c`` option for plugin commands, so users can put it where they are used to.
ConfigOption = typer.Option(
    None, "--config", "-c", help="Path to config.toml (default: $OPEN_FINOPS_CONFIG or ./config.toml).",
    show_default=False,
)
