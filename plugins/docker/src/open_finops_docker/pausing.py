"""Metabase stopped around a write to the database file, and started again afterwards.

DuckDB lets one process write a file or many read it, never both: Metabase's connection pool keeps a
read-only handle open, so an import would wait for it and fail. The pipeline therefore stops the Metabase
container for the duration of the job and starts it again, whatever the job's outcome.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from open_finops_docker import compose
from open_finops_docker.engine import Engine
from open_finops_docker.process import attached, check_status, probe
from open_finops_docker.stack import METABASE_SERVICE, Stack


def metabase_running(engine: Engine, stack: Stack) -> bool:
    result = probe(compose.ps(engine, stack), cwd=stack.directory)
    if not result.ok:
        return False
    return any(row["service"] == METABASE_SERVICE and row["state"] == "running"
               for row in compose.parse_ps(result.stdout))


@contextmanager
def metabase_paused(engine: Engine, stack: Stack) -> Iterator[bool]:
    """Stop Metabase if it runs; yield whether it did; start it again when the block ends."""
    running = metabase_running(engine, stack)
    if running:
        check_status(attached(compose.stop(engine, stack, METABASE_SERVICE), cwd=stack.directory),
                     f"{engine.name} compose stop {METABASE_SERVICE}")
    try:
        yield running
    finally:
        if running:
            check_status(attached(compose.start(engine, stack, METABASE_SERVICE), cwd=stack.directory),
                         f"{engine.name} compose start {METABASE_SERVICE}")
