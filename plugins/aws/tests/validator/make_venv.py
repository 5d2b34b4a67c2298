"""Create a virtual environment with Python 3.12 and install packages into it: the tox environment
``focus-validator-1.2`` runs this, because focus-validator 2.x needs Python 3.12 and the other environments
run on the default Python.

    python make_venv.py VENV PACKAGE...

Python 3.12 is ``$OPEN_FINOPS_PYTHON312`` if set, else ``python3.12`` on the PATH, else the newest
``3.12.*`` under ``pyenv root``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def _runs(candidate: str) -> bool:
    try:
        done = subprocess.run([candidate, "-c", "import sys; sys.exit(sys.version_info[:2] != (3, 12))"],
                              capture_output=True, timeout=60)
    except OSError:
        return False
    return done.returncode == 0


def python312() -> str:
    candidates = [os.environ.get("OPEN_FINOPS_PYTHON312", ""), shutil.which("python3.12") or ""]
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
        if root:
            candidates += [str(p / "bin" / "python3.12")
                           for p in sorted(Path(root, "versions").glob("3.12.*"), reverse=True)]
    for candidate in candidates:
        if candidate and _runs(candidate):
            return candidate
    sys.exit("make_venv: no Python 3.12 found; install it (e.g. pyenv install 3.12) or set OPEN_FINOPS_PYTHON312")


def main(venv: str, *packages: str) -> None:
    subprocess.run([python312(), "-m", "venv", "--clear", venv], check=True)
    subprocess.run([str(Path(venv, "bin", "python")), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", *packages], check=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
