"""Declared settings: what a ``[section]`` holds, and the one home of turning raw values into typed ones.

Core and every plugin declare their settings as data (:class:`Setting` in a :class:`SettingsSection`);
:meth:`open_finops.config.Config.resolve` then takes each one from the first place that has it (flag,
``OPEN_FINOPS_<SECTION>_<KEY>``, the file, the default), converts and checks it here, and remembers
where it came from. A value that does not convert is a one-line :class:`~open_finops.errors.ConfigError`
naming the setting, the value and its origin. Nothing here imports more than the standard library and
core's light naming rules.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal, get_args

from open_finops.naming import dataset_identifier
from open_finops.periods import PERIOD_PATTERN

SettingType = Literal["str", "bool", "int", "float", "size", "duration", "month", "path", "list", "identifier",
                      "subpath"]
SETTING_TYPES: tuple[str, ...] = get_args(SettingType)
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_SECTION = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)
_UNITS = {"kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|h|d)$", re.IGNORECASE)
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

Bound = float | int | Callable[[], float | int | None] | None


@dataclass(frozen=True)
class Setting:
    """One setting of a section, as a plugin (or core) declares it.

    ``type`` decides the conversion (see the table in docs/plugins.md). ``default`` is the value when no
    flag, variable or file sets it (None: not set); ``default_help`` describes a default the plugin works
    out itself (``"[project] data_dir"``). ``choices`` are the allowed values of a ``str`` setting;
    ``minimum``/``maximum`` the inclusive range of a number, size (bytes) or duration (seconds), either
    of which may be a function called when the value is checked. ``flag`` names the command-line flag
    that sets it, for messages. ``renamed_from`` lists older names still read, with a deprecation warning.
    ``secret`` settings are masked wherever they are shown.
    """

    name: str
    type: SettingType = "str"
    default: Any = None
    help: str = ""
    secret: bool = False
    choices: tuple[str, ...] = ()
    minimum: Bound = None
    maximum: Bound = None
    flag: str | None = None
    default_help: str | None = None
    renamed_from: tuple[str, ...] = ()
    example: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise ValueError(f"setting name {self.name!r} is invalid: use lowercase letters, digits, '_' or '-'")
        if self.type not in SETTING_TYPES:
            raise ValueError(f"setting {self.name!r}: type must be one of {', '.join(SETTING_TYPES)}")
        if self.choices and self.type != "str":
            raise ValueError(f"setting {self.name!r}: choices are for str settings")
        for old in self.renamed_from:
            if not _NAME.fullmatch(old) or old == self.name:
                raise ValueError(f"setting {self.name!r}: renamed_from {old!r} is not another setting name")


@dataclass(frozen=True)
class SettingsSection:
    """The settings of one ``[section]`` of ``config.toml``; a plugin returns these from ``register_settings``."""

    name: str
    help: str
    settings: tuple[Setting, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _SECTION.fullmatch(self.name):
            raise ValueError(f"settings section name {self.name!r} is invalid: use lowercase letters, digits, "
                             "'-' or '_', starting with a letter")
        names: set[str] = set()
        for setting in self.settings:
            if not isinstance(setting, Setting):
                raise ValueError(f"section [{self.name}]: {setting!r} is not a Setting")
            for name in (setting.name, *setting.renamed_from):
                if name in names:
                    raise ValueError(f"section [{self.name}]: setting {name!r} is declared twice")
                names.add(name)

    def setting(self, name: str) -> Setting | None:
        return next((s for s in self.settings if s.name == name), None)

    def by_any_name(self) -> dict[str, Setting]:
        """Every name a key of this section may have, current or old, to its setting."""
        return {name: s for s in self.settings for name in (s.name, *s.renamed_from)}


@dataclass(frozen=True)
class Origin:
    """Where a value came from: ``kind`` is flag, env, file or default; ``where`` the flag, variable or file:line."""

    kind: Literal["flag", "env", "file", "default"]
    where: str | None = None
    # The older name a value was read under ([aws] dataset_name for dataset), if it was.
    old_name: str | None = None

    def __str__(self) -> str:
        """For messages: ``flag --bucket``, ``environment variable X``, ``config file F:3``, ``the default``."""
        as_old = f" (as {self.old_name})" if self.old_name else ""
        if self.kind == "flag":
            return f"flag {self.where}" if self.where else "the command line"
        if self.kind == "env":
            return f"environment variable {self.where}{as_old}"
        if self.kind == "file":
            return f"config file {self.where}{as_old}" if self.where else f"the configuration{as_old}"
        return "the default"

    def short(self) -> str:
        """For ``config show``: ``flag --bucket``, ``env X``, ``F:3``, ``default``."""
        as_old = f" (as {self.old_name})" if self.old_name else ""
        if self.kind == "default":
            return "default"
        if self.kind == "file":
            return f"{self.where or 'file'}{as_old}"
        return f"{self.kind} {self.where}{as_old}" if self.where else self.kind


class Resolved(Mapping[str, Any]):
    """The values of one section's settings, with where each came from. Read it like a dict."""

    def __init__(self, section: SettingsSection, values: Mapping[str, Any], origins: Mapping[str, Origin]):
        self.section = section
        self._values = dict(values)
        self._origins = dict(origins)

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def origin(self, name: str) -> Origin:
        return self._origins[name]

    def __repr__(self) -> str:
        shown = {s.name: "********" if s.secret and self._values[s.name] is not None else self._values[s.name]
                 for s in self.section.settings}
        return f"Resolved([{self.section.name}] {shown})"


class Invalid(ValueError):
    """A value a setting's type does not take; the message says what it must be."""


def bound(value: Bound) -> float | int | None:
    return value() if callable(value) else value


def describe(setting: Setting) -> str:
    """What a setting must be, for messages and the commented defaults: ``a whole number from 1 to 65535``."""
    low, high = bound(setting.minimum), bound(setting.maximum)
    if setting.type == "size":
        low = None if low is None else format_size(int(low))
        high = None if high is None else format_size(int(high))
    what = {
        "str": "text",
        "bool": "true or false",
        "int": "a whole number",
        "float": "a finite number",
        "size": "a size such as 512MB or 2GB",
        "duration": "a duration in seconds, or such as 90s, 5m or 1h,",
        "month": "a month, YYYY-MM",
        "path": "a path",
        "list": "a list of text (in a variable: comma-separated)",
        "identifier": "a plain name of lowercase letters, digits and single underscores",
        "subpath": "a path inside the bucket or folder, without '..'",
    }[setting.type]
    if setting.choices:
        what = "one of " + ", ".join(setting.choices)
    text = what + _bounds(low, high)
    return text.rstrip(",")


def _bounds(minimum: Any, maximum: Any) -> str:
    minimum, maximum = (f"{v:g}" if isinstance(v, float) else v for v in (minimum, maximum))
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" of at least {minimum}"
    if maximum is not None:
        return f" of at most {maximum}"
    return ""


def is_empty(raw: Any) -> bool:
    """An empty text value counts as not given, so ``OPEN_FINOPS_AWS_PREFIX=`` falls back to the file or default."""
    return isinstance(raw, str) and raw.strip() == ""


def convert(setting: Setting, raw: Any, *, base: Path | None = None) -> Any:
    """``raw`` (a TOML value, or text from a variable or flag) as ``setting``'s type; :class:`Invalid` if it is not.

    ``base`` is the folder a relative ``path`` is relative to (the config file's, for a value from the file).
    """
    kind = setting.type
    if kind == "bool":
        return _to_bool(raw)
    if kind in ("int", "float", "size", "duration"):
        number = {"int": whole_number, "float": finite_number, "size": parse_size,
                  "duration": parse_duration}[kind](raw)
        if number is None or not _within(setting, number):
            raise Invalid
        return str(raw).strip() if kind == "size" else number
    if kind == "list":
        if isinstance(raw, str):
            return [part.strip() for part in raw.split(",") if part.strip()]
        if isinstance(raw, list) and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in raw):
            return [str(v) for v in raw]
        raise Invalid
    if isinstance(raw, Path):
        raw = str(raw)
    if not isinstance(raw, str):
        raise Invalid
    text = raw.strip()
    if kind == "path":
        path = Path(text).expanduser()
        return base / path if base is not None and not path.is_absolute() else path
    if kind == "month":
        if not PERIOD_PATTERN.fullmatch(text):
            raise Invalid
        return text
    if kind == "identifier":
        try:
            return dataset_identifier(text)
        except ValueError:
            raise Invalid from None
    if kind == "subpath":
        if ".." in PurePosixPath(text).parts:
            raise Invalid
        return text
    if setting.choices:
        # Case does not matter ("Podman" is podman); the declared spelling is what the plugin sees.
        match = next((c for c in setting.choices if c.lower() == text.lower()), None)
        if match is None:
            raise Invalid
        return match
    return text


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower() if isinstance(raw, str | int) else None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Invalid


def _within(setting: Setting, number: float) -> bool:
    low, high = bound(setting.minimum), bound(setting.maximum)
    return (low is None or number >= low) and (high is None or number <= high)


def whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else None


def finite_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value if isinstance(value, int | float) else str(value).strip())
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def parse_size(value: Any) -> int | None:
    """``"384MB"`` -> 384000000 bytes (DuckDB's units: KB = 1000 bytes, KiB = 1024); None for anything else."""
    match = _SIZE.fullmatch(str(value).strip()) if isinstance(value, str) else None
    if match is None:
        return None
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def format_size(size: int) -> str:
    """Bytes as DuckDB's decimal units, for messages: 64000000 -> ``64MB``."""
    for unit, factor in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= factor:
            return f"{size / factor:.4g}{unit}"
    return f"{size} bytes"


def parse_duration(value: Any) -> float | None:
    """Seconds: a finite number (``30``, ``2.5``) or one with a unit (``90s``, ``5m``, ``2h``, ``1d``)."""
    if isinstance(value, str):
        match = _DURATION.fullmatch(value.strip())
        if match is not None:
            return float(match.group(1)) * _SECONDS[match.group(2).lower()]
    return finite_number(value)


def env_name(section: str, key: str) -> str:
    """``OPEN_FINOPS_<SECTION>_<KEY>`` in upper case, ``-`` as ``_``."""
    return f"OPEN_FINOPS_{section}_{key}".upper().replace("-", "_")


def toml_value(value: Any) -> str:
    """A value as TOML writes it, for the commented defaults and ``config show``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Problem:
    """Something wrong with the configuration that does not stop it being read: a typo, an old key."""

    message: str
    # "unknown" (a key or section nothing reads), "ignored" (an old key that no longer takes effect) or
    # "deprecated" (an old key that still takes effect): --strict makes the first two errors.
    kind: Literal["unknown", "ignored", "deprecated"] = "unknown"
