"""Resolve the AWS plugin's settings: flag, then ``OPEN_FINOPS_AWS_*``, then ``[aws]``, then defaults."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from open_finops.config import Config
from open_finops.errors import UsageError
from open_finops.naming import dataset_identifier

SECTION = "aws"
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_month(value: str | None, flag: str) -> str | None:
    if value is None or value == "":
        return None
    value = str(value).strip()
    if not _PERIOD.fullmatch(value):
        raise UsageError(f"{flag} {value!r} is not a month; use YYYY-MM, e.g. 2024-01")
    return value


def check_inside(value: str | None, flag: str) -> str | None:
    """A prefix or export name is a path inside the bucket (or the --from-dir folder): no '..' in it."""
    if value is not None and ".." in PurePosixPath(str(value)).parts:
        raise UsageError(f"{flag} {value!r} climbs out of the bucket with '..'; give a path inside it")
    return value


def check_range(start: str | None, end: str | None) -> None:
    if start and end and start > end:
        raise UsageError(f"--start-date {start} is after --end-date {end}; swap them")


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
    start_value = check_month(get(SECTION, "start_date", start), "--start-date")
    end_value = check_month(get(SECTION, "end_date", end), "--end-date")
    check_range(start_value, end_value)
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


def open_source(settings: SourceSettings):
    from open_finops_aws.sources import LocalSource, S3Source

    if settings.from_dir is not None:
        return LocalSource(settings.from_dir)
    if not settings.bucket:
        raise UsageError("no bucket given; pass --bucket/-b, set [aws] bucket in config.toml, or use --from-dir")
    return S3Source(
        settings.bucket, endpoint_url=settings.endpoint_url, profile=settings.profile, region=settings.region,
        access_key_id=settings.access_key_id, secret_access_key=settings.secret_access_key,
        session_token=settings.session_token,
    )


def dataset_name(config: Config, flag: str | None = None) -> str:
    from open_finops_aws.importer import DEFAULT_DATASET

    value = config.get(SECTION, "dataset", flag, DEFAULT_DATASET)
    try:
        return dataset_identifier(str(value))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def import_options(config: Config, src: SourceSettings, *, export_format=None, reset=None, table_strategy=None,
                   destination=None, dataset=None, data_dir=None):
    """Everything an import needs: flags first, then ``OPEN_FINOPS_AWS_*``, then ``[aws]``, then defaults."""
    from open_finops import database
    from open_finops_aws.importer import STRATEGIES, ImportOptions

    fmt = config.get(SECTION, "export_format", export_format)
    if fmt is not None and fmt not in ("csv", "parquet"):
        raise UsageError(f"--export-format {fmt!r} is not csv or parquet")
    strategy = str(config.get(SECTION, "table_strategy", table_strategy, "separate"))
    if strategy not in STRATEGIES:
        raise UsageError(f"--table-strategy {strategy!r} is not one of {', '.join(STRATEGIES)}")
    return ImportOptions(
        data_dir=config.data_dir(data_dir),
        prefix=src.prefix,
        export_name=src.export_name,
        cur_version=src.cur_version,
        export_format=fmt,
        start=src.start,
        end=src.end,
        reset=config.get_bool(SECTION, "reset", reset, False),
        strategy=strategy,
        destination=str(config.get(SECTION, "destination", destination, "duckdb")),
        dataset=dataset_name(config, dataset),
        lock_timeout=database.lock_timeout(config),
        memory_limit=database.memory_limit(config),
    )
