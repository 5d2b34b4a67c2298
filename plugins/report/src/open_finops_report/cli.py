"""``finops report``: the command. Light to import; the database and plotly are loaded when it runs."""

from __future__ import annotations

from pathlib import Path

import typer

from open_finops.api import ConfigOption, DataDirOption, JsonOption, load_settings

HELP = "Write an offline HTML cost report from the FOCUS data (focus.costs); --json prints its figures."
SECTION = "report"


def tag_keys_setting(cfg, flags: list[str] | None) -> tuple[str, ...]:
    """--tag-key flags, else ``[report] tag_keys`` (a list, or comma-separated text from the environment)."""
    from open_finops.api import ConfigError

    if flags:
        return tuple(dict.fromkeys(flags))
    value = cfg.get(SECTION, "tag_keys", default=[])
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise ConfigError(f"[{SECTION}] tag_keys must be a list of tag keys, e.g. tag_keys = [\"team\", \"env\"]")
    return tuple(dict.fromkeys(value))


def report(
    out: Path = typer.Option(..., "--out", "-o", help="HTML file to write."),
    start: str | None = typer.Option(None, "--start-date", "-s", help="First billing period, YYYY-MM."),
    end: str | None = typer.Option(None, "--end-date", "-e", help="Last billing period, YYYY-MM."),
    currency: str | None = typer.Option(
        None, "--currency", help="Billing currency to report (needed when FOCUS holds several)."
    ),
    tag_key: list[str] | None = typer.Option(
        None, "--tag-key", help="Tag key whose coverage to show; repeat it (default: setting report.tag_keys)."
    ),
    as_json: bool = JsonOption,
    data_dir: Path | None = DataDirOption,
    config: Path | None = ConfigOption,
) -> None:
    """Write an offline HTML cost report from the FOCUS data (focus.costs); --json prints its figures."""
    from open_finops.api import UsageError, month_range, open_database, print_json
    from open_finops_report.figures import as_json as jsonable
    from open_finops_report.figures import compute, resolve_scope

    start, end = month_range(start, end)
    if currency is not None and not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
        raise UsageError(f"--currency {currency!r} is not a currency code; use three letters, e.g. USD")
    cfg = load_settings(config)
    keys = tag_keys_setting(cfg, tag_key)
    if out.is_dir():
        raise UsageError(f"--out {out} is a directory; give a file name, e.g. {out / 'report.html'}")
    con = open_database(cfg, data_dir, read_only=True)
    try:
        # DuckDB draws a progress bar of its own on stdout while a long query runs: it would break --json.
        con.execute("SET enable_progress_bar = false")
        scope = resolve_scope(con, start=start, end=end, currency=currency.upper() if currency else None,
                              tag_keys=keys)
        figures = compute(con, scope)
    finally:
        con.close()
    from open_finops_report.html import render

    try:
        out.write_text(render(figures), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    if as_json:
        print_json({"report": str(out), **jsonable(figures)})
    else:
        typer.echo(f"Wrote the cost report for {scope.first} to {scope.last} ({scope.currency}) to {out}.")
