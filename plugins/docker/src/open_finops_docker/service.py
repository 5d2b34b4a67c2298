"""The runner of the ``docker-pipeline`` pipeline: the stack's ``pipeline`` service, run once.

``finops pipelines list`` shows it; a scheduler (cron, a systemd timer) runs the same thing with
``finops docker run -- aws import-cur`` or ``docker compose run --rm pipeline``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from open_finops.api import Config, load_config
from open_finops_docker import compose, settings
from open_finops_docker.engine import detect
from open_finops_docker.process import attached, check_status
from open_finops_docker.stack import open_stack


def run_pipeline(
    config: Config | None = None,
    *,
    stack_dir: str | Path | None = None,
    engine: str | None = None,
    args: Sequence[str] = (),
) -> dict[str, Any]:
    """Run the stack's pipeline service (its default command is ``finops aws import-cur``).

    ``args`` replace that command. Follows :class:`open_finops.runners.ServiceRunner`: returns a summary
    (``exit_code`` is always 0, ``engine``, ``stack_dir``); a failed run raises ``OpenFinopsError``.
    """
    resolved = settings.load(
        config if config is not None else load_config(),
        stack_dir=Path(stack_dir) if stack_dir is not None else None,
        engine=engine,
    )
    stack = open_stack(resolved.stack_dir)
    found = detect(resolved.engine)
    status = attached(compose.run_pipeline(found, stack, list(args)), cwd=stack.directory)
    check_status(status, f"{found.name} compose run of the stack's pipeline service")
    return {"exit_code": status, "engine": found.name, "stack_dir": str(stack.directory)}
