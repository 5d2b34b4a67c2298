"""DuckDB reading Parquet itself (ingest/duckdb_parquet.py) loads exactly what readers' Arrow conversion
loads, and refuses what it refuses: the SQL is compared with ``exact_decimals`` and ``iter_parquet`` over
files written here."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from open_finops.ingest import duckdb_parquet, readers
from open_finops.ingest.decimals import exact_decimals
from open_finops.naming import PERIOD_COLUMN


def plan_for(columns: dict[str, pa.DataType]) -> readers.ColumnPlan:
    return readers.ColumnPlan(source_names=tuple(columns), names=tuple(columns), types=tuple(columns.values()),
                              period="2024-01", strict=True)


def sql_load(path: Path, plan: readers.ColumnPlan) -> list[tuple]:
    """The rows DuckDB's own reader loads from ``path`` with the engine's SELECT, in file order."""
    schema = pq.read_schema(path)
    plan, order = readers.parquet_columns(schema.names, plan, str(path), lambda n: n)
    built = duckdb_parquet.select(schema.names, schema.types, plan, order)
    assert built is not None, "these columns are read by DuckDB"
    query, names = built
    with duckdb.connect() as con:
        con.execute("SET preserve_insertion_order = true")
        return con.execute(query, {"files": [str(path)], "period": plan.period}).fetchall()


def arrow_load(path: Path, plan: readers.ColumnPlan) -> list[tuple]:
    table = pa.Table.from_batches(list(readers.iter_parquet(path, str(path), plan, lambda n: n)))
    return list(zip(*(table.column(n).to_pylist() for n in table.column_names), strict=True))


money = st.one_of(st.floats(), st.floats(-1e21, 1e21), st.floats(-1, 1), st.floats(-1e-10, 1e-10),
                  st.floats(-1e-90, 1e-90), st.sampled_from([0.1, -0.0, 1e-18, 9.999999999999998e19, 1e20, 5e-324]))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(value=money)
def test_a_double_reads_as_the_decimal_readers_read_or_both_refuse(tmp_path: Path, value: float):
    path = tmp_path / "one.parquet"
    pq.write_table(pa.table({"cost": pa.array([1.5, value], pa.float64())}), path)
    plan = plan_for({"cost": readers.DECIMAL})

    try:
        expected = exact_decimals(pa.array([value], pa.float64()), readers.DECIMAL).to_pylist()[0]
    except pa.ArrowInvalid:
        expected = None
    if not math.isfinite(value):
        expected = None

    if expected is None:
        with pytest.raises(duckdb.Error, match="a value has no exact decimal"):
            sql_load(path, plan)
    else:
        assert sql_load(path, plan) == [(Decimal("1.5"), "2024-01"), (expected, "2024-01")]


def test_every_column_type_duckdb_reads_loads_as_readers_load_it(tmp_path: Path):
    path = tmp_path / "all.parquet"
    instants = [datetime(2024, 1, 31, 23, 59, 59, 123000, tzinfo=UTC), None, datetime(1970, 1, 1, tzinfo=UTC)]
    table = pa.table({
        "id": ["a", None, "é"],
        "cost": [0.1, None, 123456789.12345679],
        "usage": pa.array([1, None, 2**63 - 1], pa.int64()),
        "flag": [True, None, False],
        "day": pa.array([date(2024, 1, 31), None, date(1, 1, 1)], pa.date32()),
        "at_ms": pa.array(instants, pa.timestamp("ms", tz="UTC")),
        "at_us": pa.array(instants, pa.timestamp("us", tz="Europe/Paris")),
        "at_s": pa.array([datetime(2024, 1, 31, tzinfo=UTC), None, None], pa.timestamp("s", tz="UTC")),
        "tags": pa.array([[("k", "v"), ("user:team", "a\"b")], None, []], pa.map_(pa.string(), pa.string())),
        "discount": pa.array([[("total", 0.5)], None, None], pa.map_(pa.string(), pa.float64())),
    })
    pq.write_table(table, path)
    plan = plan_for({"id": pa.string(), "cost": readers.DECIMAL, "usage": pa.int64(), "flag": pa.bool_(),
                     "day": pa.date32(), "at_ms": readers.TIMESTAMP, "at_us": readers.TIMESTAMP,
                     "at_s": readers.TIMESTAMP, "tags": pa.string(), "discount": pa.string()})

    assert sql_load(path, plan) == arrow_load(path, plan)


@pytest.mark.parametrize("arrow_type, target", [
    (pa.string(), readers.DECIMAL),  # a cost written as text: readers' grammar
    (pa.float32(), readers.DECIMAL),
    (pa.decimal128(38, 20), readers.DECIMAL),
    (pa.timestamp("ns", tz="UTC"), readers.TIMESTAMP),  # finer than a microsecond is refused there
    (pa.timestamp("us"), readers.TIMESTAMP),  # no time zone: DuckDB's cast would follow its session's
    (pa.int32(), pa.int64()),
    (pa.binary(), pa.string()),
    (pa.float64(), pa.string()),
])
def test_other_column_types_are_left_to_readers(arrow_type: pa.DataType, target: pa.DataType):
    assert duckdb_parquet.column_sql(arrow_type, target) is None


def test_a_file_column_named_like_a_converted_column_is_read_as_itself(tmp_path: Path):
    path = tmp_path / "names.parquet"
    pq.write_table(pa.table({"finops_decimal_0": [0.25], "finops_decimal_1": ["text"]}), path)
    plan = plan_for({"finops_decimal_0": readers.DECIMAL, "finops_decimal_1": pa.string()})

    assert sql_load(path, plan) == arrow_load(path, plan) == [(Decimal("0.25"), "text", "2024-01")]


def test_a_file_column_named_like_the_period_column_holds_the_period(tmp_path: Path):
    path = tmp_path / "period.parquet"
    pq.write_table(pa.table({"id": ["a"], PERIOD_COLUMN: ["1999-12"]}), path)
    plan = plan_for({"id": pa.string(), PERIOD_COLUMN: pa.string()})

    assert sql_load(path, plan) == arrow_load(path, plan) == [("a", "2024-01")]



@pytest.mark.parametrize("name, decoy", [("a[1].parquet", "a1.parquet"), ("b*.parquet", "bx.parquet"),
                                         ("c?.parquet", "cx.parquet"), ("d{1,2}.parquet", "d1.parquet")])
def test_a_file_whose_name_duckdb_would_read_as_a_pattern_loads_its_own_rows(tmp_path: Path, name: str, decoy: str):
    from open_finops.exports import DataFile

    pq.write_table(pa.table({"id": ["mine"]}), tmp_path / name)
    pq.write_table(pa.table({"id": ["decoy"]}), tmp_path / decoy)
    plan = plan_for({"id": pa.string()})

    with duckdb.connect() as con:
        loaded = duckdb_parquet.load_files(con, "acme", "t", [(DataFile(name, "parquet"), name, tmp_path / name)],
                                           plan, lambda n: n, [])
        assert con.execute("SELECT id FROM acme.t").fetchall() == [("mine",)]
    assert loaded == {"rows": 1, "files": 1}


def test_a_column_first_added_by_readers_is_not_added_again_for_duckdb(tmp_path: Path):
    # A manifest that declares no columns: each file brings its own. The first file has a column only
    # readers convert (float32), so readers add "extra"; the second is read by DuckDB and has "extra" too.
    from open_finops.exports import DataFile

    pq.write_table(pa.table({"id": ["a"], "extra": ["x"], "odd": pa.array([1.5], pa.float32())}),
                   tmp_path / "1.parquet")
    pq.write_table(pa.table({"id": ["b"], "extra": ["y"]}), tmp_path / "2.parquet")
    plan = readers.ColumnPlan(source_names=("id",), names=("id",), types=(pa.string(),), period="2024-01",
                              strict=False)

    with duckdb.connect() as con:
        loaded = duckdb_parquet.load_files(con, "acme", "t", [(DataFile(n, "parquet"), n, tmp_path / n)
                                                              for n in ("1.parquet", "2.parquet")],
                                           plan, lambda n: n, [])
        assert con.execute("SELECT id, extra FROM acme.t ORDER BY id").fetchall() == [("a", "x"), ("b", "y")]
    assert loaded == {"rows": 2, "files": 2}
