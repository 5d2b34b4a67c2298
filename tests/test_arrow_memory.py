"""Commands that stream data through pyarrow allocate from jemalloc, unless the user chose a pool."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow as pa
import pytest

PROBE = ("from open_finops.arrow_memory import use_compact_pool; use_compact_pool(); "
         "import pyarrow as pa; print(pa.default_memory_pool().backend_name)")


def backend(**env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"} | env
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=environ, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def has_jemalloc() -> bool:
    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        return False
    return True


@pytest.mark.skipif(not has_jemalloc(), reason="this pyarrow is built without jemalloc (Windows wheels)")
def test_arrow_memory_comes_from_jemalloc() -> None:
    assert backend() == "jemalloc"


@pytest.mark.parametrize("chosen", ["system", "mimalloc"])
def test_a_pool_the_user_chose_is_kept(chosen: str) -> None:
    assert backend(ARROW_DEFAULT_MEMORY_POOL=chosen) == chosen
