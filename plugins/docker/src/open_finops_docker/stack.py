"""A stack directory: the files ``finops docker init`` writes, and finding them again later.

Init keeps a record of the SHA-256 of every file it wrote (``.open-finops-stack.json``). A file whose
content still has the recorded hash is ours to rewrite; a file the user changed, or one init did not
write, is only overwritten with ``force``. Nothing is downloaded here: the templates are package data.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from open_finops.api import UsageError
from open_finops_docker import __version__, envfile
from open_finops_docker.settings import StackSettings, host_ids

COMPOSE_FILE = "compose.yaml"
ENV_FILE = ".env"
RECORD_FILE = ".open-finops-stack.json"
STARTER_CONFIG = "config/config.toml"
DATA_FILE = "finops.duckdb"
EMPTY_AWS_DIR = "aws-none"
ADMIN_EMAIL = "admin@open-finops.example"
SERVICES = ("postgres", "metabase", "pipeline")
PIPELINE_SERVICE = "pipeline"
METABASE_SERVICE = "metabase"
# What `up` starts; the pipeline is a job, run on demand.
SERVERS = ("postgres", METABASE_SERVICE)
PIPELINE_CONTEXT = "pipeline"
PRIVATE = 0o600


@dataclass(frozen=True)
class StackFile:
    path: str
    content: str
    private: bool = False


@dataclass(frozen=True)
class Stack:
    """An initialised stack directory and the variables of its ``.env``."""

    directory: Path
    env: dict[str, str]

    @property
    def compose_file(self) -> Path:
        return self.directory / COMPOSE_FILE

    @property
    def env_file(self) -> Path:
        return self.directory / ENV_FILE

    @property
    def metabase_url(self) -> str:
        return metabase_url(self.env.get("METABASE_BIND_ADDRESS", ""), self.env.get("METABASE_PORT", "3000"))


@dataclass(frozen=True)
class InitResult:
    directory: Path
    actions: dict[str, str]
    metabase_url: str
    data_dir: Path
    config_file: Path


def template(name: str) -> str:
    return resources.files("open_finops_docker").joinpath("templates", name).read_text(encoding="utf-8")


def metabase_url(bind_address: str, port: str | int) -> str:
    host = bind_address if bind_address not in ("", "0.0.0.0", "::", "127.0.0.1") else "localhost"
    return f"http://{host}:{port}"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stack_name(directory: Path) -> str:
    """The compose project name: lowercase letters, digits, '-' and '_', as compose requires."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", directory.name.lower()).strip("-_") or "stack"
    return f"open-finops-{slug}"


def aws_dir(directory: Path) -> Path:
    """``~/.aws`` when there is one; else an empty folder of the stack, so the mount never makes one as root."""
    home = Path(os.environ.get("HOME") or Path.home()) / ".aws"
    return home.resolve() if home.is_dir() else directory / EMPTY_AWS_DIR


def render(settings: StackSettings, directory: Path, existing_env: dict[str, str]) -> list[StackFile]:
    """Every file of a stack for these settings; ``existing_env`` keeps an already generated password."""
    # Postgres sets its password when its volume is first created; a new one would lock Metabase out.
    password = settings.postgres_password or existing_env.get("POSTGRES_PASSWORD") or secrets.token_urlsafe(24)
    # Same for the key: a new one would make the secrets Metabase stored unreadable.
    encryption_key = existing_env.get("MB_ENCRYPTION_SECRET_KEY") or secrets.token_urlsafe(32)
    # The admin `finops docker provision` creates; kept, as Metabase has it after the first provision.
    admin_password = existing_env.get("METABASE_ADMIN_PASSWORD") or secrets.token_urlsafe(18)
    files: list[StackFile] = []
    if settings.config_file is not None:
        config_file = settings.config_file.resolve()
    else:
        config_file = directory / STARTER_CONFIG
        files.append(StackFile(STARTER_CONFIG, template("config.toml")))
    uid, gid = host_ids()
    values = {
        "bind_address": settings.bind_address,
        "metabase_port": str(settings.metabase_port),
        "data_dir": str(settings.data_dir.resolve()),
        "config_dir": str(config_file.parent),
        "config_name": config_file.name,
        "uid": str(uid),
        "gid": str(gid),
        "metabase_version": settings.metabase_version,
        "duckdb_driver_version": settings.duckdb_driver_version,
        "metabase_image": settings.metabase_image,
        "postgres_image": settings.postgres_image,
        "python_image": settings.python_image,
        "java_image": settings.java_image,
        "storage_version": settings.storage_version,
        "open_finops_version": settings.open_finops_version,
        "pipeline_image": settings.pipeline_image,
        "postgres_password": password,
        "encryption_key": encryption_key,
        "admin_email": existing_env.get("METABASE_ADMIN_EMAIL") or ADMIN_EMAIL,
        "admin_password": admin_password,
        "stack_name": stack_name(directory),
        "aws_dir": str(aws_dir(directory)),
    }
    quoted = {key: envfile.quote(key.upper(), value) for key, value in values.items()}
    files += [
        StackFile(COMPOSE_FILE, template("compose.yaml")),
        StackFile(ENV_FILE, template("env.template").format_map(quoted), private=True),
        StackFile("pipeline/Dockerfile", template("pipeline/Dockerfile")),
        StackFile("metabase/Dockerfile", template("metabase/Dockerfile")),
    ]
    return files


def read_record(directory: Path) -> dict[str, str]:
    try:
        data = json.loads((directory / RECORD_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def plan(directory: Path, files: list[StackFile], record: dict[str, str]) -> dict[str, str]:
    """What init would do to each file: create, unchanged, update (ours, unchanged by the user) or conflict."""
    actions: dict[str, str] = {}
    for item in files:
        target = directory / item.path
        if not target.exists():
            actions[item.path] = "create"
            continue
        current = target.read_text(encoding="utf-8", errors="replace")
        if current == item.content:
            actions[item.path] = "unchanged"
        elif record.get(item.path) == sha256(current):
            actions[item.path] = "update"
        else:
            actions[item.path] = "conflict"
    return actions


def write_file(target: Path, content: str, *, private: bool) -> None:
    """Replace ``target`` atomically; a private file is never readable by others, not even briefly."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE if private else 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(content)
        if private:
            os.chmod(temporary, PRIVATE)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def init(settings: StackSettings, directory: Path, *, force: bool = False) -> InitResult:
    """Write a ready-to-run stack into ``directory``; refuse to overwrite the user's edits unless ``force``."""
    directory = directory.resolve()
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} exists and is not a directory; choose another stack directory")
    files = render(settings, directory, envfile.read(directory / ENV_FILE))
    record = read_record(directory)
    actions = plan(directory, files, record)
    conflicts = [path for path, action in actions.items() if action == "conflict"]
    if conflicts and not force:
        raise UsageError(
            f"{directory}: {', '.join(conflicts)} changed since 'finops docker init' wrote "
            f"{'it' if len(conflicts) == 1 else 'them'}; keep your edits, or run again with --force to overwrite"
        )
    for item in files:
        if actions[item.path] == "conflict":
            actions[item.path] = "overwrite"
        if actions[item.path] != "unchanged":
            write_file(directory / item.path, item.content, private=item.private)
        elif item.private:
            os.chmod(directory / item.path, PRIVATE)
    hashes = {item.path: sha256(item.content) for item in files}
    write_file(
        directory / RECORD_FILE,
        json.dumps({"written_by": f"open-finops-docker {__version__}", "files": hashes}, indent=2) + "\n",
        private=False,
    )
    data_dir = settings.data_dir.resolve()
    # A bind mount of a missing folder would be created by the engine, owned by root.
    created = not data_dir.exists()
    data_dir.mkdir(parents=True, exist_ok=True)
    uid, gid = host_ids()
    if created and hasattr(os, "getuid") and os.getuid() == 0:
        # Run as root (cron on a server), the pipeline still runs as FALLBACK_UID: it must own what it writes to.
        os.chown(data_dir, uid, gid)
    if aws_dir(directory) == directory / EMPTY_AWS_DIR:
        (directory / EMPTY_AWS_DIR).mkdir(exist_ok=True)
    env = envfile.parse(next(f.content for f in files if f.path == ENV_FILE))
    return InitResult(
        directory=directory,
        actions=actions,
        metabase_url=metabase_url(settings.bind_address, settings.metabase_port),
        data_dir=data_dir,
        config_file=Path(env["FINOPS_CONFIG_DIR"]) / env["FINOPS_CONFIG_FILE"],
    )


def open_stack(directory: Path) -> Stack:
    """The stack in ``directory``, or a usage error saying how to create one."""
    directory = directory.resolve()
    if not (directory / COMPOSE_FILE).is_file():
        raise UsageError(
            f"no stack in {directory} ({COMPOSE_FILE} not found); create one with 'finops docker init {directory}' "
            f"or point at it with --dir or [docker] stack_dir"
        )
    return Stack(directory=directory, env=envfile.read(directory / ENV_FILE))
