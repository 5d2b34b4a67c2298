"""One import at a time into a server destination's dataset, whichever machine runs it.

The data directory's DuckDB file keeps two imports of one data directory apart; two machines (two
containers, two runners) importing into one PostgreSQL dataset share no file. They take a lock in the
server instead, held by a session of its own for the whole import, and wait ``lock_timeout`` for it. The
same session then reads and writes the server's load state.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from open_finops.destination import Destination
from open_finops.errors import DestinationError


@contextmanager
def holding(where: Destination, reference: Callable[[], Any], data_dir: Path, timeout: float) -> Iterator[Any]:
    """Hold the dataset's lock in ``where`` while the block runs, giving the block the session (dlt's SQL
    client) that holds it; nothing (None, and no dlt) for DuckDB. ``reference`` gives dlt's destination
    when it is needed."""
    sql = where.support.try_lock_sql
    if sql is None:
        yield None
        return
    from open_finops import runner

    pipeline = runner.new_pipeline("finops_lock", reference(), where.dataset, data_dir)
    client = pipeline.sql_client()
    try:
        client.open_connection()
        _acquire(client, sql, where, timeout)
    except BaseException as exc:
        client.close_connection()
        runner.drop_working_dir(pipeline)
        if isinstance(exc, DestinationError) or not isinstance(exc, Exception):
            raise
        raise runner.describe_error(runner.unwrap_error(exc), where.name) from None
    try:
        yield client
    finally:  # the session's lock ends with its connection
        client.close_connection()
        runner.drop_working_dir(pipeline)


def _acquire(client: Any, sql: str, where: Destination, timeout: float) -> None:
    name = f"open-finops import {where.key}"
    deadline = time.monotonic() + timeout
    delay = 0.05
    while not client.execute_sql(sql, name)[0][0]:
        if time.monotonic() >= deadline:
            raise DestinationError(
                f"another import into {where.name} at {where.location}, dataset {where.dataset}, is running (it "
                f"holds the dataset's import lock); waited {timeout:g}s: try again when it has finished, or raise "
                "[project] lock_timeout")
        time.sleep(delay)
        delay = min(delay * 2, 1.0)
