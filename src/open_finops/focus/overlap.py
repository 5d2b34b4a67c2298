"""Exports that overlap: the rule that counts each billing account's period once in ``focus.costs``.

Two exports of one vendor overlap when both hold charges of the same billing account (FOCUS
``BillingAccountId``: AWS's payer, Azure's billing account) for the same billing period. Customers run
such pairs for months: a legacy CUR beside its CUR 2.0 successor, a CUR beside AWS's own FOCUS export,
Azure's actual and amortised exports beside its FocusCost export. Counting both doubles the bill.

For every overlapping (vendor, billing period, billing account) one export is kept and the others are
built without that account's rows. The export kept is, in this order:

1. the first listed in ``[focus] prefer`` (export names, or ``vendor:export``);
2. else the one whose plugin gives the higher ``FocusSource.preference`` (native FOCUS over converted,
   AWS's CUR 2.0 over legacy CUR);
3. else the first by export name, and the message says to choose with ``[focus] prefer``.

``[focus] exclude`` leaves exports out of ``focus.costs`` altogether. Exports of different billing
accounts never overlap, whatever the period.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from open_finops.errors import ConfigError
from open_finops.focus.protocol import FocusSource

SECTION = "focus"


def _names(config: Any, key: str) -> tuple[str, ...]:
    """A list setting: a TOML list of strings, or comma-separated text (as an environment variable gives)."""
    value = config.get(SECTION, key, None, ()) if config is not None else ()
    if isinstance(value, str):
        value = [part for part in (p.strip() for p in value.split(",")) if part]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"setting {SECTION}.{key} must be a list of export names "
                          f"(e.g. [\"my-cur-2\"] or \"aws:my-cur-2\"), not {value!r}")
    return tuple(v.strip() for v in value)


def _matches(entry: str, source: FocusSource) -> bool:
    vendor, sep, export_name = entry.rpartition(":")
    return export_name == source.export_name and (not sep or vendor == source.vendor)


@dataclass(frozen=True)
class OverlapRule:
    """Which exports ``focus build`` prefers (most preferred first) and which it leaves out."""

    prefer: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: Any) -> OverlapRule:
        return cls(prefer=_names(config, "prefer"), exclude=_names(config, "exclude"))

    def excludes(self, source: FocusSource) -> bool:
        return any(_matches(entry, source) for entry in self.exclude)

    def rank(self, source: FocusSource) -> tuple[int, int, str]:
        """Sort key: the export kept sorts first."""
        listed = next((i for i, entry in enumerate(self.prefer) if _matches(entry, source)), len(self.prefer))
        return (listed, -source.preference, source.export_name)

    def reason(self, kept: FocusSource, dropped: FocusSource) -> str:
        """Why ``kept`` won over ``dropped``, in words a user can act on."""
        kept_rank, dropped_rank = self.rank(kept), self.rank(dropped)
        if kept_rank[0] != dropped_rank[0]:
            return "preferred by setting focus.prefer"
        if kept_rank[1] != dropped_rank[1]:
            what = kept.source_format or "its format"
            other = dropped.source_format or "the other's"
            return f"{what} preferred over {other}"
        return "same kind of export, first by name kept; choose with setting focus.prefer"


@dataclass(frozen=True)
class Overlap:
    """One billing account's period found in several exports, and the export counted."""

    vendor: str
    billing_period: str
    billing_account: str
    kept: str
    dropped: tuple[str, ...]
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"billing_account": self.billing_account, "kept": self.kept, "dropped": list(self.dropped),
                "reason": self.reason}


def resolve(accounts: Mapping[tuple[str, str, str], Sequence[str]], sources: Mapping[tuple[str, str, str], FocusSource],
            rule: OverlapRule) -> list[Overlap]:
    """Every overlap among ``sources`` (keyed by ``FocusSource.key``), given the billing accounts each
    holds; sorted by vendor, period and account."""
    holders: dict[tuple[str, str, str], list[FocusSource]] = {}
    for key, held in accounts.items():
        source = sources[key]
        for account in held:
            holders.setdefault((source.vendor, source.billing_period, account), []).append(source)
    overlaps = []
    for (vendor, period, account), group in sorted(holders.items()):
        if len(group) < 2:
            continue
        ordered = sorted(group, key=rule.rank)
        kept = ordered[0]
        overlaps.append(Overlap(vendor, period, account, kept.export_name,
                                tuple(s.export_name for s in ordered[1:]), rule.reason(kept, ordered[1])))
    return overlaps


def dropped_accounts(overlaps: Iterable[Overlap]) -> dict[tuple[str, str, str], list[str]]:
    """Per source key, the billing accounts whose rows it must leave out (sorted)."""
    dropped: dict[tuple[str, str, str], list[str]] = {}
    for overlap in overlaps:
        for export_name in overlap.dropped:
            dropped.setdefault((overlap.vendor, export_name, overlap.billing_period), []).append(
                overlap.billing_account)
    return {key: sorted(values) for key, values in dropped.items()}
