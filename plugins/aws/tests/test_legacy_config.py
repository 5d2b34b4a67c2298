"""A config.toml written for the monolithic open-finops-stack works unchanged, and says what it should."""

from __future__ import annotations

import shutil
from pathlib import Path

from open_finops_aws.sample import generate_sample

EXAMPLE = Path(__file__).parent / "data" / "open-finops-stack.config.toml.example"


def test_an_open_finops_stack_config_imports_into_the_schema_it_names(finops, query, tmp_path: Path):
    folder = tmp_path / "project"
    folder.mkdir()
    config = folder / "config.toml"
    shutil.copyfile(EXAMPLE, config)
    sample = generate_sample(tmp_path / "synced", bucket="acme-billing", prefix="cur", export_name="acme-cur",
                             cur_version="v1", data_format="csv", periods=("2024-01",), rows_per_period=300)

    result = finops("-c", config, "aws", "import-cur", "--from-dir", tmp_path / "synced", "--quiet")

    assert result.code == 0, result.err
    assert result.err.splitlines() == [
        f"Warning: config file {config}:30: [aws] dataset_name is deprecated (open-finops-stack's name); it is "
        'read as [aws] dataset = "aws_billing"; rename it to dataset'
    ]
    rows = query("SELECT count(*) FROM aws_billing.acme_cur_2024_01", data_dir=folder / "data")
    assert rows == [(sample.periods["2024-01"].rows,)]
    assert query("SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'aws_cur'",
                 data_dir=folder / "data") == [(0,)]


def test_the_stack_config_shows_where_each_value_came_from(finops, tmp_path: Path):
    config = tmp_path / "config.toml"
    shutil.copyfile(EXAMPLE, config)

    shown = finops("-c", config, "config", "show", "--json").json()

    aws = shown["settings"]["aws"]
    assert (aws["dataset"]["value"], aws["dataset"]["origin"]) == ("aws_billing", f"{config}:30 (as dataset_name)")
    assert (aws["bucket"]["value"], aws["bucket"]["origin"]) == ("acme-billing", f"{config}:33")
    assert shown["settings"]["project"]["data_dir"]["value"] == str(tmp_path / "data")
    assert shown["database"] == str(tmp_path / "data" / "finops.duckdb")
