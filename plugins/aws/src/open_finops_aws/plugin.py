"""Entry point of the AWS plugin. Imports only typer and the open_finops plugin API; the commands import
boto3, pyarrow and dlt inside their bodies."""

from __future__ import annotations

from open_finops import CommandGroup, ManifestParser, Pipeline, hookimpl
from open_finops_aws import VENDOR

OPEN_FINOPS_API = ">=1.0,<2"


@hookimpl
def register_commands():
    from open_finops_aws.cli import app

    return [CommandGroup(name="aws", help="Import AWS Cost and Usage Reports (CUR v1, CUR 2.0) and FOCUS exports.",
                         app=app)]


@hookimpl
def register_pipelines():
    return [
        Pipeline(
            name="aws-cur",
            vendor=VENDOR,
            kind="import",
            description="Import AWS CUR v1 / CUR 2.0 billing periods from S3 (or a local copy) as configured in [aws].",
            runner="open_finops_aws.pipeline:run_pipeline",
        ),
        Pipeline(
            name="aws-focus",
            vendor=VENDOR,
            kind="focus",
            description="CUR v1 / CUR 2.0 periods imported into DuckDB as FOCUS; AWS FOCUS exports as they are.",
            runner="open_finops_aws.focus:focus_sources",
            mapping="open_finops_aws.focus:mapping",
            reads=("aws_cur.*",),
        ),
        Pipeline(
            name="aws-demo",
            vendor=VENDOR,
            kind="demo",
            description="Generate sample CUR v1 and CUR 2.0 exports and import them (finops demo).",
            runner="open_finops_aws.cli:demo_runner",
        ),
    ]


@hookimpl
def register_manifest_parsers():
    return [
        ManifestParser(
            name="aws-cur-v1",
            vendor=VENDOR,
            format_version="v1",
            description="Legacy CUR: <export>/<YYYYMMDD-YYYYMMDD>/<export>-Manifest.json (assemblyId, reportKeys).",
            key_pattern=r"(^|/)\d{8}-\d{8}/[^/]+-Manifest\.json$",
            parse="open_finops_aws.manifests:parse_v1",
        ),
        ManifestParser(
            name="aws-cur-v2",
            vendor=VENDOR,
            format_version="v2",
            description="CUR 2.0 (Data Exports): <export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json.",
            key_pattern=r"(^|/)metadata/BILLING_PERIOD=\d{4}-\d{2}/(.+/)?[^/]+-Manifest\.json$",
            parse="open_finops_aws.manifests:parse_v2",
        ),
    ]


@hookimpl
def register_settings():
    from open_finops_aws.settings import AWS

    return [AWS]
