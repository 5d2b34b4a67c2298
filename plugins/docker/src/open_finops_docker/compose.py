"""Compose command lines for a stack, and reading ``compose ps`` back.

Every command names the stack's compose file and ``.env`` explicitly and runs in the stack directory, so
it does the same whatever directory the user is in. The Postgres password stays in ``.env``: Compose reads
it from there, it is never an argument.
"""

from __future__ import annotations

import json
from typing import Any

from open_finops.api import OpenFinopsError
from open_finops_docker.engine import Engine
from open_finops_docker.stack import METABASE_SERVICE, PIPELINE_SERVICE, SERVERS, Stack

BUILT = (METABASE_SERVICE, PIPELINE_SERVICE)


def argv(engine: Engine, stack: Stack, *args: str) -> list[str]:
    """``<compose> -f compose.yaml --env-file .env args...``.

    No ``--profile``: old podman-compose has none. ``up`` names the servers instead, so the pipeline job is
    never started with them.
    """
    command = [*engine.compose, "-f", str(stack.compose_file), "--env-file", str(stack.env_file)]
    return command + list(args)


def up(engine: Engine, stack: Stack, *, build: bool = False) -> list[str]:
    return argv(engine, stack, "up", "--detach", *(["--build"] if build else []), *SERVERS)


def down(engine: Engine, stack: Stack, *, volumes: bool = False) -> list[str]:
    return argv(engine, stack, "down", *(["--volumes"] if volumes else []))


def build(engine: Engine, stack: Stack, services: list[str], *, pull: bool = False) -> list[str]:
    # Named, so the pipeline (in a profile for a plain `compose up`) is built without --profile.
    return argv(engine, stack, "build", *(["--pull"] if pull else []), *(services or BUILT))


def logs(engine: Engine, stack: Stack, service: str | None, *, follow: bool, tail: int | None) -> list[str]:
    options = (["--follow"] if follow else []) + (["--tail", str(tail)] if tail is not None else [])
    return argv(engine, stack, "logs", *options, *([service] if service else []))


def ps(engine: Engine, stack: Stack) -> list[str]:
    return argv(engine, stack, "ps", "--all", "--format", "json")


def stop(engine: Engine, stack: Stack, service: str) -> list[str]:
    return argv(engine, stack, "stop", service)


def start(engine: Engine, stack: Stack, service: str) -> list[str]:
    return argv(engine, stack, "start", service)


def run_pipeline(engine: Engine, stack: Stack, args: list[str]) -> list[str]:
    return argv(engine, stack, "run", "--rm", PIPELINE_SERVICE, *args)


def _items(text: str) -> list[dict[str, Any]]:
    text = text.strip()
    if not text:
        return []
    try:
        data = json.loads(text)
        items = data if isinstance(data, list) else [data]
    except ValueError:
        # Newer docker compose prints one JSON object per line rather than an array.
        try:
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError:
            raise OpenFinopsError(
                "could not read the output of 'compose ps --format json'; run it by hand to see what it says"
            ) from None
    return [item for item in items if isinstance(item, dict)]


def _ports(item: dict[str, Any]) -> list[str]:
    published = []
    for port in item.get("Publishers") or []:
        if isinstance(port, dict) and port.get("PublishedPort"):
            published.append(
                f"{port.get('URL') or '0.0.0.0'}:{port['PublishedPort']}->{port.get('TargetPort')}/"
                f"{port.get('Protocol') or 'tcp'}"
            )
    if not published and isinstance(item.get("Ports"), str) and item["Ports"]:
        published.append(item["Ports"])
    return published


def parse_ps(text: str) -> list[dict[str, Any]]:
    """Containers of the stack from ``compose ps --format json`` (docker compose or podman's)."""
    rows = []
    for item in _items(text):
        labels = item.get("Labels") if isinstance(item.get("Labels"), dict) else {}
        names = item.get("Names")
        rows.append(
            {
                "service": item.get("Service") or labels.get("com.docker.compose.service", ""),
                "name": item.get("Name") or (names[0] if isinstance(names, list) and names else names or ""),
                "state": str(item.get("State") or "").lower(),
                "health": item.get("Health") or "",
                "status": item.get("Status") or "",
                "ports": _ports(item),
            }
        )
    return sorted(rows, key=lambda row: (row["service"], row["name"]))
