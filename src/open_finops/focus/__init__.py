"""FOCUS in open-finops: the contract (:mod:`.columns`), how plugins contribute data (:mod:`.protocol`),
and the engine behind ``finops focus``: build (:mod:`.build`), export (:mod:`.export`), summary
(:mod:`.summary`).

Importing this package is cheap (no DuckDB, no pyarrow): plugins import :class:`FocusSource` from here.
"""

from open_finops.focus.protocol import FocusSource

__all__ = ["FocusSource"]
