"""How a plugin contributes FOCUS data: a pipeline of kind ``focus`` whose runner lists FOCUS sources.

A plugin registers::

    Pipeline(name="acme-focus", vendor="acme", kind="focus", description="Acme billing as FOCUS.",
             runner="finops_acme.focus:focus_sources", reads=("acme_billing.*",))

and ``finops focus build`` calls the runner with the open DuckDB connection (read-write: the build holds
the database lock) and the configuration in force, as keywords::

    def focus_sources(con, *, config) -> Iterable[FocusSource]: ...

The runner only reads: it looks at what the plugin imported (its load state, its tables) and returns one
:class:`FocusSource` per export and billing period, each carrying a DuckDB ``SELECT`` that produces that
period's FOCUS rows. Core decides which periods to build (a period is rebuilt only when its
``version_id`` or ``transform_version`` changed), runs each SELECT into ``focus.costs`` in its own
transaction, fills ``x_Vendor``/``x_ExportName``/``x_BillingPeriod``/``x_SourceVersionId`` itself, and
checks the FOCUS rules of :mod:`open_finops.focus.columns` before committing.

Two exports can hold the same charges: a legacy CUR and a CUR 2.0 export of the same payer, a CUR and
the provider's own FOCUS export. Core counts each billing account's period once (:mod:`.overlap`): among
the sources of one vendor and billing period that share a ``BillingAccountId``, the one with the highest
``preference`` wins unless ``[focus] prefer`` says otherwise, and the others are built without that
account's rows. ``source_format`` names the kind of export in what ``focus build`` prints. By convention
a native FOCUS export has ``NATIVE_FOCUS`` and a converted one less (AWS: CUR 2.0 20, legacy CUR 10).

The SELECT must return every column of the contract (``open_finops.focus.columns.NAMES``) and may add
columns whose names start with ``x_``. Identifiers it builds from data must be quoted
(:func:`open_finops.naming.quote_identifier`) and values passed in ``params`` (``?`` placeholders).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from open_finops.contributions import check_name
from open_finops.periods import check_period

# The preference of an export the provider delivers as FOCUS already; converted exports rank below it.
NATIVE_FOCUS = 100


@dataclass(frozen=True)
class FocusSource:
    """One export's billing period at one source version, and the SELECT that turns it into FOCUS."""

    vendor: str
    export_name: str
    billing_period: str  # YYYY-MM
    version_id: str  # changes whenever the source data of the period changes
    sql: str
    params: Sequence[Any] = field(default_factory=tuple)
    # Raise it when the mapping itself changes, so existing periods are rebuilt with the new rules.
    transform_version: str = "1"
    # What kind of export this is ("CUR 2.0", "FOCUS 1.2"), for messages about overlapping exports.
    source_format: str = ""
    # Among exports of the same billing account and period, the highest is counted (see the module doc).
    preference: int = 0

    def __post_init__(self) -> None:
        check_name("vendor", self.vendor)
        check_period(self.billing_period)
        if not self.export_name or not self.version_id:
            raise ValueError("a FOCUS source needs an export name and a version id")
        if not self.sql.strip():
            raise ValueError(f"FOCUS source {self.key}: the SQL is empty")

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.vendor, self.export_name, self.billing_period)
