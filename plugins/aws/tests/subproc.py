"""Run the real CLI as a process of its own, for tests that must kill it or run two at once."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

WAIT = 60.0  # seconds; generous for a loaded CI machine, and still a bound


def finops_process(*args: str | Path) -> subprocess.Popen[str]:
    """``finops ARGS`` in a new process, with the test's environment and working folder."""
    return subprocess.Popen(
        [sys.executable, "-m", "open_finops", *(str(a) for a in args)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_for(condition: Callable[[], bool], what: str, process: subprocess.Popen | None = None,
             timeout: float = WAIT) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` if time runs out or ``process`` exits."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            _, err = process.communicate()
            raise AssertionError(f"the import exited ({process.returncode}) before {what}: {err.strip()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)
