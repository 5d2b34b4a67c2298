"""``finops database copy``: move the DuckDB file's billing data, and its load state, to PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import typer

from open_finops.cli.context import ConfigOption, load_settings
from open_finops.cli.imports import DataDirOption, JsonOption, QuietOption


def database_app() -> typer.Typer:
    app = typer.Typer(help="The database the billing data lives in.", no_args_is_help=True)

    @app.command("copy")
    def copy(
        to: str = typer.Option(..., "--to", help="Destination to copy into: postgres (connected the dlt way)."),
        data_dir: Path | None = DataDirOption,
        quiet: bool = QuietOption,
        as_json: bool = JsonOption,
        config: Path | None = ConfigOption,
    ) -> None:
        """Copy every loaded billing period of the DuckDB file, and its load state, into a server destination;
        imports into it then skip what was copied. Periods the destination already holds are kept as they are."""
        from rich.markup import escape

        from open_finops import database
        from open_finops.cli.output import console, print_json, progress
        from open_finops.database_copy import copy_database

        cfg = load_settings(config)
        out = console(stderr=True)

        def report(p) -> None:
            if not (quiet or as_json):
                what = {"copied": f"copied {p.rows:,} rows", "skipped": "already there",
                        "kept": "kept: the destination holds another version, imported there"}[p.status]
                out.print(escape(f"{p.export_name} {p.billing_period}: {what} ({p.dataset}.{p.table})"),
                          soft_wrap=True)

        with progress(quiet or as_json, transfer=False) as bar:  # rows, not bytes
            copied = copy_database(cfg.data_dir(data_dir), to, lock_timeout=database.lock_timeout(cfg),
                                   memory_limit=database.memory_limit(cfg), on_period=report, progress=bar)
        if as_json:
            print_json([vars(p) for p in copied])

    return app
