"""A realistic, fast AWS Cost and Usage Report generator shared by the tests, the benchmark and the demo.

``generate_sample`` writes a folder laid out exactly as the S3 bucket of a real export (``aws s3 sync``
of it): manifests, data files, and for CUR v1 the copy of each manifest in its assembly folder. Rows are
hourly line items over the billing period for several accounts, services, regions and line item types
(Usage, Spot usage, DiscountedUsage, SavingsPlanCoveredUsage, SavingsPlanNegation, SavingsPlanRecurringFee,
SavingsPlanUpfrontFee, RIFee, Fee, Tax, Credit, Refund, and an AWS Marketplace product).

Layouts (``layout=``):

* CUR v1 ``"assembly"`` (create new report versions): ``<prefix>/<export>/<YYYYMMDD-YYYYMMDD>/<export>-Manifest.json``
  and ``.../<YYYYMMDD-YYYYMMDD>/<assemblyId>/<export>-<n>.csv.gz`` (or ``<export>-0000n.snappy.parquet``) with
  a copy of the manifest in the assembly folder. A restatement leaves the old assembly folder in place.
* CUR v1 ``"overwrite"``: CSV data files directly in the period folder; Parquet in the legacy Athena layout
  ``<prefix>/<export>/<export>/year=YYYY/month=M/<export>-0000n.snappy.parquet`` (manifest still in the
  period folder, plus the ``crawler-cfn.yml`` and ``cost_and_usage_data_status`` artefacts).
* CUR 2.0 ``"overwrite"`` (the default for v2): the manifest at
  ``<prefix>/<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json``, the data at
  ``<prefix>/<export>/data/BILLING_PERIOD=YYYY-MM/<export>-0000n.csv.gz`` (or ``.snappy.parquet``).
* CUR 2.0 ``"execution-folder"`` (overwrite off): data and manifest one folder deeper, in a folder named
  after the delivery time (``YYYYMMDDTHHMMSSZ``, so the newest delivery sorts last); old deliveries stay.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from open_finops.api import UsageError, check_period
from open_finops_aws.sample import catalog as cat
from open_finops_aws.sample.columns import column_name, fields_for, manifest_columns
from open_finops_aws.sample.rows import FileTotals, PeriodContext, period_context, write_data_file

CUR_VERSIONS = ("v1", "v2")
DATA_FORMATS = ("csv", "parquet")
LAYOUTS = {"v1": ("assembly", "overwrite"), "v2": ("overwrite", "execution-folder")}
UNTAGGED_ROWS = 5_000


@dataclass(frozen=True)
class PeriodTotals:
    """One billing period of a sample export as written: where it is and what it adds up to."""

    billing_period: str  # "YYYY-MM"
    version_id: str  # v1 assemblyId / v2 executionId
    manifest_key: str  # key relative to the root folder, "/"-separated
    data_keys: tuple[str, ...]  # data file keys relative to root
    rows: int
    bytes: int  # sum of data file sizes
    unblended_cost: Decimal  # exact sum of the unblended cost column as written
    amortized_cost: Decimal  # independent amortised total, see generate_sample
    columns: tuple[str, ...]  # column names as written
    delivered_at: str = ""  # when "AWS" delivered this version, "YYYY-MM-DDTHH:MM:SSZ"
    net_unblended_cost: Decimal | None = None  # exact sum of the net unblended column, where the period has it
    extra_keys: tuple[str, ...] = ()  # other files written for this version (manifest copy, Athena artefacts)
    # AWS's FOCUS export (sample.focus_export): its own BilledCost and EffectiveCost sums, as written.
    billed_cost: Decimal | None = None
    effective_cost: Decimal | None = None


@dataclass(frozen=True)
class SampleExport:
    root: Path
    bucket: str
    prefix: str
    export_name: str
    cur_version: str  # "v1" | "v2"
    data_format: str  # "csv" | "parquet"
    periods: dict[str, PeriodTotals]
    layout: str = "assembly"
    files_per_period: int = 2
    drift_columns_from: str | None = None
    untagged_rows: int = UNTAGGED_ROWS
    workers: int | None = field(default=None, compare=False)

    @property
    def base(self) -> str:
        """The export's folder inside the bucket: ``<prefix>/<export>``."""
        return f"{self.prefix}/{self.export_name}" if self.prefix else self.export_name

    def drift_in(self, period: str) -> bool:
        return self.drift_columns_from is not None and period >= self.drift_columns_from


def generate_sample(
    root: Path,
    *,
    cur_version: str = "v1",
    export_name: str = "sample-cur",
    prefix: str = "cur",
    bucket: str = "finops-sample",
    periods: tuple[str, ...] | list[str] = ("2024-01", "2024-02"),
    rows_per_period: int = 1_000,
    files_per_period: int = 2,
    data_format: str = "csv",
    seed: int = 0,
    drift_columns_from: str | None = None,
    layout: str | None = None,
    untagged_rows: int = UNTAGGED_ROWS,
    workers: int | None = None,
) -> SampleExport:
    """Write a sample export under ``root`` (the bucket's contents) and return what was written.

    ``layout`` defaults to ``"assembly"`` for v1 and ``"overwrite"`` for v2 (see the module docstring).
    ``drift_columns_from="2024-02"`` adds ``resourceTags/user:CostCenter`` (a ``user_cost_center`` key in
    CUR 2.0's ``resource_tags`` map) and the ``lineItem/NetUnblendedCost`` and ``lineItem/NetUnblendedRate``
    columns (``line_item_net_unblended_cost``, ``line_item_net_unblended_rate``) from that period on,
    declared in the manifests only from then. The first ``untagged_rows`` rows of each period's first
    file carry no tags, so a reader that infers types from its first batch sees empty tag columns.

    The money columns differ, as on a real bill, so a mapping that reads the wrong one is caught:

    * a negotiated discount (about 5% on EC2, EBS, S3 storage, RDS and CloudWatch metrics on demand)
      shows in the net columns: from the drift period on, net unblended cost is below unblended cost on
      those rows (``PeriodTotals.net_unblended_cost`` < ``unblended_cost``);
    * public on-demand cost differs from unblended cost on Spot usage (on-demand list price, Spot rate)
      and on reserved usage (its unblended cost is 0);
    * amortised cost differs from both where commitments apply (below).

    Amortised cost rule (``PeriodTotals.amortized_cost``, computed from the generator's own numbers, not
    from the files): Usage, Tax, Credit, Refund and Fee rows other than a reserved-instance upfront fee
    count their net unblended cost where the period has it, else their unblended cost; DiscountedUsage
    counts ``reservation/EffectiveCost``; SavingsPlanCoveredUsage counts
    ``savingsPlan/SavingsPlanEffectiveCost``; SavingsPlanNegation, SavingsPlanRecurringFee,
    SavingsPlanUpfrontFee, RIFee and the RI upfront Fee count 0 (their cost is already spread over the
    usage they cover).

    Deterministic for a given ``seed``; files are written in parallel threads (``workers``, default one
    per CPU), each batch by batch, so memory does not grow with the number of rows.
    """
    if cur_version not in CUR_VERSIONS:
        raise UsageError(f"CUR version {cur_version!r} is not one of {', '.join(CUR_VERSIONS)}")
    if data_format not in DATA_FORMATS:
        raise UsageError(f"data format {data_format!r} is not one of {', '.join(DATA_FORMATS)}")
    layout = layout or LAYOUTS[cur_version][0]
    if layout not in LAYOUTS[cur_version]:
        raise UsageError(f"layout {layout!r} does not exist for CUR {cur_version}: use one of {LAYOUTS[cur_version]}")
    if rows_per_period < 1 or files_per_period < 1:
        raise UsageError("rows per period and files per period must be at least 1")
    for period in (*periods, *([drift_columns_from] if drift_columns_from else [])):
        try:
            check_period(period)
        except ValueError as exc:
            raise UsageError(f"{exc}: give billing periods as YYYY-MM") from exc
    if not export_name or "/" in export_name:
        raise UsageError(f"export name {export_name!r} must be non-empty and contain no '/'")
    sample = SampleExport(
        root=Path(root),
        bucket=bucket,
        prefix=prefix.strip("/"),
        export_name=export_name,
        cur_version=cur_version,
        data_format=data_format,
        periods={},
        layout=layout,
        files_per_period=files_per_period,
        drift_columns_from=drift_columns_from,
        untagged_rows=untagged_rows,
        workers=workers,
    )
    deliveries = [
        _Delivery(p, seed, rows_per_period, _first_delivery(p)) for p in sorted(dict.fromkeys(periods))
    ]
    return replace(sample, periods=_deliver(sample, deliveries))


def restate(sample: SampleExport, period: str, *, seed: int = 1, rows: int | None = None) -> SampleExport:
    """AWS restates ``period``: a new version id, new data files, the manifest rewritten, new totals.

    The previous version's files stay where the layout keeps history (v1 assembly folders, v2 execution
    folders) and are replaced where it overwrites.
    """
    if period not in sample.periods:
        raise UsageError(f"billing period {period} is not in the sample; it has {', '.join(sample.periods)}")
    before = sample.periods[period]
    delivered = datetime.strptime(before.delivered_at, "%Y-%m-%dT%H:%M:%S%z") + timedelta(days=1, minutes=7)
    (totals,) = _deliver(sample, [_Delivery(period, seed, rows or before.rows, delivered)]).values()
    if sample.layout == "overwrite":
        for key in set(before.data_keys) - set(totals.data_keys):
            (sample.root / key).unlink(missing_ok=True)
    return replace(sample, periods={**sample.periods, period: totals})


def upload(root: Path, bucket: str, s3_client) -> None:
    """Put every file under ``root`` into ``bucket`` with its relative path as the key."""
    root = Path(root)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        s3_client.upload_file(str(path), bucket, path.relative_to(root).as_posix())


@dataclass(frozen=True)
class _Delivery:
    period: str
    seed: int
    rows: int
    delivered_at: datetime


def _first_delivery(period: str) -> datetime:
    start = period_context(period, seed=0, drift=False).end
    return start + timedelta(days=2, hours=3, minutes=14, seconds=5)


def _version_id(sample: SampleExport, delivery: _Delivery) -> str:
    digest = hashlib.blake2b(
        # The rows too: a sample of another size is another version, which an import must load.
        repr((sample.export_name, sample.cur_version, sample.data_format, sample.layout, delivery.period,
              delivery.seed, delivery.delivered_at.isoformat(), delivery.rows)).encode(),
        digest_size=16,
    ).digest()
    return str(uuid.UUID(bytes=digest, version=4))


def _deliver(sample: SampleExport, deliveries: list[_Delivery]) -> dict[str, PeriodTotals]:
    """Write the data files of every delivery (in parallel), then their manifests."""
    jobs = []
    plans = []
    for delivery in deliveries:
        version_id = _version_id(sample, delivery)
        data_keys = _data_keys(sample, delivery, version_id)
        ctx = period_context(delivery.period, seed=delivery.seed, drift=sample.drift_in(delivery.period))
        sizes = _split(delivery.rows, sample.files_per_period)
        for index, (key, rows) in enumerate(zip(data_keys, sizes, strict=True)):
            jobs.append((key, ctx, rows, (delivery.delivered_at.isoformat(), index), index == 0))
        plans.append((delivery, version_id, data_keys, ctx))

    fields_by_period = {d.period: fields_for(sample.cur_version, drift=sample.drift_in(d.period)) for d in deliveries}

    def run(job: tuple[str, PeriodContext, int, tuple[object, ...], bool]) -> FileTotals:
        key, ctx, rows, seed_key, first = job
        return write_data_file(
            sample.root / key,
            ctx,
            fields=fields_by_period[ctx.period],
            cur_version=sample.cur_version,
            data_format=sample.data_format,
            rows=rows,
            key=seed_key,
            untagged_rows=sample.untagged_rows if first else 0,
        )

    workers = sample.workers or min(len(jobs), os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = dict(zip((job[0] for job in jobs), pool.map(run, jobs), strict=True))

    totals: dict[str, PeriodTotals] = {}
    for delivery, version_id, data_keys, ctx in plans:
        files = [results[k] for k in data_keys]
        fields = fields_by_period[delivery.period]
        unblended = sum((f.unblended_cost for f in files), Decimal(0))
        manifest_key, extra_keys = _write_manifests(sample, delivery, version_id, data_keys, ctx)
        totals[delivery.period] = PeriodTotals(
            billing_period=delivery.period,
            version_id=version_id,
            manifest_key=manifest_key,
            data_keys=tuple(data_keys),
            rows=sum(f.rows for f in files),
            bytes=sum(f.bytes for f in files),
            unblended_cost=unblended,
            amortized_cost=sum((f.amortized_cost for f in files), Decimal(0)),
            columns=tuple(column_name(f, sample.cur_version, sample.data_format) for f in fields),
            delivered_at=delivery.delivered_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            net_unblended_cost=(sum((f.net_unblended_cost for f in files), Decimal(0))
                                if sample.drift_in(delivery.period) else None),
            extra_keys=tuple(extra_keys),
        )
    return totals


def _split(rows: int, files: int) -> list[int]:
    share, extra = divmod(rows, files)
    return [share + (1 if i < extra else 0) for i in range(files)]


def _range_folder(ctx: PeriodContext) -> str:
    return f"{ctx.start:%Y%m%d}-{ctx.end:%Y%m%d}"


def _data_keys(sample: SampleExport, delivery: _Delivery, version_id: str) -> list[str]:
    ctx = period_context(delivery.period, seed=0, drift=False)
    csv = sample.data_format == "csv"
    count = range(1, sample.files_per_period + 1)
    name = sample.export_name
    if sample.cur_version == "v1":
        if sample.layout == "assembly":
            folder = f"{sample.base}/{_range_folder(ctx)}/{version_id}"
        elif csv:
            folder = f"{sample.base}/{_range_folder(ctx)}"
        else:
            folder = f"{sample.base}/{name}/year={ctx.start.year}/month={ctx.start.month}"
        if csv:
            return [f"{folder}/{name}-{n}.csv.gz" for n in count]
        return [f"{folder}/{name}-{n:05d}.snappy.parquet" for n in count]
    folder = f"{sample.base}/data/BILLING_PERIOD={delivery.period}"
    if sample.layout == "execution-folder":
        folder += f"/{delivery.delivered_at:%Y%m%dT%H%M%SZ}"
    extension = "csv.gz" if csv else "snappy.parquet"
    return [f"{folder}/{name}-{n:05d}.{extension}" for n in count]


def _write_manifests(
    sample: SampleExport, delivery: _Delivery, version_id: str, data_keys: list[str], ctx: PeriodContext
) -> tuple[str, list[str]]:
    """Write the period's manifest (and, for v1, its copy and any Athena artefacts); return their keys."""
    drift = sample.drift_in(delivery.period)
    csv = sample.data_format == "csv"
    name = sample.export_name
    extra: list[str] = []
    if sample.cur_version == "v1":
        manifest = {
            "assemblyId": version_id,
            "account": cat.PAYER_ACCOUNT,
            "columns": manifest_columns("v1", drift=drift),
            "charset": "UTF-8",
            "compression": "GZIP" if csv else "Parquet",
            "contentType": "text/csv" if csv else "Parquet",
            "reportId": hashlib.sha256(f"{sample.bucket}/{sample.base}".encode()).hexdigest(),
            "reportName": name,
            "billingPeriod": {"start": f"{ctx.start:%Y%m%dT%H%M%S}.000Z", "end": f"{ctx.end:%Y%m%dT%H%M%S}.000Z"},
            "bucket": sample.bucket,
            "reportKeys": data_keys,
            "additionalArtifactKeys": [],
        }
        key = f"{sample.base}/{_range_folder(ctx)}/{name}-Manifest.json"
        if sample.layout == "assembly":
            # AWS keeps a copy of the manifest beside the data of each assembly.
            extra.append(f"{sample.base}/{_range_folder(ctx)}/{version_id}/{name}-Manifest.json")
        elif not csv:
            extra.extend(_write_athena_artefacts(sample))
    else:
        export_id = uuid.UUID(bytes=hashlib.blake2b(sample.base.encode(), digest_size=16).digest(), version=4)
        manifest = {
            "executionId": version_id,
            "exportArn": f"arn:aws:bcm-data-exports:us-east-1:{cat.PAYER_ACCOUNT}:export/{name}-{export_id}",
            "exportName": name,
            "billingPeriod": {
                "start": f"{ctx.start:%Y-%m-%dT%H:%M:%S}.000Z",
                "end": f"{ctx.end:%Y-%m-%dT%H:%M:%S}.000Z",
            },
            "columns": manifest_columns("v2", drift=drift),
            "dataFiles": [f"s3://{sample.bucket}/{k}" for k in data_keys],
            "additionalOutputFiles": [],
        }
        folder = f"{sample.base}/metadata/BILLING_PERIOD={delivery.period}"
        if sample.layout == "execution-folder":
            folder += f"/{delivery.delivered_at:%Y%m%dT%H%M%SZ}"
        key = f"{folder}/{name}-Manifest.json"
    text = json.dumps(manifest, indent=2)
    for manifest_key in (key, *(k for k in extra if k.endswith("-Manifest.json"))):
        path = sample.root / manifest_key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return key, extra


def _write_athena_artefacts(sample: SampleExport) -> list[str]:
    """The files a legacy Parquet report with Athena integration keeps beside its data (not line items)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    crawler = f"{sample.base}/crawler-cfn.yml"
    status = f"{sample.base}/cost_and_usage_data_status/cost_and_usage_data_status.parquet"
    (sample.root / crawler).parent.mkdir(parents=True, exist_ok=True)
    (sample.root / crawler).write_text(
        f"# CloudFormation template AWS delivers to crawl {sample.export_name} into Athena (sample).\n",
        encoding="utf-8",
    )
    (sample.root / status).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"status": ["READY"]}), sample.root / status)
    return [crawler, status]
