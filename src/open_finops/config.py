"""Configuration: ``config.toml``, environment overrides and command-line flags.

Precedence, highest first: a command-line flag, ``OPEN_FINOPS_<SECTION>_<KEY>``, the file, the default.
The file is found from ``--config/-c``, else ``OPEN_FINOPS_CONFIG``, else ``./config.toml`` if present.
``[project]`` holds ``data_dir``; every plugin reads its own section (``[aws]``, ``[docker]``, ...).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from open_finops.errors import ConfigError

CONFIG_ENV = "OPEN_FINOPS_CONFIG"
ENV_PREFIX = "OPEN_FINOPS_"
DEFAULT_FILE = "config.toml"
DEFAULT_DATA_DIR = "data"
MASK = "********"
_SECRET = re.compile(r"(password|passwd|secret|token|credential|access_key|api_key|private_key)", re.I)
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

    def get_bool(self, section: str, key: str, flag: bool | None = None, default: bool = False) -> bool:
        value = self.get(section, key, flag, default)
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ConfigError(f"setting {section}.{key} must be true or false, not {value!r}")

    def get_int(self, section: str, key: str, flag: int | None = None, default: int | None = None) -> int | None:
        value = self.get(section, key, flag, default)
        if value is None or isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise ConfigError(f"setting {section}.{key} must be a whole number, not {value!r}") from None

    def get_float(self, section: str, key: str, flag: float | None = None, default: float | None = None):
        value = self.get(section, key, flag, default)
        if value is None or isinstance(value, int | float) and not isinstance(value, bool):
            return value
        try:
            return float(str(value).strip())
        except ValueError:
            raise ConfigError(f"setting {section}.{key} must be a number, not {value!r}") from None

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
        return self.get_path("project", "data_dir", flag, DEFAULT_DATA_DIR)

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
                values.setdefault("data_dir", str(self.data_dir()))
            shown[name] = {k: mask_value(k, v) for k, v in sorted(values.items())}
        return shown


def mask_value(key: str, value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: mask_value(k, v) for k, v in value.items()}
    return MASK if is_secret(key) and value not in (None, "") else value


def find_config_file(flag: str | Path | None, environ: Mapping[str, str]) -> Path | None:
    if flag is not None:
        path = Path(flag).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist; check the --config path")
        return path
    if environ.get(CONFIG_ENV):
        path = Path(environ[CONFIG_ENV]).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file {path} (from {CONFIG_ENV}) does not exist; fix or unset {CONFIG_ENV}")
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
