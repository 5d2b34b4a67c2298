"""The pipeline image's build context: wheels of our own distributions, and the pins of everything else.

The image installs open-finops and its plugins only from these wheels (``--no-index``): no distribution of
ours is ever looked up by name on a public index, so nobody else's upload of that name can take its place.
Third-party dependencies come from the index, each pinned to the version of the environment that wrote the
context (``constraints.txt``), so the image runs what was tested here.

A wheel is built from the checkout when the distribution is installed from one (editable or a local
folder), and otherwise repacked from the installed files listed in its ``RECORD``.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

from open_finops.api import OpenFinopsError

CORE = "open-finops"
# This plugin drives containers from the host; the image has no use for it.
HOST_ONLY = ("open-finops-docker",)
PLUGIN_GROUP = "open_finops"
WHEELS_DIR = "wheels"
REQUIREMENTS_FILE = "requirements.txt"
CONSTRAINTS_FILE = "constraints.txt"
# The installer itself: the image's venv brings its own, and nothing depends on it.
NOT_PINNED = ("pip",)

# One build per distribution and source folder per process; the tests build many stacks in one process.
_built: dict[tuple[str, str, str], tuple[str, bytes]] = {}


@dataclass(frozen=True)
class Context:
    """What was written into ``<pipeline>/wheels``."""

    directory: Path
    wheels: dict[str, str]  # distribution name -> wheel file name
    pinned: int


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def our_distributions() -> list[metadata.Distribution]:
    """open-finops and every installed plugin distribution the pipeline runs, this plugin excepted."""
    found: dict[str, metadata.Distribution] = {}
    try:
        found[CORE] = metadata.distribution(CORE)
    except metadata.PackageNotFoundError:
        raise OpenFinopsError("open-finops is not installed in this environment; reinstall it") from None
    for entry in metadata.entry_points(group=PLUGIN_GROUP):
        dist = entry.dist
        if dist is not None and canonical(dist.metadata["Name"]) not in HOST_ONLY:
            found.setdefault(canonical(dist.metadata["Name"]), dist)
    return [found[name] for name in sorted(found)]


def source_dir(dist: metadata.Distribution) -> Path | None:
    """The local folder a distribution was installed from (editable or not), if any."""
    text = dist.read_text("direct_url.json")
    if not text:
        return None
    try:
        info = json.loads(text)
    except ValueError:
        return None
    url = info.get("url", "")
    if "dir_info" not in info or not url.startswith("file://"):
        return None
    folder = Path(unquote(urlparse(url).path))
    return folder if (folder / "pyproject.toml").is_file() or (folder / "setup.py").is_file() else None


def build_from_source(name: str, folder: Path) -> tuple[str, bytes]:
    """Build the wheel of the checkout in ``folder`` with pip, as ``pip wheel`` would for a user."""
    with tempfile.TemporaryDirectory(prefix="open-finops-wheel-") as out:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
             "--no-index", "--wheel-dir", out, str(folder)],
            capture_output=True, text=True, check=False,
            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        )
        wheels = list(Path(out).glob("*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no wheel was written"]
            raise OpenFinopsError(f"could not build the wheel of {name} from {folder}: {last[0]}")
        return wheels[0].name, wheels[0].read_bytes()


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"sha256={digest}"


def repack_installed(dist: metadata.Distribution) -> tuple[str, bytes]:
    """A wheel of an installed distribution, from the files its ``RECORD`` lists (pure-Python only)."""
    name = dist.metadata["Name"]
    version = dist.version
    files = dist.files or []
    info_dir = f"{re.sub(r'[-_.]+', '_', name)}-{version}.dist-info"
    skipped = ("INSTALLER", "REQUESTED", "direct_url.json", "RECORD")
    buffer = io.BytesIO()
    record_rows = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in files:
            path = str(item)
            # Scripts live outside site-packages (../../bin); the installer writes them again.
            if path.startswith("..") or "__pycache__" in path or path.endswith(".pyc"):
                continue
            if path.split("/")[0].endswith(".dist-info"):
                if path.split("/")[-1] in skipped:
                    continue
                arcname = f"{info_dir}/{path.split('/', 1)[1]}"
            else:
                arcname = path
            data = Path(item.locate()).read_bytes()
            zf.writestr(arcname, data)
            record_rows.append((arcname, _record_hash(data), str(len(data))))
        if not any(row[0] == f"{info_dir}/WHEEL" for row in record_rows):
            raise OpenFinopsError(f"the installed {name} {version} has no WHEEL file to repack; reinstall it")
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerows(record_rows)
        writer.writerow((f"{info_dir}/RECORD", "", ""))
        zf.writestr(f"{info_dir}/RECORD", text.getvalue())
    return f"{re.sub(r'[-_.]+', '_', name)}-{version}-py3-none-any.whl", buffer.getvalue()


def wheel_of(dist: metadata.Distribution) -> tuple[str, bytes]:
    name = dist.metadata["Name"]
    folder = source_dir(dist)
    key = (canonical(name), dist.version, str(folder))
    if key not in _built:
        _built[key] = build_from_source(name, folder) if folder else repack_installed(dist)
    return _built[key]


def constraints(ours: set[str]) -> list[str]:
    """``name==version`` of every other distribution installed here, sorted: the pins of the image."""
    pins: dict[str, str] = {}
    seen: set[str] = set()
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name:
            continue
        key = canonical(name)
        if key in seen:
            # The first one found on sys.path is the one imported; a checkout's *.egg-info comes later.
            continue
        seen.add(key)
        # Editable and local installs are nobody's on the index: pinning them would name what pip cannot find.
        if key in ours or key in HOST_ONLY or key in NOT_PINNED or source_dir(dist) is not None:
            continue
        pins[key] = f"{key}=={dist.version}"
    return [pins[key] for key in sorted(pins)]


def write(pipeline_dir: Path) -> Context:
    """Replace ``pipeline_dir/wheels`` with our wheels, ``requirements.txt`` and ``constraints.txt``."""
    dists = our_distributions()
    ours = {canonical(d.metadata["Name"]) for d in dists}
    target = pipeline_dir / WHEELS_DIR
    pipeline_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{WHEELS_DIR}-", dir=pipeline_dir))
    try:
        wheels = {}
        for dist in dists:
            filename, data = wheel_of(dist)
            (staging / filename).write_bytes(data)
            wheels[canonical(dist.metadata["Name"])] = filename
        requirements = [f"{canonical(d.metadata['Name'])}=={d.version}" for d in dists]
        (staging / REQUIREMENTS_FILE).write_text(
            "# Our own distributions: installed from the wheels beside this file, never from an index.\n"
            + "\n".join(requirements) + "\n", encoding="utf-8")
        pins = constraints(ours)
        (staging / CONSTRAINTS_FILE).write_text(
            "# Third-party versions of the environment that wrote this build context (finops docker build).\n"
            + "\n".join(pins) + "\n", encoding="utf-8")
        staging.chmod(0o755)
        old = pipeline_dir / f".{WHEELS_DIR}-old-{os.getpid()}"
        if target.exists():
            target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Context(directory=target, wheels=wheels, pinned=len(pins))
