"""``finops demo``: every installed vendor's sample, imported, turned into FOCUS, and summed by cloud.

Each vendor plugin contributes a pipeline of kind ``demo`` whose runner writes its sample export and
imports it into the data directory; this command runs them all, builds ``focus.costs`` and prints the
cost by cloud, month and service with each cloud's and the multi-cloud total. Heavy libraries are
imported inside the command.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import typer

from open_finops.cli.context import ConfigOption, load_settings
from open_finops.config import env_name
from open_finops.errors import OpenFinopsError, PluginError, UsageError
from open_finops.plugins import Registry

NO_DEMO = "no installed plugin provides a demo; install one with: pip install 'open-finops[aws]'"


def overlap_lines(periods: list) -> list[str]:
    """One line per billing account that several exports hold (a vendor's FOCUS export beside its cost
    exports), with the months and the export counted, so the totals below are read as counted once."""
    months: dict[tuple, list[str]] = {}
    for period in periods:
        for o in period.overlaps:
            key = (o.vendor, o.billing_account, o.kept, o.dropped, o.reason)
            if o.billing_period not in months.setdefault(key, []):
                months[key].append(o.billing_period)
    return [f"{vendor}: billing account {account} is in {kept} and {' and '.join(dropped)} for "
            f"{', '.join(sorted(found))}: each charge counted once, from {kept} ({reason})"
            for (vendor, account, kept, dropped, reason), found in sorted(months.items())]


def make_command(registry: Registry) -> Callable[..., None]:
    def demo(
        data_dir: Path | None = typer.Option(
            None, "--data-dir", help="Data directory (default: setting project.data_dir, else ./data)."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No line per vendor and period built."),
        config: Path | None = ConfigOption,
    ) -> None:
        """Import each vendor's sample, build FOCUS, show the cost by cloud.

        Runs every installed vendor's demo, builds focus.costs and prints the cost by cloud, month and service
        with the multi-cloud total. Run it again: nothing new is read.
        """
        from rich.markup import escape
        from rich.table import Table

        from open_finops.cli.output import console
        from open_finops.database import open_database
        from open_finops.focus.build import build

        demos = sorted(registry.pipelines_of_kind("demo"), key=lambda p: p.name)
        if not demos:
            raise UsageError(NO_DEMO)
        cfg = load_settings(config)
        if data_dir is not None:  # the demos take the data directory from the configuration they are given
            environ = {**cfg.environ, env_name("project", "data_dir"): str(data_dir)}
            cfg = dataclasses.replace(cfg, environ=environ)
        out = console(stderr=False)
        for pipeline in demos:
            try:
                runner = pipeline.load_runner()
            except (ImportError, AttributeError, ValueError) as exc:
                raise PluginError(f"demo {pipeline.name!r}: its runner {pipeline.runner} cannot be loaded: "
                                  f"{exc}") from None
            summary = runner(cfg)
            if not quiet:
                out.print(escape(f"{pipeline.vendor}: imported the sample ({summary.get('rows', 0):,} new rows)"))
        con = open_database(cfg, None, read_only=False, must_exist=True)
        try:
            report = build(con, sorted(registry.pipelines_of_kind("focus"), key=lambda p: p.name), config=cfg)
            failed = [p for p in report.periods if p.status == "failed"]
            if not quiet:
                for line in overlap_lines(report.periods):
                    out.print(escape(line))
            if failed:
                raise OpenFinopsError("; ".join(f"FOCUS {p.vendor} {p.export_name} {p.billing_period}: {p.error}"
                                                for p in failed))
            rows = con.execute(
                'SELECT "x_Vendor", "x_BillingPeriod", "ServiceName", sum("BilledCost"), sum("EffectiveCost") '
                "FROM focus.costs GROUP BY GROUPING SETS ((1, 2, 3), (1), ()) "
                "ORDER BY 1 NULLS LAST, 2 NULLS LAST, 4 DESC"
            ).fetchall()
        finally:
            con.close()
        table = Table(title="Cost by cloud, month and service (focus.costs)")
        for header in ("Cloud", "Month", "Service", "Billed cost", "Effective cost"):
            table.add_column(header, justify="right" if "cost" in header else "left")
        for vendor, period, service, billed, effective in rows:
            if vendor is None:
                label = ("All clouds", "", "total")
            elif period is None:
                label = (vendor, "", "total")
            else:
                label = (vendor, period, service or "")
            table.add_row(*(escape(c) for c in label), f"{billed:,.2f}", f"{effective:,.2f}",
                          end_section=period is None)
        out.print(table)
        where = "" if data_dir is None else f" --data-dir {data_dir}"
        typer.echo(f"Query it: finops query{where} \"SELECT x_Vendor, ServiceName, sum(BilledCost) FROM focus.costs "
                   "GROUP BY ALL ORDER BY 3 DESC\"")

    return demo
