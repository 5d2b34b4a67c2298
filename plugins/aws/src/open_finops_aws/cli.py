"""The ``finops aws`` command group."""

from __future__ import annotations

import typer

app = typer.Typer(help="Import AWS Cost and Usage Reports (CUR v1 and CUR 2.0).", no_args_is_help=True)
