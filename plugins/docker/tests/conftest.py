"""Fixtures: a clean environment, the real ``finops`` CLI in-process, and fake engine clients.

No container engine runs here, so ``docker``/``podman`` are small Python scripts put first (and alone) on
PATH. Each one appends its argv, environment and working directory to a log and behaves as its JSON
settings file says: daemon up or down, compose subcommand present or not, ``ps`` output, known images.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from open_finops.cli.app import main

REPO = Path(__file__).resolve().parents[3]
SCHEMA = REPO.parent / "shared" / "schemas" / "compose-spec.json"

FAKE_CLIENT = """#!{python}
import json, os, sys

here = os.path.dirname(os.path.abspath(__file__))
name = os.path.basename(sys.argv[0])
with open(os.path.join(here, name + ".json"), encoding="utf-8") as fh:
    behaviour = json.load(fh)
args = sys.argv[1:]
with open(behaviour["log"], "a", encoding="utf-8") as fh:
    fh.write(json.dumps({{"argv": [name, *args], "env": dict(os.environ), "cwd": os.getcwd()}}) + "\\n")

if args[:1] == ["info"]:
    if not behaviour.get("daemon", True):
        sys.stdout.write("Client:\\n Version: 28.2.2\\n\\nServer:\\n")
        sys.stderr.write(behaviour.get("daemon_error", "Cannot connect to the daemon. Is it running?") + "\\n")
        sys.exit(1)
    sys.exit(0)
if args[:2] == ["compose", "version"]:
    if not behaviour.get("compose", True):
        sys.stderr.write("unknown command: " + name + " compose\\n")
        sys.exit(1)
    print("Docker Compose version v2.29.0")
    sys.exit(0)
if args[:1] == ["version"]:
    print(name + " version 1.0")
    sys.exit(0)
if args[:2] == ["image", "inspect"]:
    sys.exit(0 if args[2] in behaviour.get("images", []) else 1)
if "ps" in args:
    sys.stdout.write(behaviour.get("ps", ""))
sys.exit(behaviour.get("exit", 0))
"""


@dataclass
class FakeEngines:
    """A PATH directory of fake engine clients and the log of every call made to them."""

    bin_dir: Path
    log: Path
    clients: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, name: str, **behaviour: Any) -> Path:
        script = self.bin_dir / name
        script.write_text(FAKE_CLIENT.format(python=sys.executable), encoding="utf-8")
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        self.clients[name] = {"log": str(self.log), **behaviour}
        self._save(name)
        return script

    def set(self, name: str, **behaviour: Any) -> None:
        self.clients[name].update(behaviour)
        self._save(name)

    def _save(self, name: str) -> None:
        (self.bin_dir / f"{name}.json").write_text(json.dumps(self.clients[name]), encoding="utf-8")

    def calls(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]

    def argvs(self) -> list[list[str]]:
        return [call["argv"] for call in self.calls()]

    def last(self) -> dict[str, Any]:
        return self.calls()[-1]

    def path(self, name: str) -> str:
        return str(self.bin_dir / name)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A working directory of its own, no open-finops or AWS settings, and a HOME without ~/.aws."""
    for name in list(os.environ):
        if name.startswith(("OPEN_FINOPS_", "AWS_")):
            monkeypatch.delenv(name)
    work = tmp_path / "work"
    work.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("OPEN_FINOPS_PLUGINS", "docker")
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def engines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: Path) -> FakeEngines:
    """An empty PATH of fake clients: a test adds the ones it wants; none means no engine at all."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    return FakeEngines(bin_dir=bin_dir, log=tmp_path / "engine-calls.jsonl")


@pytest.fixture
def compose_schema() -> dict[str, Any]:
    """The Compose Specification's JSON schema, from the shared folder beside the checkout."""
    if not SCHEMA.parent.is_dir():
        pytest.skip(f"{SCHEMA.parent} is absent: the Compose schema is kept beside the checkout, not in it")
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def finops(capsys: pytest.CaptureFixture[str]):
    """Run the real ``finops`` command line in-process and capture what it prints."""

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code=code, out=captured.out, err=captured.err)

    return invoke
