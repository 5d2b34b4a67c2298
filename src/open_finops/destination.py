"""Where an import writes: a dlt destination and the dataset (schema) inside it, as one value.

The load state tells destinations apart by :attr:`Destination.key` (``"duckdb:aws_cur"``): a period
loaded into DuckDB is not loaded into PostgreSQL, nor into another dataset of the same database. A
server's key also names where it is (``"postgres@db.example.com:5432/billing:aws_cur"``, from the
configured credentials, never the user or password): pointed at another, empty, database, an import
loads everything again instead of finding it "up to date".

Only the destinations declared in :data:`SUPPORTED` are accepted: each is tested here for real, and the
engine's swap relies on what its declaration says (transactional DDL, ``ALTER TABLE ... RENAME``,
lower-case unquoted identifiers). Snowflake, BigQuery, Athena and others break one of those; adding one
is a declaration here plus its tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from open_finops.errors import UsageError
from open_finops.naming import dataset_identifier

DUCKDB = "duckdb"
POSTGRES = "postgres"


@dataclass(frozen=True)
class DestinationSupport:
    """What the engine needs from a destination, declared."""

    name: str
    #: CREATE/DROP/ALTER inside a transaction that a rollback undoes: the period swap is one transaction.
    transactional_ddl: bool
    #: ``ALTER TABLE staging RENAME TO final`` within a schema.
    renames_tables: bool
    #: Unquoted identifiers fold to lower case, so our lower-case names are the catalogue's names.
    folds_to_lower_case: bool
    #: The ``pip install`` that brings its driver, or None when core has it.
    extra: str | None = None
    #: A query that takes a lock named by its one parameter for the session, without waiting, and says
    #: whether it got it: imports from several machines into one dataset then take turns. None where the
    #: data directory's DuckDB file is the lock already.
    try_lock_sql: str | None = None


SUPPORTED: dict[str, DestinationSupport] = {
    DUCKDB: DestinationSupport(DUCKDB, transactional_ddl=True, renames_tables=True, folds_to_lower_case=True),
    POSTGRES: DestinationSupport(POSTGRES, transactional_ddl=True, renames_tables=True, folds_to_lower_case=True,
                                 extra="dlt[postgres]", try_lock_sql="SELECT pg_try_advisory_lock(hashtext(%s))"),
}


class UnsupportedDestination(UsageError):
    """A destination name that is not declared in :data:`SUPPORTED`."""


def check_supported(name: str) -> DestinationSupport:
    """The declaration of destination ``name``; a usage error listing the supported ones otherwise."""
    support = SUPPORTED.get(name)
    if support is None:
        raise UnsupportedDestination(
            f"destination {name!r} is not supported; the supported destinations are {', '.join(SUPPORTED)} "
            f"(each tested for real: docs/configuration.md#destinations)")
    return support


@dataclass(frozen=True)
class Destination:
    name: str = DUCKDB
    dataset: str = "finops"
    #: Where a server destination is, ``host:port/database``; "" for DuckDB (the data directory's file)
    #: and before the engine has resolved the configured credentials.
    location: str = ""

    def __post_init__(self) -> None:
        if not self.name or ":" in self.name or "@" in self.name:
            raise ValueError(f"destination name {self.name!r} is invalid")
        check_supported(self.name)
        dataset_identifier(self.dataset)
        if any(c.isspace() or c == "@" for c in self.location):
            raise ValueError(f"destination location {self.location!r} is invalid")

    @property
    def key(self) -> str:
        where = f"@{self.location}" if self.location else ""
        return f"{self.name}{where}:{self.dataset}"

    def at(self, location: str) -> Destination:
        """This destination, resolved to where it is."""
        return Destination(self.name, self.dataset, location)

    @property
    def support(self) -> DestinationSupport:
        return SUPPORTED[self.name]

    @property
    def is_duckdb(self) -> bool:
        """The local DuckDB file: data and load state share one connection, and one transaction."""
        return self.name == DUCKDB

    @classmethod
    def from_key(cls, key: str | None) -> Destination | None:
        """The destination a load-state row names; None for a row without one or of an unknown form."""
        where, sep, dataset = (key or "").rpartition(":")  # a dataset holds no ':'; a location may
        if not sep:
            return None
        name, _, location = where.partition("@")
        try:
            return cls(name, dataset, location)
        except (ValueError, UnsupportedDestination):  # a row of a destination no longer supported
            return None
