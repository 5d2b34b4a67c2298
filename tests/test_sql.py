"""``open_finops.sql``: one transaction on one connection, whatever ends the block.

A Ctrl-C (KeyboardInterrupt) or SystemExit inside the swap must be rolled back on the connection the
import keeps using: that same connection then records the load as interrupted and goes on to the next
statement, which a transaction left open would swallow or refuse.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from open_finops.sql import duckdb_sql, transaction


class Stop(BaseException):
    """Neither an Exception nor one of Python's own: anything that can end a block must roll it back."""


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "t.duckdb"))
    connection.execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)")
    yield connection
    connection.close()


def rows(con) -> list[int]:
    return [x for (x,) in con.execute("SELECT x FROM t ORDER BY x").fetchall()]


@pytest.mark.parametrize("raised", [KeyboardInterrupt, SystemExit, GeneratorExit, Stop, RuntimeError])
def test_anything_raised_inside_a_transaction_rolls_it_back_on_the_same_connection(con, tmp_path: Path, raised):
    with pytest.raises(raised), transaction(con):
        con.execute("DELETE FROM t")
        con.execute("INSERT INTO t VALUES (2)")
        raise raised()

    assert rows(con) == [1]
    # The connection is out of the failed transaction: the next one begins and commits on it.
    with transaction(con):
        con.execute("INSERT INTO t VALUES (3)")
    con.close()
    assert rows(duckdb.connect(str(tmp_path / "t.duckdb"))) == [1, 3]


def test_a_block_that_ends_normally_is_committed_whole(con, tmp_path: Path):
    with transaction(con):
        con.execute("DELETE FROM t")
        con.execute("INSERT INTO t VALUES (4), (5)")
    con.close()

    assert rows(duckdb.connect(str(tmp_path / "t.duckdb"))) == [4, 5]


@pytest.mark.parametrize("raised", [KeyboardInterrupt, RuntimeError])
def test_the_duckdb_destinations_transaction_is_the_connections_own(con, raised):
    """What the swap uses on DuckDB: statements through ``Sql`` and the state through ``con``, one transaction."""
    sql = duckdb_sql(con, "main")

    with pytest.raises(raised), sql.transaction():
        sql.execute("DELETE FROM t WHERE x = ?", 1)
        con.execute("INSERT INTO t VALUES (9)")
        raise raised()

    assert rows(con) == [1]
    with sql.transaction():
        sql.execute("INSERT INTO t VALUES (?)", 6)
    assert rows(con) == [1, 6]
