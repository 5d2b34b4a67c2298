"""``finops config``: every declared setting in force, where it came from, secrets masked; or the defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from open_finops.cli.context import ConfigOption, load_settings
from open_finops.cli.output import print_json
from open_finops.config import Config, mask_value
from open_finops.errors import ConfigError
from open_finops.secrets import MASK
from open_finops.settings import Setting, SettingsSection, bound, describe, env_name, toml_value

app = typer.Typer(help="Show the configuration in force.", no_args_is_help=True)
DATABASE_FILE = "finops.duckdb"  # database.DATABASE_FILE, which would import more than this command needs


@app.command("show")
def show(
    config: Path | None = ConfigOption,
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
    defaults: bool = typer.Option(
        False, "--defaults", help="Print a complete commented config.toml with every setting at its default."
    ),
) -> None:
    """Print every setting of open-finops and its plugins: value, origin and help, with secrets masked."""
    from open_finops.plugins import current_registry

    sections = current_registry().settings_sections()
    if defaults:
        typer.echo(commented_defaults(sections), nl=False)
        return
    settings = load_settings(config)
    shown, errors = in_force(settings, sections)
    declared = {s.name for s in sections}
    undeclared = {name: values for name, values in settings.masked().items() if name not in declared}
    database = _database(shown)
    if as_json:
        print_json({"config_file": str(settings.path) if settings.path else None, "database": database,
                    "settings": shown, "undeclared": undeclared})
    else:
        _print_text(settings, sections, shown, undeclared, database)
    if errors:
        raise errors[0]


def in_force(config: Config, sections: list[SettingsSection]) -> tuple[dict[str, dict[str, Any]], list[ConfigError]]:
    """Each declared setting's value (secrets masked, paths absolute), origin, variable, help; and the errors of
    values that do not convert, each shown in place of its value."""
    shown: dict[str, dict[str, Any]] = {}
    errors: list[ConfigError] = []
    for section in sections:
        shown[section.name] = {}
        for setting in section.settings:
            entry: dict[str, Any] = {"type": setting.type, "secret": setting.secret, "help": setting.help,
                                     "env": env_name(section.name, setting.name)}
            try:
                value, origin = config.value(section.name, setting)
            except ConfigError as exc:
                errors.append(exc)
                entry.update(value=None, origin=None, origin_kind=None, error=exc.message)
            else:
                entry.update(value=_display(setting, value), origin=origin.short(), origin_kind=origin.kind)
            shown[section.name][setting.name] = entry
    return shown, errors


def _display(setting: Setting, value: Any) -> Any:
    if value is None:
        return None
    if setting.secret:
        return MASK
    if isinstance(value, Path):
        return str(value.expanduser().absolute())
    return mask_value(setting.name, value)


def _database(shown: dict[str, dict[str, Any]]) -> str | None:
    data_dir = shown.get("project", {}).get("data_dir", {}).get("value")
    return str(Path(data_dir) / DATABASE_FILE) if data_dir else None


def _print_text(config: Config, sections: list[SettingsSection], shown: dict[str, dict[str, Any]],
                undeclared: dict[str, dict[str, Any]], database: str | None) -> None:
    typer.echo(f"# config file: {config.path or '(none: defaults and environment only)'}")
    for section in sections:
        typer.echo(f"\n[{section.name}]  # {section.help}")
        for setting in section.settings:
            entry = shown[section.name][setting.name]
            if "error" in entry:
                typer.echo(f"# {setting.name}: invalid: {entry['error']}")
                continue
            unset = f"# {setting.name}: {setting.default_help or 'not set'}"
            assign = f"{setting.name} = {toml_value(entry['value'])}" if entry["value"] is not None else unset
            note = f"{entry['origin']}: {setting.help}" if setting.help else entry["origin"]
            typer.echo(f"{assign:<44} # {note}")
        if section.name == "project" and database:
            typer.echo(f"# database: {database}")
    for name, values in undeclared.items():
        why = ("open-finops-stack's, read only as the warnings say" if name == "database"
               else "declared by no installed plugin")
        typer.echo(f"\n[{name}]  # {why}: shown as written")
        for key, value in values.items():
            typer.echo(f"{key} = {_inline(value)}")


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_inline(v)}" for k, v in value.items()) + "}"
    return toml_value(value)


def commented_defaults(sections: list[SettingsSection]) -> str:
    """A complete ``config.toml``: every section and setting, each at its default, with its help as a comment.

    Settings without a default are commented out with an example value, so the file reads as it stands.
    """
    lines = ["# config.toml for open-finops: every setting of open-finops and its installed plugins, at its",
             "# default. Precedence: command-line flag > OPEN_FINOPS_<SECTION>_<KEY> > this file > the default.",
             "# A relative path here is relative to this file's folder."]
    for section in sections:
        lines += ["", f"# {section.help}", f"[{section.name}]"]
        for setting in section.settings:
            lines.append(f"# {_explain(section, setting)}")
            if setting.default is not None and not setting.secret:
                lines.append(f"{setting.name} = {toml_value(setting.default)}")
            else:
                lines.append(f"# {setting.name} = {toml_value(setting.example or '')}")
    return "\n".join(lines) + "\n"


def _explain(section: SettingsSection, setting: Setting) -> str:
    parts = [setting.help.rstrip(".") + "." if setting.help else ""]
    what = describe(setting)
    if setting.type == "size" and bound(setting.maximum) is not None:
        what = what.rsplit(" to ", 1)[0] + " to this machine's memory"
    parts.append(f"Type: {what}.")
    if setting.default is None:
        parts.append(f"Default: {setting.default_help}." if setting.default_help else "Default: not set.")
    if setting.secret:
        parts.append("A secret: prefer the environment.")
    ways = [f"flag {setting.flag}"] if setting.flag else []
    ways.append(env_name(section.name, setting.name))
    parts.append("Also: " + ", ".join(ways) + ".")
    return " ".join(p for p in parts if p)
