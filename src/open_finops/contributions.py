"""What plugins contribute through their hooks.

Every hook returns a list of these frozen dataclasses. They are plain data, cheap to build at start-up:
anything heavy is named by a dotted path (``"package.module:function"``) and imported only when used, so
``finops --help`` never pays for a plugin's dependencies.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:
    import typer

    from open_finops.runners import FocusRunner, ImportRunner, ServiceRunner

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
# What a pipeline is; its runner's signature follows from it (see open_finops.runners).
PipelineKind = Literal["import", "focus", "service", "demo"]
PIPELINE_KINDS: tuple[str, ...] = get_args(PipelineKind)


def check_name(kind: str, name: str) -> None:
    """Raise ValueError unless ``name`` is a lowercase command-line friendly name."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"{kind} name {name!r} is invalid: use lowercase letters, digits, '-' or '_', starting with a letter"
        )


def load_dotted(path: str) -> Any:
    """Import ``"package.module:attribute"`` and return the attribute."""
    module_name, sep, attribute = path.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"{path!r} is not a dotted path of the form 'package.module:attribute'")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target


@dataclass(frozen=True)
class CommandGroup:
    """A group of subcommands, mounted as ``finops <name> ...``."""

    name: str
    help: str
    app: typer.Typer

    def __post_init__(self) -> None:
        check_name("command", self.name)


@dataclass(frozen=True)
class Command:
    """A single command, mounted as ``finops <name>``."""

    name: str
    help: str
    callback: Callable[..., Any]

    def __post_init__(self) -> None:
        check_name("command", self.name)
        if not callable(self.callback):
            raise ValueError(f"command {self.name!r}: callback must be callable")


@dataclass(frozen=True)
class Pipeline:
    """Something a plugin can run: an import, a FOCUS transform, a service.

    ``runner`` is a dotted path imported only when the pipeline runs; its signature depends on ``kind``
    (:class:`~open_finops.runners.ImportRunner`, :class:`~open_finops.runners.ServiceRunner`,
    :class:`~open_finops.runners.FocusRunner`). ``reads`` names the tables (or table patterns) the pipeline
    consumes, for pipelines that build on what another one loaded. A ``focus`` pipeline may name its
    ``mapping``: a dotted path to a function returning its :class:`~open_finops.focus.mapping.FocusMapping`,
    which ``focus build`` renders as a dbt model for a warehouse and ``focus dbt-package`` writes out.
    """

    name: str
    vendor: str
    description: str
    runner: str
    kind: PipelineKind = "import"
    reads: tuple[str, ...] = field(default_factory=tuple)
    mapping: str = ""

    def __post_init__(self) -> None:
        check_name("pipeline", self.name)
        check_name("vendor", self.vendor)
        if self.kind not in PIPELINE_KINDS:
            raise ValueError(f"pipeline {self.name!r}: kind must be one of {', '.join(PIPELINE_KINDS)}")
        if ":" not in self.runner:
            raise ValueError(f"pipeline {self.name!r}: runner must be a dotted path 'module:function'")
        if self.mapping and (self.kind != "focus" or ":" not in self.mapping):
            raise ValueError(f"pipeline {self.name!r}: mapping is a dotted path 'module:function' of a focus pipeline")

    def load_runner(self) -> ImportRunner | ServiceRunner | FocusRunner:
        """Import the runner; which protocol it follows is given by ``kind``."""
        return load_dotted(self.runner)

    def load_mapping(self) -> Any:
        """The pipeline's FocusMapping, or None when it declares none."""
        return load_dotted(self.mapping)() if self.mapping else None


@dataclass(frozen=True)
class ManifestParser:
    """Recognises a billing export's manifest by its object key and parses it.

    ``key_pattern`` is a regular expression searched in the manifest's key (relative to the export
    prefix). ``parse`` is a dotted path to ``parse(key: str, body: bytes) -> ExportVersion``; it raises
    :class:`open_finops.errors.ManifestError` for anything it cannot read. ``reads_body=False`` says the
    key alone describes the version (a layout with no manifest, whose data file is found by its name):
    the listing then reads nothing and ``parse`` gets ``b""``.
    """

    name: str
    vendor: str
    format_version: str
    description: str
    key_pattern: str
    parse: str
    reads_body: bool = True

    def __post_init__(self) -> None:
        check_name("manifest parser", self.name)
        check_name("vendor", self.vendor)
        try:
            re.compile(self.key_pattern)
        except re.error as exc:
            raise ValueError(f"manifest parser {self.name!r}: key_pattern is not a regex: {exc}") from exc
        if ":" not in self.parse:
            raise ValueError(f"manifest parser {self.name!r}: parse must be a dotted path 'module:function'")

    def matches(self, key: str) -> bool:
        return re.search(self.key_pattern, key) is not None

    def load_parse(self) -> Callable[[str, bytes], Any]:
        return load_dotted(self.parse)
