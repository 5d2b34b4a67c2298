"""Running the engine's client. Probes are captured and bounded by a timeout; commands the user drives
(``up``, ``logs``, ``run``) are attached to the terminal and run as long as the user wants them to.

Arguments never carry secrets: the environment passes them, by name, to the client.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from open_finops.api import OpenFinopsError, UsageError

PROBE_TIMEOUT = 20.0


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    stdout: str
    stderr: str
    timed_out: bool = False

    def reason(self) -> str:
        """The client's own last word on why it failed, short enough for a one-line message."""
        if self.timed_out:
            return "no answer within the time limit"
        lines = [line.strip() for line in (self.stderr or self.stdout).splitlines() if line.strip()]
        text = lines[-1] if lines else "it failed without saying why"
        return text if len(text) <= 160 else text[:157] + "..."


def probe(
    argv: Sequence[str],
    *,
    timeout: float = PROBE_TIMEOUT,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> ProbeResult:
    """Run a short command with captured output; a timeout or a missing binary counts as a failure."""
    try:
        done = subprocess.run(
            list(argv),
            cwd=cwd,
            env=dict(os.environ if env is None else env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return ProbeResult(ok=False, stdout="", stderr="", timed_out=True)
    except OSError as exc:
        return ProbeResult(ok=False, stdout="", stderr=str(exc))
    return ProbeResult(ok=done.returncode == 0, stdout=done.stdout, stderr=done.stderr)


def attached(argv: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run a command on the user's terminal and return its exit status."""
    try:
        return subprocess.run(
            list(argv), cwd=cwd, env=dict(os.environ if env is None else env), check=False
        ).returncode
    except FileNotFoundError:
        raise UsageError(f"{argv[0]} disappeared from PATH while running; check the installation") from None


def check_status(status: int, what: str) -> None:
    """Turn a failed engine command into our error, keeping the client's own exit status visible."""
    if status != 0:
        raise OpenFinopsError(f"{what} failed with exit status {status}; see the output above")
