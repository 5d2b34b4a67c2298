"""The version of the plugin API, and the ranges plugins declare against it.

``PLUGIN_API_VERSION`` versions the whole contract between core and plugins: the hooks
(:mod:`open_finops.hookspecs`), the types they return (:mod:`open_finops.contributions`) and the runner
protocols (:mod:`open_finops.runners`). It lives here rather than in ``hookspecs`` because it covers
more than the hooks, and rather than in ``plugins`` because plugins and docs read it without loading
discovery. The module imports only the standard library, so reading it costs nothing at start-up.

The minor number grows when the API grows in a way old plugins do not notice (a new hook, a new hook
argument, a new optional field); the major number changes when a plugin may have to change.

A plugin states the versions it works with in its entry-point module::

    OPEN_FINOPS_API = ">=1.0,<2"

a comma-separated list of clauses, each an operator (``>=``, ``>``, ``<=``, ``<``, ``==``, ``!=``) and a
version of dotted integers; missing trailing numbers count as zero (``2`` is ``2.0``).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

PLUGIN_API_VERSION = "1.0"
# The attribute of a plugin's entry-point module that holds the range it supports.
DECLARATION = "OPEN_FINOPS_API"

_CLAUSE = re.compile(r"\s*(>=|<=|==|!=|>|<)\s*(\d+(?:\.\d+)*)\s*")
_OPERATORS: dict[str, Callable[[tuple[int, ...], tuple[int, ...]], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq, "!=": operator.ne,
}


def parse_version(text: str) -> tuple[int, ...]:
    """``"1.10"`` -> ``(1, 10)``; raises ValueError unless the text is dotted integers."""
    if not re.fullmatch(r"\d+(?:\.\d+)*", text):
        raise ValueError(f"{text!r} is not a version of dotted integers")
    return tuple(int(part) for part in text.split("."))


def _padded(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


@dataclass(frozen=True)
class ApiRange:
    """A parsed ``OPEN_FINOPS_API`` declaration: every clause must hold for a version to be in range."""

    text: str
    clauses: tuple[tuple[str, tuple[int, ...]], ...]

    @classmethod
    def parse(cls, text: object) -> ApiRange:
        """Raise ValueError, saying what is wrong, unless ``text`` is a range such as ``">=1.0,<2"``."""
        if not isinstance(text, str):
            raise ValueError(f"it is a {type(text).__name__}, not a string")
        clauses = []
        for part in text.split(","):
            match = _CLAUSE.fullmatch(part)
            if match is None:
                raise ValueError(f"{part.strip()!r} is not an operator followed by a version, such as '>=1.0'")
            clauses.append((match[1], parse_version(match[2])))
        return cls(text, tuple(clauses))

    def _failing(self, version: str) -> list[tuple[str, tuple[int, ...]]]:
        wanted = parse_version(version)
        return [(op, bound) for op, bound in self.clauses if not _OPERATORS[op](*_padded(wanted, bound))]

    def contains(self, version: str = PLUGIN_API_VERSION) -> bool:
        return not self._failing(version)

    def wants_newer(self, version: str = PLUGIN_API_VERSION) -> bool:
        """True when a clause that ``version`` fails asks for something above it: core is too old."""
        wanted = parse_version(version)
        return any(operator.gt(*_padded(bound, wanted)) for _op, bound in self._failing(version))
