"""A sample of AWS's own FOCUS export ("FOCUS 1.2 with AWS columns", or 1.0), as Data Exports delivers it.

The rows are those of the CUR 2.0 sample with the same arguments, turned into FOCUS by the plugin's own
CUR mapping, so the FOCUS export of a payer holds the same charges as its CUR sample: a FOCUS build that
counted both would double them, and their money totals compare. Data Exports writes the FOCUS tables in
CUR 2.0's layout (``<prefix>/<export>/data/BILLING_PERIOD=YYYY-MM/`` and the manifest under
``metadata/BILLING_PERIOD=YYYY-MM/``), with AWS's types: money and quantities as doubles (written here with
at most ten decimal places, as AWS bills), timestamps, and maps for Tags and the ``x_`` map columns.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import uuid
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from open_finops.api import FOCUS_COLUMNS, UsageError
from open_finops_aws.manifests import FOCUS_FORMAT_PREFIX
from open_finops_aws.sample import PeriodTotals, SampleExport, generate_sample

FOCUS_VERSIONS = ("1.0", "1.2")
# AWS's own columns in each table (Data Exports table dictionary: FOCUS 1.0 / 1.2 with AWS columns).
AWS_COLUMNS = {
    "1.0": ("x_CostCategories", "x_Discounts", "x_Operation", "x_ServiceCode", "x_UsageType"),
    "1.2": ("x_Discounts", "x_Operation", "x_ServiceCode"),
}
_MAPS = ("Tags", "SkuPriceDetails", "x_CostCategories", "x_Discounts")
_MONEY_PLACES = 10


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def focus_columns(version: str) -> list[str]:
    """The columns of AWS's FOCUS ``version`` table: FOCUS's, then AWS's ``x_`` ones."""
    return [c.name for c in FOCUS_COLUMNS if _key(c.introduced) <= _key(version)] + list(AWS_COLUMNS[version])


def _manifest_type(name: str) -> str:
    if name in _MAPS:
        return "map<string,string>"
    column = next((c for c in FOCUS_COLUMNS if c.name == name), None)
    if column is not None and column.is_decimal:
        return "double"
    if column is not None and column.is_datetime:
        return "timestamp"
    return "string"


def _projection(version: str) -> str:
    """From the CUR mapping's FOCUS rows to the columns and types of AWS's table."""
    parts = []
    for name in focus_columns(version):
        kind = _manifest_type(name)
        if name == "PricingCategory" and version == "1.0":  # 1.0 prices a commitment purchase as Committed
            expression = ("CASE WHEN \"ChargeCategory\" = 'Purchase' AND \"CommitmentDiscountId\" IS NOT NULL "
                          "THEN 'Committed' ELSE \"PricingCategory\" END")
        elif name == "Tags":
            expression = "json_transform(\"Tags\", '\"MAP(VARCHAR, VARCHAR)\"')"
        elif kind == "map<string,string>":
            expression = "CAST(NULL AS MAP(VARCHAR, VARCHAR))"
        elif kind == "double":
            expression = f"CAST(round(\"{name}\", {_MONEY_PLACES}) AS DOUBLE)"
        else:
            expression = f"\"{name}\""
        parts.append(f"{expression} AS \"{name}\"")
    return ", ".join(parts)


def generate_focus_sample(
    root: Path,
    *,
    focus_version: str = "1.2",
    export_name: str = "sample-focus",
    prefix: str = "cur",
    bucket: str = "finops-sample",
    periods: tuple[str, ...] | list[str] = ("2024-01", "2024-02"),
    rows_per_period: int = 1_000,
    seed: int = 0,
    drift_columns_from: str | None = None,
) -> SampleExport:
    """Write AWS's FOCUS ``focus_version`` export of the CUR 2.0 sample with the same arguments under ``root``.

    Each period's ``PeriodTotals`` carries the CUR sample's totals (``unblended_cost``, ``amortized_cost``,
    ``net_unblended_cost``) and the export's own sums as written (``billed_cost``, ``effective_cost``), which
    equal the CUR's billed (net unblended, else unblended) and amortised totals.
    """
    import duckdb
    import pyarrow.parquet as pq

    from open_finops_aws.focus import select_sql, service_categories, units

    if focus_version not in FOCUS_VERSIONS:
        raise UsageError(f"FOCUS version {focus_version!r} is not one of {', '.join(FOCUS_VERSIONS)}")
    totals: dict[str, PeriodTotals] = {}
    with tempfile.TemporaryDirectory() as scratch:
        cur = generate_sample(Path(scratch), cur_version="v2", export_name=export_name, prefix=prefix, bucket=bucket,
                              periods=periods, rows_per_period=rows_per_period, files_per_period=1,
                              data_format="csv", seed=seed, drift_columns_from=drift_columns_from, untagged_rows=0)
        sample = replace(cur, root=Path(root), cur_version=f"{FOCUS_FORMAT_PREFIX}{focus_version}",
                         data_format="parquet", periods={})
        for period, cur_totals in cur.periods.items():
            con = duckdb.connect()
            try:
                files = [str(Path(scratch) / k) for k in cur_totals.data_keys]
                con.execute("SET TimeZone = 'UTC'")
                con.execute("CREATE TABLE cur AS SELECT * FROM read_csv(?, header = true, all_varchar = true)",
                            [files])
                columns = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                                           "WHERE table_name = 'cur'").fetchall())
                sql, params = select_sql("main", "cur", columns, period, service_categories(), units())
                result = con.sql(f"SELECT {_projection(focus_version)} FROM ({sql})", params=params)
                table = (getattr(result, "to_arrow_table", None) or result.arrow)()  # DuckDB 2 / DuckDB 1
            finally:
                con.close()
            totals[period] = _write_period(sample, period, cur_totals, table, focus_version, pq)
    return replace(sample, periods=totals)


def _write_period(sample: SampleExport, period: str, cur: PeriodTotals, table, focus_version: str,
                  pq) -> PeriodTotals:
    name = sample.export_name
    version_id = str(uuid.UUID(bytes=hashlib.blake2b(
        repr((name, focus_version, period, cur.version_id)).encode(), digest_size=16).digest(), version=4))
    data_key = f"{sample.base}/data/BILLING_PERIOD={period}/{name}-00001.snappy.parquet"
    path = sample.root / data_key
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="snappy")

    def total(column: str) -> Decimal:
        # What an importer reads from each double: the shortest decimal that reads back as it.
        return sum((Decimal(repr(v)) for v in table.column(column).to_pylist() if v is not None), Decimal(0))

    manifest = {
        "executionId": version_id,
        "exportArn": f"arn:aws:bcm-data-exports:us-east-1:000000000000:export/{name}",
        "exportName": name,
        "billingPeriod": {"start": f"{period}-01T00:00:00.000Z", "end": f"{_next_month(period)}T00:00:00.000Z"},
        "columns": [{"name": c, "type": _manifest_type(c)} for c in table.column_names],
        "dataFiles": [f"s3://{sample.bucket}/{data_key}"],
        "additionalOutputFiles": [],
    }
    manifest_key = f"{sample.base}/metadata/BILLING_PERIOD={period}/{name}-Manifest.json"
    (sample.root / manifest_key).parent.mkdir(parents=True, exist_ok=True)
    (sample.root / manifest_key).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return replace(cur, version_id=version_id, manifest_key=manifest_key, data_keys=(data_key,),
                   rows=table.num_rows, bytes=path.stat().st_size, columns=tuple(table.column_names),
                   extra_keys=(), billed_cost=total("BilledCost"),
                   effective_cost=total("EffectiveCost"))


def _next_month(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}-01"
