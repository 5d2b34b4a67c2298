"""``finops query``: SQL over the data directory's database, read-only, with no DuckDB shell to install.

Money stays exact on the way out: decimals are printed as written in the database (JSON carries them as
strings, since a JSON number would go through a float in most readers).
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from open_finops.cli.context import ConfigOption, load_settings
from open_finops.cli.imports import DataDirOption
from open_finops.errors import UsageError

# A table for people stops here; --csv and --json print every row, in batches.
TABLE_ROWS = 1_000
BATCH_ROWS = 10_000


def _text(value: object) -> str:
    from decimal import Decimal

    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")  # never exponent notation: 1E-18 is 0.000000000000000001
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _json_value(value: object) -> object:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return _text(value)
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return _text(value)


def query(
    sql: str | None = typer.Argument(None, help="The SQL to run; without it, SQL is read from stdin."),
    as_json: bool = typer.Option(False, "--json", help="Print the rows as a JSON array of objects."),
    as_csv: bool = typer.Option(False, "--csv", help="Print the rows as CSV with a header line."),
    data_dir: Path | None = DataDirOption,
    config: Path | None = ConfigOption,
) -> None:
    """Run SQL against the database read-only and print the result: a table, or --json / --csv.

    Example: finops query "SELECT billing_period, sum(line_item_unblended_cost) FROM aws_cur.demo_cur_v1_unified
    GROUP BY 1 ORDER BY 1"
    """
    import duckdb

    from open_finops.database import open_database

    if as_json and as_csv:
        raise UsageError("--json and --csv cannot be used together; choose one")
    if sql is None:
        if sys.stdin.isatty():
            raise UsageError("no SQL given; pass it as an argument (finops query \"SELECT ...\") or on stdin")
        sql = sys.stdin.read()
    if not sql.strip():
        raise UsageError("the SQL is empty; pass a query such as finops query \"SELECT 42\"")
    cfg = load_settings(config)
    con = open_database(cfg, data_dir, read_only=True)
    try:
        try:
            cursor = con.execute(sql)
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise UsageError(f"the query failed: {first}") from None
        names = [d[0] for d in cursor.description or []]
        if as_csv:
            _print_csv(cursor, names)
        elif as_json:
            _print_json(cursor, names)
        else:
            _print_table(cursor, names)
    finally:
        con.close()


def _batches(cursor):
    while rows := cursor.fetchmany(BATCH_ROWS):
        yield rows


def _print_csv(cursor, names: list[str]) -> None:
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(names)
    for rows in _batches(cursor):
        writer.writerows([[_text(v) for v in row] for row in rows])


def _print_json(cursor, names: list[str]) -> None:
    import json

    sys.stdout.write("[")
    first = True
    for rows in _batches(cursor):
        for row in rows:
            item = {name: _json_value(value) for name, value in zip(names, row, strict=True)}
            sys.stdout.write(("\n  " if first else ",\n  ") + json.dumps(item))
            first = False
    sys.stdout.write("\n]\n" if not first else "]\n")


def _print_table(cursor, names: list[str]) -> None:
    from rich.markup import escape
    from rich.table import Table

    from open_finops.cli.output import console

    if not names:
        typer.echo("OK")
        return
    rows = cursor.fetchmany(TABLE_ROWS + 1)
    table = Table()
    for name in names:
        table.add_column(escape(name))
    for row in rows[:TABLE_ROWS]:
        table.add_row(*(escape(_text(v)) for v in row))
    console().print(table)
    if len(rows) > TABLE_ROWS:
        more = len(rows) - TABLE_ROWS + len(cursor.fetchall())
        typer.echo(f"... {more:,} more rows; use --csv or --json to print them all", err=True)
    else:
        typer.echo(f"{len(rows):,} row{'s' if len(rows) != 1 else ''}", err=True)
