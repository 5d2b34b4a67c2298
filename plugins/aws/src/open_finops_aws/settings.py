"""Resolve the AWS plugin's settings: flag, then ``OPEN_FINOPS_AWS_*``, then ``[aws]``, then defaults.

The result is what core's import engine takes: :class:`~open_finops.api.ImportOptions` and a source
(an :class:`~open_finops_aws.sources.S3Source`, or core's ``LocalSource`` for ``--from-dir``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from open_finops.api import (
    STRATEGIES,
    Config,
    Destination,
    ImportOptions,
    LocalSource,
    UsageError,
    VendorTerms,
    dataset_identifier,
    month_range,
)
from open_finops_aws import VENDOR

SECTION = "aws"
DEFAULT_DATASET = "aws_cur"
TERMS = VendorTerms(VENDOR, export_noun="CUR export", publisher="AWS", format_flag="--cur-version/-v",
                    file_format_flag="--export-format/-f")


def check_inside(value: str | None, flag: str) -> str | None:
    """A prefix or export name is a path inside the bucket (or the --from-dir folder): no '..' in it."""
    if value is not None and ".." in PurePosixPath(str(value)).parts:
        raise UsageError(f"{flag} {value!r} climbs out of the bucket with '..'; give a path inside it")
    return value


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
    get = config.get
    version = get(SECTION, "cur_version", cur_version)
    if version is not None and version not in ("v1", "v2"):
        raise UsageError(f"--cur-version {version!r} is not v1 or v2")
    start_value, end_value = month_range(get(SECTION, "start_date", start), get(SECTION, "end_date", end))
    return SourceSettings(
        bucket=get(SECTION, "bucket", bucket),
        prefix=check_inside(str(get(SECTION, "prefix", prefix, "") or ""), "--prefix") or "",
        export_name=check_inside(get(SECTION, "export_name", export_name), "--export-name"),
        cur_version=version,
        endpoint_url=get(SECTION, "endpoint_url", endpoint_url),
        profile=get(SECTION, "profile", profile),
        region=get(SECTION, "region", region),
        from_dir=config.get_path(SECTION, "from_dir", from_dir),
        start=start_value,
        end=end_value,
        access_key_id=get(SECTION, "access_key_id"),
        secret_access_key=get(SECTION, "secret_access_key"),
        session_token=get(SECTION, "session_token"),
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
    value = config.get(SECTION, "dataset", dataset, DEFAULT_DATASET)
    try:
        return Destination(str(config.get(SECTION, "destination", name, "duckdb")),
                           dataset_identifier(str(value)))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def import_options(config: Config, src: SourceSettings, *, export_format=None, reset=None, table_strategy=None,
                   destination_name=None, dataset=None, data_dir=None) -> ImportOptions:
    """Everything an import needs: flags first, then ``OPEN_FINOPS_AWS_*``, then ``[aws]``, then defaults."""
    fmt = config.get(SECTION, "export_format", export_format)
    if fmt is not None and fmt not in ("csv", "parquet"):
        raise UsageError(f"--export-format {fmt!r} is not csv or parquet")
    strategy = str(config.get(SECTION, "table_strategy", table_strategy, "separate"))
    if strategy not in STRATEGIES:
        raise UsageError(f"--table-strategy {strategy!r} is not one of {', '.join(STRATEGIES)}")
    return ImportOptions.configured(
        config,
        data_dir=config.data_dir(data_dir),
        destination=destination(config, name=destination_name, dataset=dataset),
        prefix=src.prefix,
        export_name=src.export_name,
        format_version=src.cur_version,
        export_format=fmt,
        start=src.start,
        end=src.end,
        reset=config.get_bool(SECTION, "reset", reset, False),
        strategy=strategy,
    )
