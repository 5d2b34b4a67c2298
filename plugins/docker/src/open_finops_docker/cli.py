"""The ``finops docker`` command group: write the stack, drive it, run finops in a container.

Only typer and the open_finops API are imported here; the plugin's own modules are imported inside the
commands, so ``finops --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import typer

from open_finops.api import ConfigOption, console, load_settings, print_json

HELP = "Run the visualization stack (Metabase over DuckDB) and the pipeline in Docker or Podman containers."

app = typer.Typer(help=HELP, no_args_is_help=True)

DirOption = typer.Option(
    None, "--dir", "-d", help="Stack directory (default: setting docker.stack_dir or ./finops-stack).",
    show_default=False,
)
EngineOption = typer.Option(
    None, "--engine", help="docker or podman (default: setting docker.engine, else auto-detect).",
    show_default=False,
)


def _settings(config: Path | None, **flags):
    from open_finops_docker import settings

    return settings.load(load_settings(config), **flags)


def _engine_and_stack(config: Path | None, stack_dir: Path | None, engine: str | None):
    from open_finops_docker.engine import detect
    from open_finops_docker.stack import open_stack

    resolved = _settings(config, stack_dir=stack_dir, engine=engine)
    stack = open_stack(resolved.stack_dir)
    return detect(resolved.engine), stack


def _attached(command: list[str], cwd: Path, what: str) -> None:
    from open_finops_docker.process import attached, check_status

    check_status(attached(command, cwd=cwd), what)


@app.command()
def init(
    directory: Path | None = typer.Argument(
        None, help="Where to write the stack (default: setting docker.stack_dir or ./finops-stack).",
        show_default=False,
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite files you changed since the last init."),
    config: Path | None = ConfigOption,
    as_json: bool = typer.Option(False, "--json", help="Print what was written as JSON."),
) -> None:
    """Write a ready-to-run stack: compose.yaml, .env, Dockerfiles, the pipeline's wheels. Nothing is downloaded."""
    from open_finops_docker import stack, wheelhouse

    resolved = _settings(config, stack_dir=directory)
    result = stack.init(resolved, resolved.stack_dir, force=force)
    context = wheelhouse.write(result.directory / stack.PIPELINE_CONTEXT)
    if as_json:
        print_json({
            "stack_dir": str(result.directory),
            "files": result.actions,
            "wheels": context.wheels,
            "data_dir": str(result.data_dir),
            "config_file": str(result.config_file),
            "metabase_url": result.metabase_url,
        })
        return
    typer.echo(f"Stack in {result.directory}:")
    for path, action in result.actions.items():
        typer.echo(f"  {action:<9} {path}")
    typer.echo(f"  wheels    {', '.join(sorted(context.wheels.values()))} "
               f"({context.pinned} third-party pins in constraints.txt)")
    typer.echo(f"Data directory: {result.data_dir} (mounted read-only into Metabase at /data)")
    typer.echo(f"Pipeline config: {result.config_file} (mounted read-only at /config)")
    typer.echo(f"Next: finops docker up --dir {result.directory}, then open {result.metabase_url}")


@app.command()
def up(
    stack_dir: Path | None = DirOption,
    engine: str | None = EngineOption,
    build: bool = typer.Option(False, "--build", help="Rebuild the images before starting."),
    config: Path | None = ConfigOption,
) -> None:
    """Start Metabase and its database in the background."""
    from open_finops_docker import compose

    found, stack = _engine_and_stack(config, stack_dir, engine)
    data_dir = stack.env.get("FINOPS_DATA_DIR")
    if data_dir:
        # The engine would create a missing bind-mount source as root.
        Path(data_dir).mkdir(parents=True, exist_ok=True)
    _warn_unreadable(data_dir)
    _attached(compose.up(found, stack, build=build), stack.directory, f"{found.name} compose up")
    typer.echo(
        f"Metabase is starting at {stack.metabase_url} (the first start takes a minute or two). "
        f"Then: finops docker provision (admin, the DuckDB database /data/finops.duckdb read-only, a dashboard)."
    )


def _warn_unreadable(data_dir: str | None) -> None:
    if not data_dir:
        return
    from open_finops.api import database_path
    from open_finops_docker.storage import unreadable

    problem = unreadable(database_path(Path(data_dir)))
    if problem:
        from rich.markup import escape

        console().print(f"[yellow]Warning:[/yellow] {escape(problem)}")


@app.command("migrate-database")
def migrate_database(
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Data directory (default: setting docker.data_dir, else the project's).",
        show_default=False,
    ),
    config: Path | None = ConfigOption,
) -> None:
    """Rewrite the database file in the DuckDB storage format Metabase's driver reads; stop Metabase first."""
    from open_finops_docker import storage

    resolved = _settings(config, data_dir=data_dir)
    result = storage.migrate(load_settings(config), resolved.data_dir, resolved.storage_version)
    if result.backup is None:
        typer.echo(f"{result.path} is in storage format {result.before}, which Metabase reads; nothing to do")
        return
    typer.echo(f"{result.path}: storage format {result.before} -> {result.after}, {result.tables} tables copied "
               f"and counted; the old file is kept as {result.backup} (delete it when you no longer need it)")


@app.command()
def provision(
    stack_dir: Path | None = DirOption,
    url: str | None = typer.Option(None, "--url", help="Metabase's address (default: the stack's).",
                                   show_default=False),
    wait: float = typer.Option(300.0, "--wait", min=0, help="Seconds to wait for Metabase to be healthy."),
    config: Path | None = ConfigOption,
) -> None:
    """Set up Metabase: the admin from .env, the DuckDB database read-only, a starter FOCUS dashboard."""
    from open_finops_docker import provision as provisioning
    from open_finops_docker.stack import open_stack

    stack = open_stack(_settings(config, stack_dir=stack_dir).stack_dir)
    email, password = stack.env.get("METABASE_ADMIN_EMAIL"), stack.env.get("METABASE_ADMIN_PASSWORD")
    if not email or not password:
        from open_finops.api import UsageError

        raise UsageError(f"{stack.env_file} has no METABASE_ADMIN_EMAIL/PASSWORD; run 'finops docker init' again")
    result = provisioning.provision(url or stack.metabase_url, email, password, wait=wait)
    for item in result.created:
        typer.echo(f"  created  {item}")
    if not result.created:
        typer.echo("Metabase was already provisioned; nothing changed")
    typer.echo(f"Dashboard: {(url or stack.metabase_url).rstrip('/')}/dashboard/{result.dashboard_id} "
               f"(log in as {email}; the password is METABASE_ADMIN_PASSWORD in {stack.env_file})")


@app.command()
def down(
    stack_dir: Path | None = DirOption,
    engine: str | None = EngineOption,
    volumes: bool = typer.Option(
        False, "--volumes", help="Also delete Metabase's database volume (its questions and dashboards)."
    ),
    config: Path | None = ConfigOption,
) -> None:
    """Stop and remove the stack's containers; the data directory is never touched."""
    from open_finops_docker import compose

    found, stack = _engine_and_stack(config, stack_dir, engine)
    _attached(compose.down(found, stack, volumes=volumes), stack.directory, f"{found.name} compose down")


@app.command()
def status(
    stack_dir: Path | None = DirOption,
    engine: str | None = EngineOption,
    as_json: bool = typer.Option(False, "--json", help="Print a JSON object for scripts."),
    config: Path | None = ConfigOption,
) -> None:
    """Show the stack's containers, their state and published ports."""
    from open_finops.api import OpenFinopsError
    from open_finops_docker import compose
    from open_finops_docker.process import probe

    found, stack = _engine_and_stack(config, stack_dir, engine)
    result = probe(compose.ps(found, stack), cwd=stack.directory)
    if not result.ok:
        raise OpenFinopsError(f"{found.name} compose ps failed: {result.reason()}")
    services = compose.parse_ps(result.stdout)
    if as_json:
        print_json({
            "stack_dir": str(stack.directory),
            "engine": found.name,
            "metabase_url": stack.metabase_url,
            "services": services,
        })
        return
    typer.echo(f"Stack {stack.directory} ({found.name}); Metabase at {stack.metabase_url}")
    if not services:
        typer.echo("No containers. Start the stack with: finops docker up")
        return
    from rich.table import Table

    table = Table()
    for header in ("Service", "Container", "State", "Health", "Ports"):
        table.add_column(header)
    for row in services:
        table.add_row(row["service"], row["name"], row["state"], row["health"], ", ".join(row["ports"]))
    console().print(table)


@app.command()
def logs(
    service: str | None = typer.Argument(None, help="One service: metabase, postgres or pipeline (default: all)."),
    stack_dir: Path | None = DirOption,
    engine: str | None = EngineOption,
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines."),
    tail: int | None = typer.Option(None, "--tail", "-n", min=0, help="Only the last N lines of each service."),
    config: Path | None = ConfigOption,
) -> None:
    """Print the logs of the stack, or of one service."""
    from open_finops_docker import compose

    found, stack = _engine_and_stack(config, stack_dir, engine)
    _attached(compose.logs(found, stack, service, follow=follow, tail=tail), stack.directory,
              f"{found.name} compose logs")


@app.command()
def build(
    services: list[str] | None = typer.Argument(None, help="Services to build (default: metabase and pipeline)."),
    stack_dir: Path | None = DirOption,
    engine: str | None = EngineOption,
    pull: bool = typer.Option(False, "--pull", help="Pull newer base images first."),
    config: Path | None = ConfigOption,
) -> None:
    """Build the Metabase (with the DuckDB driver) and pipeline images; the pipeline's wheels are written anew."""
    from open_finops_docker import compose, wheelhouse
    from open_finops_docker.stack import PIPELINE_CONTEXT, PIPELINE_SERVICE

    found, stack = _engine_and_stack(config, stack_dir, engine)
    if not services or PIPELINE_SERVICE in services:
        wheelhouse.write(stack.directory / PIPELINE_CONTEXT)
    _attached(compose.build(found, stack, list(services or []), pull=pull), stack.directory,
              f"{found.name} compose build")


def _metabase_paused(stack_dir: Path, found):
    """Metabase of the stack stopped around a command, when there is a stack whose Metabase runs."""
    from contextlib import nullcontext

    from open_finops.api import UsageError
    from open_finops_docker.engine import detect
    from open_finops_docker.pausing import metabase_paused
    from open_finops_docker.stack import COMPOSE_FILE, open_stack

    if not (stack_dir / COMPOSE_FILE).is_file():
        return nullcontext(False)
    try:
        with_compose = detect(found.name)
    except UsageError:  # no compose: no stack can be running either
        return nullcontext(False)
    return metabase_paused(with_compose, open_stack(stack_dir))


@app.command(context_settings={"ignore_unknown_options": True})
def run(
    args: list[str] | None = typer.Argument(
        None, help="The finops command to run, after '--', e.g. -- aws import-cur --bucket my-bucket.",
        show_default=False,
    ),
    engine: str | None = EngineOption,
    image: str | None = typer.Option(
        None, "--image", help="Pipeline image (default: setting docker.pipeline_image).", show_default=False
    ),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Data directory to mount at /data (default: the project's).", show_default=False
    ),
    config: Path | None = ConfigOption,
) -> None:
    """Run any finops command in the pipeline image, with the data directory and config mounted.

    When the stack's Metabase is running, it is stopped for the duration and started again afterwards.

    AWS credentials pass through from your environment by name (AWS_ACCESS_KEY_ID, AWS_PROFILE, ...).
    """
    import os

    from open_finops_docker import containers
    from open_finops_docker.engine import detect

    resolved = _settings(config, engine=engine, data_dir=data_dir)
    found = detect(resolved.engine, need_compose=False)
    chosen = image or resolved.pipeline_image
    containers.require_image(found, chosen)
    resolved.data_dir.mkdir(parents=True, exist_ok=True)
    interactive, tty = containers.terminal()
    command = containers.run_argv(
        found, chosen, list(args or []),
        data_dir=resolved.data_dir,
        config_file=resolved.config_file,
        environ=os.environ,
        home=containers.home_dir(),
        interactive=interactive,
        tty=tty,
    )
    from open_finops_docker.process import attached

    with _metabase_paused(resolved.stack_dir, found):
        status = attached(command)
    if status != 0:
        # finops in the container has already said what went wrong; keep its exit code for scripts.
        raise typer.Exit(status)
