"""Plugin discovery and the validated registry of what plugins contribute.

Plugins are found through the entry-point group ``open_finops``. Each one is loaded on its own: a plugin
that fails to import, or whose hook raises, is recorded with its error and skipped, and the rest of the
command line keeps working. ``OPEN_FINOPS_PLUGINS`` (a comma-separated list of entry-point names; empty
for none) restricts which plugins load.

A plugin states which plugin API versions it supports with ``OPEN_FINOPS_API = ">=1.0,<2"`` in its
entry-point module (see :mod:`open_finops.api_version`). One whose range excludes core's version, or whose range
cannot be read, is not registered: it is "failed" with an error naming both versions. A plugin that
declares no range loads; its ``api`` is None ("unspecified").

Hooks are called through pluggy's hook caller, one plugin at a time (:func:`call_hook`). A process
discovers its plugins once: :func:`current_registry` hands the registry down to plugin code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pluggy

from open_finops import __version__, hookspecs
from open_finops.api_version import DECLARATION, PLUGIN_API_VERSION, ApiRange
from open_finops.contributions import Command, CommandGroup, ManifestParser, Pipeline
from open_finops.core_settings import CORE_SECTIONS
from open_finops.entry_points import entry_points as installed_entry_points
from open_finops.settings import SettingsSection

ENTRY_POINT_GROUP = "open_finops"
PLUGINS_ENV = "OPEN_FINOPS_PLUGINS"
HOOKS = ("register_commands", "register_pipelines", "register_manifest_parsers", "register_settings")
# Config sections core reads itself (or reports as open-finops-stack's); a plugin may not declare them.
RESERVED_SECTIONS = frozenset({*(s.name for s in CORE_SECTIONS), "focus", "database"})
# Names the core command line uses itself; a plugin may not take them.
RESERVED_COMMANDS = frozenset(
    {"plugins", "pipelines", "config", "focus", "state", "exports", "query", "demo", "version", "help"}
)

_EXPECTED: dict[str, tuple[type, ...]] = {
    "register_commands": (CommandGroup, Command),
    "register_pipelines": (Pipeline,),
    "register_manifest_parsers": (ManifestParser,),
    "register_settings": (SettingsSection,),
}


@dataclass
class PluginInfo:
    """What is known about one plugin, loaded or not."""

    name: str
    distribution: str | None = None
    version: str | None = None
    module: str | None = None
    # The plugin API range the plugin declares (``OPEN_FINOPS_API``), None when it declares none.
    api: str | None = None
    hooks: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    pipelines: list[str] = field(default_factory=list)
    manifest_parsers: list[str] = field(default_factory=list)
    # The config sections whose settings the plugin declares.
    settings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # "loaded" once registered; "failed" when it could not be imported or registered.
    status: str = "failed"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "module": self.module,
            "api": self.api,
            "hooks": list(self.hooks),
            "commands": list(self.commands),
            "pipelines": list(self.pipelines),
            "manifest_parsers": list(self.manifest_parsers),
            "settings": list(self.settings),
            "status": self.status,
            "errors": list(self.errors),
        }


@dataclass
class Registry:
    """Everything installed plugins contribute, validated: names are unique across plugins."""

    plugins: list[PluginInfo] = field(default_factory=list)
    commands: dict[str, tuple[CommandGroup | Command, str]] = field(default_factory=dict)
    pipelines: dict[str, tuple[Pipeline, str]] = field(default_factory=dict)
    manifest_parsers: dict[str, tuple[ManifestParser, str]] = field(default_factory=dict)
    settings: dict[str, tuple[SettingsSection, str]] = field(default_factory=dict)
    # Installed plugins that OPEN_FINOPS_PLUGINS leaves out (name -> distribution), and names it lists
    # that no installed plugin has.
    turned_off: dict[str, str | None] = field(default_factory=dict)
    unknown_selected: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        lines = [f"plugin {p.name!r}: {error}" for p in self.plugins for error in p.errors]
        lines += [f"{PLUGINS_ENV} names {name!r}, but no installed plugin has that name"
                  for name in self.unknown_selected]
        return lines

    def plugin(self, name: str) -> PluginInfo | None:
        return next((p for p in self.plugins if p.name == name), None)

    def pipelines_of_kind(self, kind: str) -> list[Pipeline]:
        return [p for p, _ in self.pipelines.values() if p.kind == kind]

    def parsers_for_vendor(self, vendor: str) -> list[ManifestParser]:
        return [p for p, _ in self.manifest_parsers.values() if p.vendor == vendor]

    def settings_sections(self) -> list[SettingsSection]:
        """Core's sections, then every plugin's, in the order ``config show`` lists them."""
        return [*CORE_SECTIONS, *(section for section, _ in sorted(self.settings.values(), key=lambda s: s[0].name))]


_current: Registry | None = None


def current_registry() -> Registry:
    """The registry of this process: the one ``finops`` was built from, else one discovered on first use.

    Plugin code asks for this instead of calling :func:`discover` again, which would import and run every
    plugin's hooks a second time.
    """
    global _current
    if _current is None:
        _current = discover()
    return _current


def set_current_registry(registry: Registry | None) -> None:
    """Make ``registry`` the one :func:`current_registry` returns (``build_app`` does); None forgets it."""
    global _current
    _current = registry


def new_plugin_manager(trace: Callable[[str], object] | None = None) -> pluggy.PluginManager:
    """A plugin manager with our hookspecs; ``trace``, when given, receives pluggy's trace of every hook call."""
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    if trace is not None:
        pm.trace.root.setwriter(trace)
        pm.enable_tracing()
    return pm


def selected_names(environ: Mapping[str, str] | None = None) -> set[str] | None:
    """The plugin names ``OPEN_FINOPS_PLUGINS`` allows, or None when it is unset (all plugins)."""
    env = os.environ if environ is None else environ
    if PLUGINS_ENV not in env:
        return None
    return {name.strip() for name in env[PLUGINS_ENV].split(",") if name.strip()}


def discover(
    environ: Mapping[str, str] | None = None, *, trace: Callable[[str], object] | None = None
) -> Registry:
    """Load every plugin installed under the ``open_finops`` entry-point group.

    ``trace`` receives pluggy's trace of each hook call and what it returned (``finops`` passes stderr's
    writer when ``OPEN_FINOPS_TRACE_PLUGINS`` is set).
    """
    allowed = selected_names(environ)
    candidates: list[tuple[PluginInfo, Any]] = []
    seen: dict[str, PluginInfo] = {}
    # Ordered by distribution too, so which of two same-named plugins wins does not depend on the order
    # in which the file system lists site-packages.
    entry_points = installed_entry_points(ENTRY_POINT_GROUP)
    turned_off: dict[str, str | None] = {}
    for ep in sorted(entry_points, key=lambda e: (e.name, e.distribution or "")):
        if allowed is not None and ep.name not in allowed:
            turned_off[ep.name] = ep.distribution
            continue
        info = PluginInfo(name=ep.name, distribution=ep.distribution, version=ep.version, module=ep.value)
        if ep.name in seen:
            # pluggy would refuse the second registration with a bare ValueError; say who clashes.
            info.errors.append(
                f"plugin name {ep.name!r} is also used by {seen[ep.name].distribution}; "
                f"uninstall one of {seen[ep.name].distribution} and {info.distribution}"
            )
            candidates.append((info, None))
            continue
        seen[ep.name] = info
        try:
            obj = ep.load()
        # A broken plugin must not take the command line down, not even one that calls sys.exit().
        except (Exception, SystemExit) as exc:
            info.errors.append(f"failed to import {ep.value}: {type(exc).__name__}: {exc}")
            obj = None
        candidates.append((info, obj))
    registry = build_registry(candidates, trace=trace)
    registry.turned_off = turned_off
    installed = {ep.name for ep in entry_points}
    registry.unknown_selected = sorted((allowed or set()) - installed)
    return registry


def build_registry(
    candidates: Iterable[tuple[PluginInfo, Any]], *, trace: Callable[[str], object] | None = None
) -> Registry:
    """Register plugin objects, call their hooks one plugin at a time and validate what they return.

    Tests call this directly with in-memory plugin objects.
    """
    pm = new_plugin_manager(trace)
    registry = Registry()
    for info, obj in candidates:
        registry.plugins.append(info)
        if obj is None:
            continue
        error = _check_api(info, obj)
        if error:
            info.errors.append(error)
            continue
        try:
            pm.register(obj, name=info.name)
        except Exception as exc:
            info.errors.append(f"could not be registered: {exc}")
            continue
        try:
            pm.check_pending()
        except pluggy.PluginValidationError as exc:
            info.errors.append(f"implements an unknown hook: {exc}")
            pm.unregister(obj)
            continue
        info.status = "loaded"
        _collect(pm, obj, info, registry)
    return registry


def _check_api(info: PluginInfo, obj: Any) -> str | None:
    """Record the range the plugin declares; say why it cannot be used with this core, if it cannot."""
    declared = getattr(obj, DECLARATION, None)
    if declared is None:
        return None
    info.api = str(declared)
    try:
        supported = ApiRange.parse(declared)
    except ValueError as exc:
        return f"declares {DECLARATION} = {declared!r}, which is not a version range ({exc}); write e.g. '>=1.0,<2'"
    if supported.contains(PLUGIN_API_VERSION):
        return None
    if supported.wants_newer(PLUGIN_API_VERSION):
        advice = (f"upgrade open-finops, or install a release of {info.distribution or info.name} "
                  f"that supports plugin API {PLUGIN_API_VERSION}")
    else:
        advice = f"upgrade {info.distribution or info.name} to a release that supports plugin API {PLUGIN_API_VERSION}"
    return (f"supports plugin API {supported.text} but open-finops {__version__} provides plugin API "
            f"{PLUGIN_API_VERSION}; {advice}")


def call_hook(pm: pluggy.PluginManager, plugin: object, hook_name: str, **kwargs: Any) -> list[Any]:
    """Call one plugin's implementations of a hook through pluggy's hook caller; return their results.

    pluggy passes each implementation only the keyword arguments it names, which is what lets a hook grow
    an argument without breaking plugins written before it. Calling one plugin at a time keeps plugins
    apart: one whose hook raises cannot hide what the others return.
    """
    others = [other for other in pm.get_plugins() if other is not plugin]
    return pm.subset_hook_caller(hook_name, remove_plugins=others)(**kwargs)


def _collect(pm: pluggy.PluginManager, obj: Any, info: PluginInfo, registry: Registry) -> None:
    pm.trace(f"hooks of plugin {info.name!r} ({info.distribution})")  # only written when tracing
    for hook_name in HOOKS:
        if not any(impl.plugin is obj for impl in getattr(pm.hook, hook_name).get_hookimpls()):
            continue
        info.hooks.append(hook_name)
        try:
            results = call_hook(pm, obj, hook_name)
        except (Exception, SystemExit) as exc:
            info.errors.append(f"{hook_name} raised {type(exc).__name__}: {exc}")
            continue
        for result in results:
            for item in _as_list(result):
                error = _add(registry, hook_name, item, info)
                if error:
                    info.errors.append(error)


def _as_list(result: Any) -> list[Any]:
    if result is None:
        return []
    if isinstance(result, list | tuple):
        return list(result)
    return [result]


def _add(registry: Registry, hook_name: str, item: Any, info: PluginInfo) -> str | None:
    expected = _EXPECTED[hook_name]
    if not isinstance(item, expected):
        names = " or ".join(t.__name__ for t in expected)
        return f"{hook_name} returned {type(item).__name__}, expected {names}"
    if hook_name == "register_commands":
        table, listing, what = registry.commands, info.commands, "command"
        if item.name in RESERVED_COMMANDS:
            return f"command {item.name!r} is a built-in finops command and cannot be replaced"
    elif hook_name == "register_pipelines":
        table, listing, what = registry.pipelines, info.pipelines, "pipeline"
    elif hook_name == "register_settings":
        table, listing, what = registry.settings, info.settings, "settings section"
        if item.name in RESERVED_SECTIONS:
            return f"settings section [{item.name}] is open-finops' own and cannot be declared by a plugin"
    else:
        table, listing, what = registry.manifest_parsers, info.manifest_parsers, "manifest parser"
    if item.name in table:
        other = table[item.name][1]
        return (
            f"{what} {item.name!r} is contributed by both plugin {other!r} and plugin {info.name!r}; "
            f"the one from {other!r} is kept (set {PLUGINS_ENV} to choose)"
        )
    table[item.name] = (item, info.name)
    listing.append(item.name)
    return None
