"""Where an import writes: a dlt destination and the dataset (schema) inside it, as one value.

The load state tells destinations apart by :attr:`Destination.key` (``"duckdb:aws_cur"``): a period
loaded into DuckDB is not loaded into PostgreSQL, nor into another dataset of the same database.
"""

from __future__ import annotations

from dataclasses import dataclass

from open_finops.naming import dataset_identifier

DUCKDB = "duckdb"


@dataclass(frozen=True)
class Destination:
    name: str = DUCKDB
    dataset: str = "finops"

    def __post_init__(self) -> None:
        if not self.name or ":" in self.name:
            raise ValueError(f"destination name {self.name!r} is invalid")
        dataset_identifier(self.dataset)

    @property
    def key(self) -> str:
        return f"{self.name}:{self.dataset}"

    @property
    def is_duckdb(self) -> bool:
        """The local DuckDB file: data and load state share one connection, and one transaction."""
        return self.name == DUCKDB

    @classmethod
    def from_key(cls, key: str | None) -> Destination | None:
        """The destination a load-state row names; None for a row without one or of an unknown form."""
        name, sep, dataset = (key or "").partition(":")
        if not sep:
            return None
        try:
            return cls(name, dataset)
        except ValueError:
            return None
