"""Where Arrow's memory comes from, for the commands that stream data through pyarrow."""

from __future__ import annotations

import contextlib
import os


def use_compact_pool() -> None:
    """Allocate Arrow memory from jemalloc where pyarrow has it, unless ``ARROW_DEFAULT_MEMORY_POOL`` says
    otherwise. pyarrow's default (mimalloc) keeps the pages that threads free: an import of 2 x 1M CUR
    rows peaked at 529 MiB with it and 440 MiB with jemalloc, in the same time (benchmarks/README.md)."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    import pyarrow as pa

    with contextlib.suppress(NotImplementedError):  # a pyarrow built without jemalloc (Windows)
        pa.set_memory_pool(pa.jemalloc_memory_pool())
