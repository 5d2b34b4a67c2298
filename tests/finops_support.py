"""Helpers the core tests share (fixtures live in conftest.py)."""

from __future__ import annotations

import os

# Variables of core and dlt that a test must not inherit from the shell that started pytest.
INHERITED = ("OPEN_FINOPS_", "DLT_", "RUNTIME__", "DESTINATION__")


def clean_environ(**extra: str) -> dict[str, str]:
    """The environment for a subprocess: the current one without our variables, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(INHERITED)}
    env.update(extra)
    return env
