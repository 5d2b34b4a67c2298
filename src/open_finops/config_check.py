"""What in the configuration nothing reads: a typo'd key, a section no plugin owns, open-finops-stack's old keys.

:func:`check` compares the file and the ``OPEN_FINOPS_*`` variables with the declared sections (core's and
every installed plugin's) and returns one :class:`~open_finops.settings.Problem` per finding, each one line
that says what to write instead. The command line prints them as warnings, or refuses to run on the
``unknown`` and ``ignored`` ones when the configuration is strict (``--strict``, ``[project] strict_config``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from open_finops.config import Config, is_secret
from open_finops.core_settings import PROJECT
from open_finops.errors import ConfigError
from open_finops.secrets import MASK
from open_finops.settings import Problem, SettingsSection, env_name, toml_value

# Variables with core's prefix that are switches, not settings.
SWITCHES = frozenset({"OPEN_FINOPS_CONFIG", "OPEN_FINOPS_PLUGINS", "OPEN_FINOPS_DEBUG", "OPEN_FINOPS_TRACE_PLUGINS"})
# open-finops-stack's [database] backend names, as dlt names the destination.
STACK_BACKENDS = {"postgresql": "postgres"}
STACK_DATABASE_FILE = "finops.duckdb"


def check(config: Config, sections: Sequence[SettingsSection], quiet: Iterable[str] = ()) -> list[Problem]:
    """Every problem of ``config`` against the declared ``sections``; ``quiet`` names sections that are
    someone's though undeclared (a planned vendor, a plugin that is turned off or declares nothing)."""
    declared = {s.name: s for s in sections}
    quiet = set(quiet)
    problems: list[Problem] = []
    for name, table in config.data.items():
        if name == "database":
            problems += stack_database(config, table)
        elif name in declared:
            problems += _keys(config, declared[name], table)
        elif name not in quiet:
            problems.append(_unknown_section(config, name, declared))
    problems += _variables(config, declared)
    return problems


def enforce(problems: Sequence[Problem], strict: bool) -> list[str]:
    """The lines to warn with; when ``strict``, a ConfigError for the first problem that is not a deprecation."""
    if strict:
        refused = [p for p in problems if p.kind != "deprecated"]
        if refused:
            more = f" ({len(refused) - 1} more: see finops config show)" if len(refused) > 1 else ""
            raise ConfigError(f"{refused[0].message}{more}; the configuration is strict ([project] strict_config "
                              "or --strict), so this is an error")
    return [p.message for p in problems]


def strict_setting(config: Config) -> bool:
    return bool(config.value("project", PROJECT.setting("strict_config"))[0])


def _suggest(key: str, names: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(key, sorted(names), n=1, cutoff=0.6)
    return found[0] if found else None


def _in_file(config: Config, section: str, key: str) -> str:
    return f"config file {config.where(section, key)}"


def _shown(key: str, value: Any) -> str:
    return MASK if is_secret(key) else toml_value(value)


def _keys(config: Config, section: SettingsSection, table: Mapping[str, Any]) -> list[Problem]:
    names = section.by_any_name()
    problems: list[Problem] = []
    for key, value in table.items():
        setting = names.get(key)
        if setting is None:
            best = _suggest(key, (s.name for s in section.settings))
            hint = f"did you mean `{best}`?" if best else "finops config show --defaults lists them"
            problems.append(Problem(f"{_in_file(config, section.name, key)}: [{section.name}] {key} is not a "
                                    f"setting of [{section.name}]; {hint}"))
        elif key != setting.name:
            problems.append(_renamed(config, section, key, setting.name, value,
                                     current_set=setting.name in table or
                                     env_name(section.name, setting.name) in config.environ))
    return problems


def _renamed(config: Config, section: SettingsSection, old: str, new: str, value: Any, *,
             current_set: bool, var: str | None = None) -> Problem:
    where = f"environment variable {var}" if var else _in_file(config, section.name, old)
    what = var or f"[{section.name}] {old}"
    instead = env_name(section.name, new) if var else new
    if current_set:
        return Problem(f"{where}: {what} is ignored because [{section.name}] {new} is set; remove it", "ignored")
    return Problem(f"{where}: {what} is deprecated (open-finops-stack's name); it is read as [{section.name}] "
                   f"{new} = {_shown(new, value)}; rename it to {instead}", "deprecated")


def _unknown_section(config: Config, name: str, declared: Mapping[str, SettingsSection]) -> Problem:
    best = _suggest(name, declared)
    hint = f"did you mean [{best}]?" if best else "remove it, or install the plugin that reads it"
    return Problem(f"{_in_file(config, name, '')}: [{name}] is not read by open-finops or by any installed "
                   f"plugin; {hint}")


def _variables(config: Config, declared: Mapping[str, SettingsSection]) -> list[Problem]:
    """``OPEN_FINOPS_<SECTION>_<KEY>`` of a declared section naming no setting of it (the longest section wins)."""
    prefixes = sorted(((env_name(name, ""), section) for name, section in declared.items()),
                      key=lambda item: -len(item[0]))
    problems: list[Problem] = []
    for var in sorted(config.environ):
        if var in SWITCHES:
            continue
        for prefix, section in prefixes:
            if not var.startswith(prefix):
                continue
            names = {env_name(section.name, n): s for n, s in section.by_any_name().items()}
            setting = names.get(var)
            if setting is None:
                best = _suggest(var, (env_name(section.name, s.name) for s in section.settings))
                hint = f"did you mean {best}?" if best else "finops config show lists the settings"
                problems.append(Problem(f"environment variable {var} names no setting of [{section.name}]; {hint}"))
            elif var != env_name(section.name, setting.name):
                current = env_name(section.name, setting.name) in config.environ
                problems.append(_renamed(config, section, var, setting.name, config.environ[var],
                                         current_set=current, var=var))
            break
    return problems


def stack_database(config: Config, table: Mapping[str, Any]) -> list[Problem]:
    """open-finops-stack's ``[database]``: quiet when it says what open-finops does anyway (DuckDB, in
    ``<data_dir>/finops.duckdb``); otherwise one line per table saying where the setting goes now."""
    problems: list[Problem] = []
    backend = str(table.get("backend", "duckdb")).strip().lower()
    if backend != "duckdb":
        name = STACK_BACKENDS.get(backend, backend)
        problems.append(Problem(
            f"{_in_file(config, 'database', 'backend')}: [database] backend = {toml_value(table['backend'])} is "
            f"open-finops-stack's and is not read; choose the database with the importer's destination (e.g. "
            f"[aws] destination = \"{name}\") and give dlt its connection (DESTINATION__{name.upper()}__CREDENTIALS "
            "or .dlt/secrets.toml); see docs/configuration.md", "ignored"))
    for key, value in table.items():
        if key == "backend":
            continue
        if key == "duckdb" and isinstance(value, Mapping):
            problems += _stack_duckdb(config, value)
        elif isinstance(value, Mapping):
            name = STACK_BACKENDS.get(key, key)
            problems.append(Problem(
                f"{_in_file(config, 'database', key)}: [database.{key}] is open-finops-stack's and is not read; "
                f"dlt configures the {name} destination: [destination.{name}] in .dlt/secrets.toml or "
                f"DESTINATION__{name.upper()}__* variables; see docs/configuration.md", "ignored"))
        else:
            problems.append(Problem(f"{_in_file(config, 'database', key)}: [database] {key} is open-finops-stack's "
                                    "and is not read; see docs/migration.md", "ignored"))
    return problems


def _stack_duckdb(config: Config, table: Mapping[str, Any]) -> list[Problem]:
    where = _in_file(config, "database", "duckdb")
    problems = [Problem(f"{where}: [database.duckdb] {key} is open-finops-stack's and is not read; "
                        "see docs/migration.md", "ignored") for key in table if key != "database_path"]
    if "database_path" not in table:
        return problems
    data_dir = config.value("project", PROJECT.setting("data_dir"))[0]
    written = Path(str(table["database_path"])).expanduser()
    if not written.is_absolute() and config.path is not None:
        written = config.path.parent / written
    expected = Path(data_dir) / STACK_DATABASE_FILE
    if written.resolve() != expected.resolve():
        problems.append(Problem(
            f"{where}: [database.duckdb] database_path = {toml_value(table['database_path'])} is open-finops-stack's "
            f"and is not read; the database is {STACK_DATABASE_FILE} in [project] data_dir ({expected}): set "
            f"data_dir = {toml_value(str(written.parent))} to use that folder", "ignored"))
    return problems
