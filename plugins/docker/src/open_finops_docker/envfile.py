"""Reading and writing the stack's ``.env``: the small subset of dotenv syntax Compose and
podman-compose read the same way.

Values are written bare when they are plain, single-quoted otherwise: single quotes make Compose take a
value literally (no ``$`` interpolation), which matters for passwords and paths.
"""

from __future__ import annotations

import re
from pathlib import Path

from open_finops.api import ConfigError

_PLAIN = re.compile(r"^[A-Za-z0-9_./:@+,=-]*$")
_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def quote(name: str, value: str) -> str:
    """``value`` as it must appear after ``NAME=`` so that Compose reads it back unchanged."""
    if _PLAIN.match(value):
        return value
    if "'" in value or not value.isprintable():
        raise ConfigError(
            f"the value for {name} contains a single quote, a line break or another control character, "
            f"which a Compose .env file cannot hold; choose another value"
        )
    return f"'{value}'"


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    return raw.split(" #", 1)[0].strip()


def parse(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    # Only \n ends a line in a dotenv file; str.splitlines would also split on form feeds and the like.
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            continue
        name, raw = match.groups()
        values[name] = _unquote(raw)
    return values


def read(path: Path) -> dict[str, str]:
    """The variables of an ``.env`` file; empty when there is none."""
    try:
        return parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
