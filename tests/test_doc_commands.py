"""Every ``finops`` command line in the README and docs names a real command with real options.

Each line of a fenced code block that starts with ``finops`` or ``./finops`` is resolved against the
command line built from the plugins installed in this environment: every word of the command path must
be a command, and every ``--option``/``-o`` must be one of that command's options. Lines of a plugin
that is not installed here are checked in the environments that install it (the dev environment
installs them all); core's own lines are checked everywhere.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
import typer

from open_finops.cli.app import build_app
from open_finops.plugins import discover

CHECKOUT = Path(__file__).resolve().parents[1]
DOCUMENTS = [CHECKOUT / "README.md", *sorted((CHECKOUT / "docs").glob("*.md")),
             *sorted(CHECKOUT.glob("examples/*/README.md"))]
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
# Where a shell line stops being our command: a comment, a pipe, a redirect, another command.
END = re.compile(r"\s(#|\||&&|;|>)\s.*$")


def balanced(line: str) -> bool:
    try:
        shlex.split(line)
    except ValueError:
        return False
    return True


def doc_lines() -> list[tuple[str, str]]:
    found = []
    for path in DOCUMENTS:
        for block in FENCE.findall(path.read_text()):
            lines = iter(block.splitlines())
            for line in lines:
                line = line.strip()
                if not re.match(r"^(\./)?finops\s", line):
                    continue
                command = END.sub("", f" {line} ").strip()
                while not balanced(command):  # a quoted argument that goes on over the next lines
                    line += " " + next(lines).strip()
                    command = END.sub("", f" {line} ").strip()
                found.append((f"{path.relative_to(CHECKOUT)}: {line}", command))
    return found


@pytest.fixture(scope="module")
def command():
    return typer.main.get_command(build_app(discover(os.environ)))


# Typer ships its own copy of click: commands and options are recognised by what they have.
def options_of(cmd) -> set[str]:
    names = {"--help"}
    for param in cmd.params:
        if getattr(param, "param_type_name", None) == "option":
            names.update(param.opts)
            names.update(param.secondary_opts)
    return names


# Plugins whose commands the docs show; in an environment without one, its lines are not checked.
PLUGIN_GROUPS = {"aws", "azure", "docker", "hello", "report"}


def resolve(root, words: list[str]) -> tuple[object | None, list[str]]:
    """The command a line names and the words left for it; None when its plugin is not installed."""
    cmd, rest = root, list(words)
    while hasattr(cmd, "commands") and rest and not rest[0].startswith("-"):
        sub = cmd.commands.get(rest[0])
        # A hidden command at the top is the stand-in for a vendor whose plugin is not installed.
        if cmd is root and rest[0] in PLUGIN_GROUPS and (sub is None or getattr(sub, "hidden", False)):
            return None, rest
        assert sub is not None, f"{rest[0]!r} is not a command of '{cmd.name}'"
        cmd, rest = sub, rest[1:]
    return cmd, rest


def test_the_docs_have_command_lines_to_check() -> None:
    assert len(doc_lines()) > 30


@pytest.mark.parametrize(("where", "line"), doc_lines(), ids=[w for w, _ in doc_lines()])
def test_a_documented_command_line_names_real_commands_and_options(command, where: str, line: str) -> None:
    words = shlex.split(line)[1:]
    if "[" in line:  # a synopsis such as `finops [--config/-c FILE] ... COMMAND`
        words = [w for w in words if w.isalpha() and w.islower()]
    if "--" in words:  # `finops docker run -- aws import-cur`: what follows is another finops command line
        inner = words[words.index("--") + 1:]
        words = words[: words.index("--")]
        if inner:
            nested, rest = resolve(command, inner)
            if nested is not None:
                unknown = [w.split("=")[0] for w in rest if w.startswith("-") and w.split("=")[0] not in
                           options_of(nested)]
                assert unknown == [], f"{where}: {unknown} are not options of '{nested.name}'"
    cmd, rest = resolve(command, words)
    if cmd is None:
        return  # checked where that plugin is installed
    ours = options_of(cmd) | (options_of(command) if cmd is command else set())
    unknown = [w.split("=")[0] for w in rest if w.startswith("-") and w != "-" and w.split("=")[0] not in ours]
    assert unknown == [], f"{where}: {unknown} are not options of '{cmd.name}'"
