"""Finding a usable container engine: its client on PATH, a running daemon, and a compose command.

Each way of failing says, in one line, what was found, what is missing and how to fix it: a machine with
a ``docker`` client but no daemon and no compose plugin is common (CI images, fresh servers).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass

from open_finops.api import UsageError
from open_finops_docker.process import ProbeResult, probe
from open_finops_docker.settings import ENGINES

_INSTALL = {
    "docker": "install Docker Engine with the Compose plugin (https://docs.docker.com/engine/install/)",
    "podman": "install Podman and podman-compose (https://podman.io/docs/installation)",
}
_START = {
    "docker": "start the Docker daemon (e.g. 'sudo systemctl start docker', or open Docker Desktop)",
    "podman": "start Podman (e.g. 'podman machine start', or check 'podman info')",
}
_ADD_COMPOSE = {
    "docker": "install the Docker Compose plugin (package docker-compose-plugin)",
    "podman": "install podman-compose (e.g. 'pip install podman-compose')",
}
_STANDALONE_COMPOSE = {"docker": "docker-compose", "podman": "podman-compose"}


@dataclass(frozen=True)
class Engine:
    """A working engine: ``client`` runs containers, ``compose`` is the argv prefix of its compose command."""

    name: str
    client: str
    compose: tuple[str, ...]


@dataclass(frozen=True)
class Check:
    name: str
    client: str
    daemon: ProbeResult
    compose: tuple[str, ...] | None

    def problem(self, need_compose: bool) -> str | None:
        daemon_down = not self.daemon.ok
        no_compose = need_compose and self.compose is None
        if not daemon_down and not no_compose:
            return None
        missing, fixes = [], []
        if daemon_down:
            missing.append(f"its daemon is not running ('{self.name} info': {self.daemon.reason()})")
            fixes.append(_START[self.name])
        if no_compose:
            standalone = _STANDALONE_COMPOSE[self.name]
            missing.append(f"it has no compose command (neither '{self.name} compose' nor {standalone} works)")
            fixes.append(_ADD_COMPOSE[self.name])
        return f"{self.name} client found at {self.client}, but {' and '.join(missing)}; {', and '.join(fixes)}"


def which(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    return shutil.which(name, path=env.get("PATH", os.defpath))


def find_compose(name: str, client: str, environ: Mapping[str, str] | None = None) -> tuple[str, ...] | None:
    """The compose command of an engine: its own subcommand first, then the standalone tool."""
    if probe([client, "compose", "version"], env=environ).ok:
        return (client, "compose")
    standalone = which(_STANDALONE_COMPOSE[name], environ)
    if standalone and probe([standalone, "version"], env=environ).ok:
        return (standalone,)
    return None


def check(name: str, client: str, *, need_compose: bool, environ: Mapping[str, str] | None = None) -> Check:
    daemon = probe([client, "info"], env=environ)
    compose = find_compose(name, client, environ) if need_compose else None
    return Check(name=name, client=client, daemon=daemon, compose=compose)


def detect(
    preferred: str | None = None, *, need_compose: bool = True, environ: Mapping[str, str] | None = None
) -> Engine:
    """The engine to use: ``preferred`` if given, else docker, else podman; the first one that works."""
    candidates = (preferred,) if preferred else ENGINES
    found = [(name, client) for name in candidates if (client := which(name, environ))]
    if not found:
        if preferred:
            others = " or ".join(f"--engine {e}" for e in ENGINES if e != preferred)
            raise UsageError(f"{preferred} is not on PATH (asked for with --engine/[docker] engine); "
                             f"{_INSTALL[preferred]}, or choose {others}")
        raise UsageError(
            "no container engine found: neither docker nor podman is on PATH; "
            f"{_INSTALL['docker']}, or {_INSTALL['podman']}"
        )
    problems = []
    for name, client in found:
        result = check(name, client, need_compose=need_compose, environ=environ)
        problem = result.problem(need_compose)
        if problem is None:
            return Engine(name=name, client=client, compose=result.compose or ())
        problems.append(problem)
    raise UsageError("; also ".join(problems))
