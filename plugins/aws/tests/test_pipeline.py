"""The ``aws-cur`` pipeline runs an import configured entirely by config.toml and the environment."""

from __future__ import annotations

from open_finops_aws.sample import generate_sample

from open_finops.naming import period_table


def test_pipelines_run_aws_cur_imports_what_the_config_points_at(finops, query, tmp_path):
    sample = generate_sample(tmp_path / "synced", export_name="cur", rows_per_period=300)
    (tmp_path / "config.toml").write_text(
        '[project]\ndata_dir = "data"\n[aws]\nfrom_dir = "synced"\nprefix = "cur"\n'
    )

    result = finops("pipelines", "run", "aws-cur", "--json")

    assert result.code == 0, result.err
    assert result.json()["loaded"] == len(sample.periods)
    for period, totals in sample.periods.items():
        assert query(f"SELECT count(*) FROM aws_cur.{period_table('cur', period)}") == [(totals.rows,)]


def test_a_failed_period_makes_the_pipeline_fail(finops, tmp_path):
    sample = generate_sample(tmp_path / "synced", export_name="cur", rows_per_period=300)
    first = sample.periods["2024-01"]
    (tmp_path / "synced" / first.data_keys[0]).write_bytes(b"not gzip")
    (tmp_path / "config.toml").write_text('[aws]\nfrom_dir = "synced"\nprefix = "cur"\n')

    result = finops("pipelines", "run", "aws-cur")

    assert result.code == 1
    assert "1 of 2 billing periods failed; cur 2024-01" in result.err and "Traceback" not in result.err


def test_the_pipeline_without_a_bucket_names_the_settings_not_the_import_commands_flags(finops, tmp_path):
    result = finops("pipelines", "run", "aws-cur")

    assert result.code == 2
    assert result.err.splitlines() == [
        "Error: no bucket configured; set [aws] bucket in config.toml or OPEN_FINOPS_AWS_BUCKET, or [aws] from_dir "
        "(OPEN_FINOPS_AWS_FROM_DIR) for a local copy"]


def test_the_pipeline_with_a_from_dir_that_is_not_a_folder_names_the_setting(finops, tmp_path):
    (tmp_path / "config.toml").write_text('[aws]\nfrom_dir = "missing"\n')

    result = finops("pipelines", "run", "aws-cur")

    assert result.code == 2 and result.err.startswith("Error: [aws] from_dir ") and "--from-dir" not in result.err
