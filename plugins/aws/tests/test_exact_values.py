"""`finops aws import-cur` loads every value of a CUR export exactly, or refuses the period.

The CSV and Parquet copies of one export (the sample generator writes both from the same rows) must load
the same values: `NA` in `product/preInstalledSw` stays the text `NA`, and a cost Parquet holds as a
double is the decimal its CSV copy prints. A bad value is refused in one line naming the file, column, line
and value, and leaves what was loaded; an empty data file and a drifted column type load with a warning.
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

from open_finops_aws.sample import generate_sample, restate

from open_finops.api import period_table


def import_args(root: Path, *extra: str) -> list[str | Path]:
    return ["aws", "import-cur", "--from-dir", root, "-p", "cur", "--data-dir", "data", *extra]


def test_the_csv_and_parquet_copies_of_one_export_load_identical_values(tmp_path: Path, finops, query):
    root = tmp_path / "bucket"
    copies = {
        fmt: generate_sample(root, cur_version="v1", data_format=fmt, layout="overwrite", export_name=f"cur-{fmt}",
                             periods=("2024-01",), rows_per_period=3_000, files_per_period=2, seed=7)
        for fmt in ("csv", "parquet")
    }

    result = finops(*import_args(root, "--quiet"))

    assert result.code == 0, result.err
    tables = {fmt: period_table(f"cur-{fmt}", "2024-01") for fmt in copies}
    names = [r[0] for r in query("SELECT column_name FROM information_schema.columns WHERE table_schema = 'aws_cur'"
                                 " AND table_name = ? ORDER BY ordinal_position", params=[tables["csv"]])]
    assert "product_pre_installed_sw" in names and len(names) > 60
    columns = ", ".join(f'"{n}"' for n in names)
    for a, b in ((tables["csv"], tables["parquet"]), (tables["parquet"], tables["csv"])):
        assert query(f'SELECT count(*) FROM (SELECT {columns} FROM aws_cur."{a}" '
                     f'EXCEPT ALL SELECT {columns} FROM aws_cur."{b}")') == [(0,)], (a, b)
    ((na, instances),) = query("SELECT count(*) FILTER (WHERE product_pre_installed_sw = 'NA'), "
                               f'count(product_instance_type) FROM aws_cur."{tables["csv"]}"')
    assert na == instances > 0
    for fmt, sample in copies.items():  # exact, not within a tolerance
        assert query(f'SELECT sum(line_item_unblended_cost) FROM aws_cur."{tables[fmt]}"') == [
            (sample.periods["2024-01"].unblended_cost,)]


def test_a_nan_cost_in_the_last_line_of_a_later_file_is_refused_naming_it(tmp_path: Path, finops, query):
    root = tmp_path / "bucket"
    sample = generate_sample(root, cur_version="v1", export_name="cur", periods=("2024-01",), rows_per_period=600)
    assert finops(*import_args(root, "--quiet")).code == 0
    before = query("SELECT count(*), sum(line_item_unblended_cost) FROM aws_cur.cur_2024_01")
    new = restate(sample, "2024-01", seed=3).periods["2024-01"]
    path = root / new.data_keys[1]
    lines = gzip.decompress(path.read_bytes()).decode().split("\n")
    header = next(csv.reader([lines[0]]))
    cost = header.index("lineItem/UnblendedCost")
    last = next(csv.reader([lines[-2]]))
    last[cost] = "NaN"
    lines[-2] = ",".join('"' + v + '"' if v else "" for v in last)
    path.write_bytes(gzip.compress("\n".join(lines).encode()))

    result = finops(*import_args(root, "--quiet"))

    assert result.code == 1
    (line,) = result.err.strip().splitlines()
    assert (f"data file {new.data_keys[1]}: column 'lineItem/UnblendedCost', line {len(lines) - 1}: value 'NaN' "
            "is not a decimal number") in line
    assert "Traceback" not in result.err
    assert query("SELECT count(*), sum(line_item_unblended_cost) FROM aws_cur.cur_2024_01") == before


def test_an_empty_data_file_loads_with_a_warning_on_stderr_and_in_the_json(tmp_path: Path, finops, query):
    root = tmp_path / "bucket"
    sample = generate_sample(root, cur_version="v2", export_name="cur", periods=("2024-01",), rows_per_period=900,
                             files_per_period=3)
    period = sample.periods["2024-01"]
    empty = root / period.data_keys[1]
    header = gzip.decompress(empty.read_bytes()).split(b"\n", 1)[0] + b"\n"
    empty.write_bytes(gzip.compress(header))

    result = finops(*import_args(root, "--json"))

    assert result.code == 0, result.err
    (loaded,) = result.json()["periods"]
    warning = (f"data file {period.data_keys[1]} holds no rows (a header only), and the manifest gives no row "
               "count to check it against: check that the export is complete")
    assert loaded["warnings"] == [warning]
    assert result.err.strip().splitlines() == [f"Warning: cur 2024-01: {warning}"]
    assert loaded["rows"] == query("SELECT count(*) FROM aws_cur.cur_2024_01")[0][0] < period.rows


def test_a_later_manifest_declaring_the_cost_as_text_keeps_sum_working(tmp_path: Path, finops, query):
    root = tmp_path / "bucket"
    sample = generate_sample(root, cur_version="v2", export_name="cur", periods=("2024-01", "2024-02"),
                             rows_per_period=500)
    manifest = root / sample.periods["2024-02"].manifest_key
    doc = json.loads(manifest.read_text())
    for column in doc["columns"]:
        if column["name"] == "line_item_unblended_cost":
            column["type"] = "string"
    manifest.write_text(json.dumps(doc))

    result = finops(*import_args(root, "--json"))

    assert result.code == 0, result.err
    assert "column 'line_item_unblended_cost' is declared text" in result.json()["periods"][1]["warnings"][0]
    assert query("SELECT billing_period, sum(line_item_unblended_cost) FROM aws_cur.cur_unified GROUP BY 1 "
                 "ORDER BY 1") == [(p, t.unblended_cost) for p, t in sample.periods.items()]
