"""Progress bars: drawn on a terminal, silenced by --quiet and when output is not a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from open_finops_aws.sample import generate_sample


def run_on_a_terminal(args: list[str], cwd: Path) -> str:
    """Run the CLI with stdout and stderr on a pseudo-terminal, as a person at a shell would."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    process = subprocess.Popen([sys.executable, "-m", "open_finops", *args], cwd=cwd, stdin=subprocess.DEVNULL,
                               stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal is closed once the process has exited
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert process.wait(timeout=120) == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_an_import_on_a_terminal_draws_a_progress_bar_per_period(tmp_path: Path):
    generate_sample(tmp_path / "synced", export_name="cur", rows_per_period=2_000)

    shown = run_on_a_terminal(["aws", "import-cur", "--from-dir", "synced", "-p", "cur", "--data-dir", "a"], tmp_path)

    assert "cur 2024-01" in shown and "cur 2024-02" in shown
    assert "━" in shown  # rich's bar
    assert "loaded 2,000 rows" in shown


def test_quiet_or_piped_output_has_no_progress_bar(tmp_path: Path):
    generate_sample(tmp_path / "synced", export_name="cur", rows_per_period=2_000)

    quiet = run_on_a_terminal(
        ["aws", "import-cur", "--from-dir", "synced", "-p", "cur", "--data-dir", "b", "--quiet"], tmp_path
    )
    piped = subprocess.run(
        [sys.executable, "-m", "open_finops", "aws", "import-cur", "--from-dir", "synced", "-p", "cur",
         "--data-dir", "c"], cwd=tmp_path, capture_output=True, text=True, check=True,
    )

    assert "━" not in quiet and quiet.strip() == ""
    assert "━" not in piped.stderr and "loaded 2,000 rows" in piped.stderr
