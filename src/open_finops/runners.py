"""What a pipeline's runner must look like, one protocol per pipeline kind.

A :class:`~open_finops.contributions.Pipeline` names its runner by dotted path; its ``kind`` says which
of these signatures the runner has:

- ``import`` and ``service``: ``runner(config) -> Mapping[str, Any]`` (:class:`ImportRunner`,
  :class:`ServiceRunner`). ``finops pipelines run NAME`` calls it with the configuration in force and
  prints the summary it returns with ``--json``; the summary must be a mapping of JSON-friendly values.
  A runner that fails raises an :class:`~open_finops.errors.OpenFinopsError`.
- ``focus``: ``runner(con, *, config) -> Iterable[FocusSource]`` (:class:`FocusRunner`), called by
  ``finops focus build``; :mod:`open_finops.focus.protocol` describes the contract.
- ``demo``: ``runner(config) -> Mapping[str, Any]`` (:class:`DemoRunner`), called by ``finops demo`` (and
  ``finops pipelines run NAME``): it writes the vendor's sample export and imports it into the data
  directory of ``config``, quietly, and returns a summary like an import runner's.

(Not to be confused with :mod:`open_finops.runner`, core's dlt runner.) Heavy types are imported only for
type checkers, so importing this module costs nothing at start-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from open_finops.errors import PluginError

if TYPE_CHECKING:
    import duckdb

    from open_finops.config import Config
    from open_finops.focus.protocol import FocusSource


class ImportRunner(Protocol):
    """Loads billing data as the configuration says and returns a summary such as ``{"rows": 3}``."""

    def __call__(self, config: Config, /) -> Mapping[str, Any]: ...


class ServiceRunner(Protocol):
    """Runs a service once as the configuration says and returns a summary such as ``{"exit_code": 0}``."""

    def __call__(self, config: Config, /) -> Mapping[str, Any]: ...


class DemoRunner(Protocol):
    """``finops demo``: import the vendor's sample into ``config``'s data directory; return a summary."""

    def __call__(self, config: Config, /) -> Mapping[str, Any]: ...


class FocusRunner(Protocol):
    """Lists the FOCUS sources of what the plugin imported; it only reads through ``con``."""

    def __call__(self, con: duckdb.DuckDBPyConnection, /, *, config: Config) -> Iterable[FocusSource]: ...


def check_summary(pipeline_name: str, summary: object) -> Mapping[str, Any]:
    """Return the summary an import or service runner returned; a PluginError naming the pipeline if it
    is not a mapping."""
    if not isinstance(summary, Mapping):
        raise PluginError(
            f"pipeline {pipeline_name!r}: its runner returned {type(summary).__name__}, expected a mapping "
            f"(a JSON-friendly summary such as {{'rows': 3}}); the plugin needs fixing"
        )
    return summary
