"""Helpers for tests that share the session's PostgreSQL server."""

from __future__ import annotations


def forget_dataset(postgres_url: str, dataset: str) -> None:
    """Drop a test's dataset from the shared server, and its loads from the server's load state: the
    state lives in the server now, so one test's loads would otherwise be "up to date" for the next."""
    import psycopg2

    with psycopg2.connect(postgres_url) as pg, pg.cursor() as cur:
        cur.execute(f'DROP SCHEMA IF EXISTS "{dataset}" CASCADE')
        cur.execute("SELECT to_regclass('billing_state.load_state')")
        if cur.fetchone()[0]:
            cur.execute("DELETE FROM billing_state.load_state WHERE destination LIKE %s", [f"%:{dataset}"])
