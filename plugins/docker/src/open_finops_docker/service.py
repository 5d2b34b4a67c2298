"""The runner of the ``docker-pipeline`` pipeline: the whole job in the stack's ``pipeline`` service.

The job is the import, then the FOCUS build, each a ``compose run --rm pipeline`` with Metabase stopped
for the duration. ``finops pipelines run docker-pipeline`` is what a scheduler (cron, a systemd timer) runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from open_finops.api import Config, load_config
from open_finops_docker import compose, settings
from open_finops_docker.engine import detect
from open_finops_docker.pausing import metabase_paused
from open_finops_docker.process import attached, check_status
from open_finops_docker.stack import open_stack

# What the pipeline does on every scheduled run: the import, then FOCUS from what it loaded.
JOB = (("aws", "import-cur"), ("focus", "build"))


def run_pipeline(
    config: Config | None = None,
    *,
    stack_dir: str | Path | None = None,
    engine: str | None = None,
    args: Sequence[str] = (),
) -> dict[str, Any]:
    """Run the job: ``finops aws import-cur`` then ``finops focus build`` in the pipeline service.

    ``args`` replace the job with that one command. Follows :class:`open_finops.runners.ServiceRunner`:
    returns a summary
    (``exit_code`` is always 0, ``engine``, ``stack_dir``); a failed run raises ``OpenFinopsError``.
    """
    resolved = settings.load(
        config if config is not None else load_config(),
        stack_dir=Path(stack_dir) if stack_dir is not None else None,
        engine=engine,
    )
    stack = open_stack(resolved.stack_dir)
    found = detect(resolved.engine)
    steps = [list(args)] if args else [list(step) for step in JOB]
    with metabase_paused(found, stack):
        for step in steps:
            status = attached(compose.run_pipeline(found, stack, step), cwd=stack.directory)
            what = f"{found.name} compose run of 'finops {' '.join(step)}' in the stack's pipeline service"
            check_status(status, what)
    return {"exit_code": 0, "engine": found.name, "stack_dir": str(stack.directory)}
