"""Configuration: ``config.toml``, environment overrides and command-line flags.

Precedence, highest first: a command-line flag, ``OPEN_FINOPS_<SECTION>_<KEY>``, the file, the default.
The file is found from ``--config/-c``, else ``OPEN_FINOPS_CONFIG``, else ``./config.toml`` if present.
``[project]`` holds ``data_dir``; every plugin reads its own section (``[aws]``, ``[docker]``, ...).
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from open_finops.errors import ConfigError
from open_finops.secrets import MASK, mask_secrets

CONFIG_ENV = "OPEN_FINOPS_CONFIG"
ENV_PREFIX = "OPEN_FINOPS_"
DEFAULT_FILE = "config.toml"
DEFAULT_DATA_DIR = "data"
# connection_string: an Azure Storage connection string holds the account key.
_SECRET = re.compile(r"(password|passwd|secret|token|credential|access_key|api_key|private_key|connection_string)",
                     re.I)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def is_secret(key: str) -> bool:
    """Whether a setting's name says it holds a secret that must never be shown."""
    return bool(_SECRET.search(key))


def env_name(section: str, key: str) -> str:
    return f"{ENV_PREFIX}{section}_{key}".upper().replace("-", "_")


def _env_prefix(section: str) -> str:
    return f"{ENV_PREFIX}{section}_".upper().replace("-", "_")


@dataclass(frozen=True)
class Config:
    """Settings from one file plus the environment. Read with :meth:`get` and friends."""

    path: Path | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=dict)

    def get(self, section: str, key: str, flag: Any = None, default: Any = None) -> Any:
        """The value of ``[section] key``: ``flag`` if given, else env, else file, else ``default``."""
        if flag is not None:
            return flag
        name = env_name(section, key)
        if name in self.environ:
            return self.environ[name]
        table = self.data.get(section, {})
        if isinstance(table, Mapping) and key in table:
            return table[key]
        return default

    def source(self, section: str, key: str) -> str:
        """Where a setting comes from, for ``config show``: env, file or default."""
        if env_name(section, key) in self.environ:
            return "env"
        table = self.data.get(section, {})
        if isinstance(table, Mapping) and key in table:
            return "file"
        return "default"

    def origin(self, section: str, key: str, flag: Any = None, flag_name: str | None = None) -> str:
        """Where the value in force comes from, for messages: the flag, the variable, the file or the default."""
        if flag is not None:
            return f"flag {flag_name}" if flag_name else "the command line"
        where = self.source(section, key)
        if where == "env":
            return f"environment variable {env_name(section, key)}"
        if where == "file":
            return f"config file {self.path}" if self.path is not None else "the configuration"
        return "the default"

    def _invalid(self, section: str, key: str, flag: Any, flag_name: str | None, what: str, value: Any) -> ConfigError:
        return ConfigError(f"setting {section}.{key} must be {what}, not {value!r} "
                           f"(from {self.origin(section, key, flag, flag_name)})")

    def get_bool(self, section: str, key: str, flag: bool | None = None, default: bool = False) -> bool:
        value = self.get(section, key, flag, default)
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise self._invalid(section, key, flag, None, "true or false", value)

    def get_int(self, section: str, key: str, flag: int | None = None, default: int | None = None, *,
                minimum: int | None = None, maximum: int | None = None,
                flag_name: str | None = None) -> int | None:
        """A whole-number setting, within ``minimum``..``maximum`` (inclusive) when given."""
        value = self.get(section, key, flag, default)
        if value is None:
            return None
        number = _whole_number(value)
        what = "a whole number" + _bounds(minimum, maximum)
        if number is None or (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise self._invalid(section, key, flag, flag_name, what, value)
        return number

    def get_float(self, section: str, key: str, flag: float | None = None, default: float | None = None, *,
                  minimum: float | None = None, maximum: float | None = None,
                  flag_name: str | None = None) -> float | None:
        """A finite number setting (never nan or infinity), within ``minimum``..``maximum`` when given."""
        value = self.get(section, key, flag, default)
        if value is None:
            return None
        number = _finite_number(value)
        what = "a finite number" + _bounds(minimum, maximum)
        if number is None or (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise self._invalid(section, key, flag, flag_name, what, value)
        return number

    def get_size(self, section: str, key: str, flag: str | None = None, default: str | None = None, *,
                 minimum: int | None = None, maximum: int | None = None,
                 flag_name: str | None = None) -> str | None:
        """A size such as ``512MB`` or ``2GiB`` (DuckDB's units: KB = 1000 bytes, KiB = 1024), returned as
        text once its size in bytes lies within ``minimum``..``maximum``."""
        value = self.get(section, key, flag, default)
        if value is None:
            return None
        size = parse_size(value)
        what = "a size such as 512MB or 2GB" + _bounds(
            None if minimum is None else format_size(minimum), None if maximum is None else format_size(maximum))
        if size is None or (minimum is not None and size < minimum) or (maximum is not None and size > maximum):
            raise self._invalid(section, key, flag, flag_name, what, value)
        return str(value).strip()

    def get_path(self, section: str, key: str, flag: str | Path | None = None, default: str | None = None):
        """A path setting; a relative path from the file is relative to the file's folder."""
        if flag is not None:
            return Path(flag).expanduser()
        value = self.get(section, key, None, default)
        if value is None:
            return None
        path = Path(str(value)).expanduser()
        if not path.is_absolute() and self.source(section, key) == "file" and self.path is not None:
            return self.path.parent / path
        return path

    def data_dir(self, flag: str | Path | None = None) -> Path:
        """``[project] data_dir``; a ConfigError when it is a file or lies under one."""
        path = self.get_path("project", "data_dir", flag, DEFAULT_DATA_DIR)
        return check_data_dir(path, self.origin("project", "data_dir", flag, "--data-dir"))

    def section(self, name: str) -> dict[str, Any]:
        """Every setting of a section, the file's values overridden by the environment's."""
        merged: dict[str, Any] = dict(self.data.get(name, {}) or {})
        prefix = _env_prefix(name)
        for var, value in self.environ.items():
            if var.startswith(prefix) and var != CONFIG_ENV:
                merged[var[len(prefix):].lower()] = value
        return merged

    def masked(self) -> dict[str, dict[str, Any]]:
        """All settings, with secrets replaced by a mask, for display."""
        known = set(self.data) | {"project"}
        names = set(known)
        for var in self.environ:
            rest = var[len(ENV_PREFIX):]
            # OPEN_FINOPS_CONFIG, _PLUGINS and _DEBUG are core's own switches: they name no setting.
            if not var.startswith(ENV_PREFIX) or "_" not in rest:
                continue
            if not any(var.startswith(_env_prefix(name)) for name in known):
                names.add(rest.split("_", 1)[0].lower())
        shown: dict[str, dict[str, Any]] = {}
        for name in sorted(names):
            values = self.section(name)
            if name == "project":
                values.setdefault("data_dir", str(self.get_path("project", "data_dir", None, DEFAULT_DATA_DIR)))
            shown[name] = {k: mask_value(k, v) for k, v in sorted(values.items())}
        return shown


_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)
_UNITS = {"kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_size(value: Any) -> int | None:
    """``"384MB"`` -> 384000000 bytes (DuckDB's units); None for anything that is not such a size."""
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


def _bounds(minimum: Any, maximum: Any) -> str:
    minimum, maximum = (f"{v:g}" if isinstance(v, float) else v for v in (minimum, maximum))
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" of at least {minimum}"
    if maximum is not None:
        return f" of at most {maximum}"
    return ""


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else None


def _finite_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value if isinstance(value, int | float) else str(value).strip())
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


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


def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the configuration that applies: ``path`` (the ``--config`` flag) or the usual places."""
    env = dict(os.environ if environ is None else environ)
    found = find_config_file(path, env)
    if found is None:
        return Config(path=None, data={}, environ=env)
    try:
        with found.open("rb") as fh:
            data = tomllib.load(fh)
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
    return Config(path=found.resolve(), data=data, environ=env)
