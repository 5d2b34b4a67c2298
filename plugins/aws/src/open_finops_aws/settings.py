"""Resolve the AWS plugin's settings: flag, then ``OPEN_FINOPS_AWS_*``, then ``[aws]``, then defaults.

The result is what core's import engine takes: :class:`~open_finops.api.ImportOptions` and a source
(an :class:`~open_finops_aws.sources.S3Source`, or core's ``LocalSource`` for ``--from-dir``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from open_finops.api import (
    STRATEGIES,
    Config,
    Destination,
    LocalSource,
    Setting,
    SettingsSection,
    UsageError,
    VendorTerms,
    month_range,
)
from open_finops_aws import VENDOR

if TYPE_CHECKING:  # the engine is loaded when an import runs, not to declare settings for --help
    from open_finops.api import ImportOptions

SECTION = "aws"
DEFAULT_DATASET = "aws_cur"
TERMS = VendorTerms(VENDOR, export_noun="CUR export", publisher="AWS", format_flag="--cur-version/-v",
                    file_format_flag="--export-format/-f")

AWS = SettingsSection(
    name=SECTION,
    help="The AWS importer: where the CUR export is, which periods, and where its tables go.",
    settings=(
        Setting("bucket", flag="--bucket", help="S3 bucket holding the CUR export.", example="my-billing-bucket"),
        Setting("prefix", "subpath", "", flag="--prefix", help="Prefix (folder) under which the export folders live."),
        Setting("export_name", "subpath", flag="--export-name",
                help="Export (report) name; not set: every export found.", example="daily-cur"),
        Setting("cur_version", choices=("v1", "v2"), flag="--cur-version",
                help="v1 (legacy CUR) or v2 (CUR 2.0); not set: both.", example="v2"),
        Setting("export_format", choices=("csv", "parquet"), flag="--export-format",
                help="csv or parquet; not set: detected from the data files.", example="parquet"),
        Setting("start_date", "month", flag="--start-date", help="First billing period.", example="2024-01"),
        Setting("end_date", "month", flag="--end-date", help="Last billing period.", example="2024-12"),
        Setting("reset", "bool", False, flag="--reset", help="Reload every period in range, even if loaded."),
        Setting("table_strategy", choices=STRATEGIES, default="separate", flag="--table-strategy",
                help="separate: a table per period plus <export>_unified; single: one table."),
        Setting("destination", default="duckdb", flag="--destination",
                help="duckdb or postgres (connected the dlt way; docs/configuration.md#destinations)."),
        Setting("dataset", "identifier", DEFAULT_DATASET, flag="--dataset", renamed_from=("dataset_name",),
                help="Schema the tables go into."),
        Setting("from_dir", "path", flag="--from-dir",
                help="Read a local copy of the bucket (what 'aws s3 sync' leaves) instead of S3.",
                example="/srv/cur-copy"),
        Setting("endpoint_url", flag="--endpoint-url", help="S3-compatible endpoint (also AWS_ENDPOINT_URL).",
                example="http://localhost:9000"),
        Setting("profile", flag="--profile", help="AWS profile from ~/.aws/config.", example="billing"),
        Setting("region", flag="--region", help="AWS region of the bucket.", example="us-east-1"),
        Setting("access_key_id", secret=True,
                help="Access key; prefer AWS's own credential chain (profile, environment, instance role)."),
        Setting("secret_access_key", secret=True, help="Secret of the access key; prefer the environment."),
        Setting("session_token", secret=True, help="Session token of temporary credentials."),
    ),
)


@dataclass(frozen=True)
class SourceSettings:
    bucket: str | None
    prefix: str
    export_name: str | None
    cur_version: str | None
    endpoint_url: str | None
    profile: str | None
    region: str | None
    from_dir: Path | None
    start: str | None
    end: str | None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None


def source_settings(config: Config, *, bucket=None, prefix=None, export_name=None, cur_version=None,
                    endpoint_url=None, profile=None, region=None, from_dir=None, start=None,
                    end=None) -> SourceSettings:
    aws = config.resolve(AWS, bucket=bucket, prefix=prefix, export_name=export_name, cur_version=cur_version,
                         endpoint_url=endpoint_url, profile=profile, region=region, from_dir=from_dir,
                         start_date=start, end_date=end)
    start_value, end_value = month_range(aws["start_date"], aws["end_date"])
    return SourceSettings(
        bucket=aws["bucket"],
        prefix=aws["prefix"] or "",
        export_name=aws["export_name"],
        cur_version=aws["cur_version"],
        endpoint_url=aws["endpoint_url"],
        profile=aws["profile"],
        region=aws["region"],
        from_dir=aws["from_dir"],
        start=start_value,
        end=end_value,
        access_key_id=aws["access_key_id"],
        secret_access_key=aws["secret_access_key"],
        session_token=aws["session_token"],
    )


def open_source(settings: SourceSettings, *, flags: bool = True):
    """The source the settings point at. ``flags=False`` when there is no command line to name (a pipeline
    run from config), so messages name the settings instead of flags."""
    from open_finops_aws.sources import S3Source

    if settings.from_dir is not None:
        # With a bucket named too, the folder is a copy of it: CUR 2.0 data URIs must name that bucket.
        return LocalSource(settings.from_dir, flag="--from-dir" if flags else "[aws] from_dir",
                           origin=f"s3://{settings.bucket}" if settings.bucket else None)
    if not settings.bucket:
        if flags:
            raise UsageError("no bucket given; pass --bucket/-b, set [aws] bucket in config.toml, or use --from-dir")
        raise UsageError("no bucket configured; set [aws] bucket in config.toml or OPEN_FINOPS_AWS_BUCKET, "
                         "or [aws] from_dir (OPEN_FINOPS_AWS_FROM_DIR) for a local copy")
    return S3Source(
        settings.bucket, endpoint_url=settings.endpoint_url, profile=settings.profile, region=settings.region,
        access_key_id=settings.access_key_id, secret_access_key=settings.secret_access_key,
        session_token=settings.session_token,
    )


def destination(config: Config, *, name: str | None = None, dataset: str | None = None) -> Destination:
    aws = config.resolve(AWS, destination=name, dataset=dataset)
    try:
        return Destination(aws["destination"], aws["dataset"])
    except ValueError as exc:  # a destination name with a ':' in it
        raise UsageError(str(exc)) from None


def import_options(config: Config, src: SourceSettings, *, export_format=None, reset=None, table_strategy=None,
                   destination_name=None, dataset=None, data_dir=None) -> ImportOptions:
    """Everything an import needs: flags first, then ``OPEN_FINOPS_AWS_*``, then ``[aws]``, then defaults."""
    aws = config.resolve(AWS, export_format=export_format, reset=reset, table_strategy=table_strategy)
    from open_finops.api import ImportOptions

    return ImportOptions.configured(
        config,
        data_dir=config.data_dir(data_dir),
        destination=destination(config, name=destination_name, dataset=dataset),
        prefix=src.prefix,
        export_name=src.export_name,
        format_version=src.cur_version,
        export_format=aws["export_format"],
        start=src.start,
        end=src.end,
        reset=aws["reset"],
        strategy=aws["table_strategy"],
    )
