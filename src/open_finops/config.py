"""Configuration: ``config.toml``, environment overrides and command-line flags.

Precedence, highest first: a command-line flag, ``OPEN_FINOPS_<SECTION>_<KEY>``, the file, the default.
The file is found from ``--config/-c``, else ``OPEN_FINOPS_CONFIG``, else ``./config.toml`` if present.
``[project]`` holds ``data_dir``; every plugin reads its own section (``[aws]``, ``[docker]``, ...).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from open_finops.core_settings import PROJECT
from open_finops.errors import ConfigError
from open_finops.secrets import MASK, mask_secrets
from open_finops.settings import (
    Invalid,
    Origin,
    Resolved,
    Setting,
    SettingsSection,
    convert,
    describe,
    env_name,
    format_size,
    is_empty,
    parse_size,
)

CONFIG_ENV = "OPEN_FINOPS_CONFIG"
ENV_PREFIX = "OPEN_FINOPS_"
DEFAULT_FILE = "config.toml"
DEFAULT_DATA_DIR = "data"
# connection_string: an Azure Storage connection string holds the account key.
_SECRET = re.compile(r"(password|passwd|secret|token|credential|access_key|api_key|private_key|connection_string)",
                     re.I)
# Types whose empty text means "not given here", so the next place (file, default) applies.
_TEXT_TYPES = {"str", "path", "month", "list", "identifier", "subpath"}

__all__ = ["MASK", "Config", "env_name", "format_size", "load_config", "parse_size"]


def is_secret(key: str) -> bool:
    """Whether a setting's name says it holds a secret that must never be shown."""
    return bool(_SECRET.search(key))


def _env_prefix(section: str) -> str:
    return f"{ENV_PREFIX}{section}_".upper().replace("-", "_")


@dataclass(frozen=True)
class Config:
    """Settings from one file plus the environment. Read declared settings with :meth:`resolve`."""

    path: Path | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=dict)
    # The line of each ``(section, key)`` in the file, for messages that point at it.
    lines: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def get(self, section: str, key: str, flag: Any = None, default: Any = None) -> Any:
        """The raw value of ``[section] key``: ``flag`` if given, else env, else file, else ``default``."""
        if flag is not None:
            return flag
        name = env_name(section, key)
        if name in self.environ:
            return self.environ[name]
        table = self.data.get(section, {})
        if isinstance(table, Mapping) and key in table:
            return table[key]
        return default

    def where(self, section: str, key: str) -> str | None:
        """``file:line`` of a key in the file (the file alone when the line is not known)."""
        if self.path is None:
            return None
        line = self.lines.get((section, key))
        return f"{self.path}:{line}" if line else str(self.path)

    def resolve(self, section: SettingsSection, **flags: Any) -> Resolved:
        """Every setting ``section`` declares, converted and checked; ``flags`` are command-line values by
        setting name (None: not given). A value that does not convert is a ConfigError naming its origin."""
        unknown = set(flags) - {s.name for s in section.settings}
        if unknown:
            raise TypeError(f"[{section.name}] declares no setting {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        origins: dict[str, Origin] = {}
        for setting in section.settings:
            values[setting.name], origins[setting.name] = self.value(section.name, setting, flags.get(setting.name))
        return Resolved(section, values, origins)

    def value(self, section: str, setting: Setting, flag: Any = None) -> tuple[Any, Origin]:
        """One setting's value and origin: the first of flag, variable, file (current name, then old ones),
        default that gives one. Empty text counts as not given."""
        for raw, origin, base in self._candidates(section, setting, flag):
            if raw is None or (setting.type in _TEXT_TYPES and is_empty(raw)):
                continue
            try:
                return convert(setting, raw, base=base), origin
            except Invalid:
                raise ConfigError(f"setting {section}.{setting.name} must be {describe(setting)}, not {raw!r} "
                                  f"(from {origin})") from None
        return None, Origin("default")

    def _candidates(self, section: str, setting: Setting, flag: Any):
        yield flag, Origin("flag", setting.flag), None
        names = (setting.name, *setting.renamed_from)
        for name in names:
            var = env_name(section, name)
            if var in self.environ:
                yield self.environ[var], Origin("env", var, old_name=None if name == setting.name else name), None
        table = self.data.get(section, {})
        if isinstance(table, Mapping):
            base = self.path.parent if self.path is not None else None
            for name in names:
                if name in table:
                    yield (table[name], Origin("file", self.where(section, name),
                                               old_name=None if name == setting.name else name), base)
        yield setting.default, Origin("default"), None

    def source(self, section: str, key: str) -> str:
        """Where a setting comes from: env, file or default."""
        if env_name(section, key) in self.environ:
            return "env"
        table = self.data.get(section, {})
        if isinstance(table, Mapping) and key in table:
            return "file"
        return "default"

    def origin(self, section: str, key: str, flag: Any = None, flag_name: str | None = None) -> str:
        """Where the value in force comes from, for messages: the flag, the variable, the file or the default."""
        if flag is not None:
            return str(Origin("flag", flag_name))
        where = self.source(section, key)
        if where == "env":
            return str(Origin("env", env_name(section, key)))
        if where == "file":
            return str(Origin("file", self.where(section, key)))
        return str(Origin("default"))

    # Typed reads of a setting no section declares (a plugin written before declared settings); each
    # builds the declaration on the spot, so the conversion is the declared settings' one.
    def get_bool(self, section: str, key: str, flag: bool | None = None, default: bool = False) -> bool:
        return self.value(section, Setting(key, "bool", default), flag)[0]

    def get_int(self, section: str, key: str, flag: int | None = None, default: int | None = None, *,
                minimum: int | None = None, maximum: int | None = None,
                flag_name: str | None = None) -> int | None:
        """A whole-number setting, within ``minimum``..``maximum`` (inclusive) when given."""
        setting = Setting(key, "int", default, minimum=minimum, maximum=maximum, flag=flag_name)
        return self.value(section, setting, flag)[0]

    def get_float(self, section: str, key: str, flag: float | None = None, default: float | None = None, *,
                  minimum: float | None = None, maximum: float | None = None,
                  flag_name: str | None = None) -> float | None:
        """A finite number setting (never nan or infinity), within ``minimum``..``maximum`` when given."""
        setting = Setting(key, "float", default, minimum=minimum, maximum=maximum, flag=flag_name)
        return self.value(section, setting, flag)[0]

    def get_size(self, section: str, key: str, flag: str | None = None, default: str | None = None, *,
                 minimum: int | None = None, maximum: int | None = None,
                 flag_name: str | None = None) -> str | None:
        """A size such as ``512MB`` or ``2GiB``, returned as text once it lies within ``minimum``..``maximum``."""
        setting = Setting(key, "size", default, minimum=minimum, maximum=maximum, flag=flag_name)
        return self.value(section, setting, flag)[0]

    def get_path(self, section: str, key: str, flag: str | Path | None = None, default: str | None = None):
        """A path setting; a relative path from the file is relative to the file's folder."""
        return self.value(section, Setting(key, "path", default), flag)[0]

    def data_dir(self, flag: str | Path | None = None) -> Path:
        """``[project] data_dir``; a ConfigError when it is a file or lies under one."""
        path, origin = self.value("project", PROJECT.setting("data_dir"), flag)
        return check_data_dir(path, str(origin))

    def section(self, name: str) -> dict[str, Any]:
        """Every setting of a section, the file's values overridden by the environment's."""
        merged: dict[str, Any] = dict(self.data.get(name, {}) or {})
        prefix = _env_prefix(name)
        for var, value in self.environ.items():
            if var.startswith(prefix) and var != CONFIG_ENV:
                merged[var[len(prefix):].lower()] = value
        return merged

    def env_sections(self) -> set[str]:
        """Section names the ``OPEN_FINOPS_<SECTION>_<KEY>`` variables seem to name, beyond the file's."""
        known = set(self.data) | {"project"}
        names: set[str] = set()
        for var in self.environ:
            rest = var[len(ENV_PREFIX):]
            # OPEN_FINOPS_CONFIG, _PLUGINS and _DEBUG are core's own switches: they name no setting.
            if not var.startswith(ENV_PREFIX) or "_" not in rest:
                continue
            if not any(var.startswith(_env_prefix(name)) for name in known):
                names.add(rest.split("_", 1)[0].lower())
        return names

    def masked(self) -> dict[str, dict[str, Any]]:
        """All settings of the file and the environment, with secrets replaced by a mask, for display."""
        shown: dict[str, dict[str, Any]] = {}
        for name in sorted(set(self.data) | {"project"} | self.env_sections()):
            values = self.section(name)
            if name == "project":
                values.setdefault("data_dir", str(self.get_path("project", "data_dir", None, DEFAULT_DATA_DIR)))
            shown[name] = {k: mask_value(k, v) for k, v in sorted(values.items())}
        return shown


def check_data_dir(data_dir: Path, origin: str | None = None) -> Path:
    """A data directory must be a folder, or not exist yet under folders: not a file, nor under one."""
    data_dir = Path(data_dir)
    for path in (data_dir, *data_dir.parents):
        if path.is_dir():
            break
        if path.exists() or path.is_symlink():
            where = "is a file" if path == data_dir else f"lies under {path}, which is a file"
            source = f" (from {origin})" if origin else ""
            raise ConfigError(f"data directory {data_dir}{source} {where}, not a folder; "
                              f"point --data-dir or [project] data_dir at a folder")
    return data_dir


def mask_value(key: str, value: Any) -> Any:
    """A setting for display: a secret's value masked whole, a URL's or DSN's password masked in any other."""
    if isinstance(value, Mapping):
        return {k: mask_value(k, v) for k, v in value.items()}
    if is_secret(key) and value not in (None, ""):
        return MASK
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, list):
        return [mask_value(key, v) for v in value]
    return value


def _not_a_file(path: Path) -> str:
    return "is a folder, not a file" if path.is_dir() else "does not exist"


def find_config_file(flag: str | Path | None, environ: Mapping[str, str]) -> Path | None:
    if flag is not None:
        path = Path(flag).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file {path} {_not_a_file(path)}; check the --config path")
        return path
    if environ.get(CONFIG_ENV):
        path = Path(environ[CONFIG_ENV]).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file {path} (from {CONFIG_ENV}) {_not_a_file(path)}; "
                              f"fix or unset {CONFIG_ENV}")
        return path
    default = Path(DEFAULT_FILE)
    return default if default.is_file() else None


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")


def key_lines(text: str) -> dict[tuple[str, str], int]:
    """Where each ``[section] key`` (and each ``[section.table]``) is written, for messages that point at it.

    A plain reading of the usual layout: one table header or ``key = value`` per line. Anything it cannot
    place (dotted keys, multi-line values) just has no line number.
    """
    lines: dict[tuple[str, str], int] = {}
    section: str | None = None
    nested = False
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header is not None and not line.lstrip().startswith("[["):
            parts = [p.strip().strip("\"'") for p in header.group(1).split(".")]
            section, nested = parts[0], len(parts) > 1
            lines.setdefault((section, ""), number)
            if nested:
                lines.setdefault((section, parts[1]), number)
            continue
        key = _KEY.match(line)
        if key is not None and section is not None and not nested:
            lines.setdefault((section, key.group(1).strip("\"'")), number)
    return lines


def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the configuration that applies: ``path`` (the ``--config`` flag) or the usual places."""
    env = dict(os.environ if environ is None else environ)
    found = find_config_file(path, env)
    if found is None:
        return Config(path=None, data={}, environ=env)
    import tomllib  # only with a file to read: the parser's regular expressions cost every start-up 5 ms

    try:
        raw = found.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"config file {found} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8 and run again"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {found} is not valid TOML: {exc}; fix the file and run again") from None
    except OSError as exc:
        raise ConfigError(f"config file {found} cannot be read: {exc.strerror}") from None
    for name, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(
                f"config file {found}: top-level key {name!r} must be a [section] table, e.g. [project]"
            )
    return Config(path=found.resolve(), data=data, environ=env, lines=key_lines(raw.decode("utf-8")))
