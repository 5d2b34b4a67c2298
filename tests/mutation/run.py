"""Plant each mutation of ``mutations.py`` in turn, run the tests that should catch it, and say which survive.

    python tests/mutation/run.py                 # every mutation
    python tests/mutation/run.py -k swap         # those whose name contains "swap"
    python tests/mutation/run.py --list          # what would run, and which tests catch each
    python tests/mutation/run.py --baseline      # first check every test selection passes unmutated

A mutation is killed when its tests fail (pytest exits 1) with the mutation in place. Before planting
anything the runner checks that every mutation's original text occurs exactly once in its file, and it
puts each file back byte for byte afterwards, on Ctrl-C too. It edits the checkout in place (the
packages are installed editable), so run one at a time and not while you are editing those files.
Exit status: 0 when every mutation is killed or listed as equivalent, 1 otherwise.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

from mutations import MUTATIONS, Mutation  # noqa: E402

TIMEOUT = 900  # seconds for one mutation's tests: a mutation that hangs them is counted killed


def _drop_bytecode(path: Path) -> None:
    # A .pyc of the mutated source must never outlive it (the source's size and mtime may repeat).
    Path(importlib.util.cache_from_source(str(path))).unlink(missing_ok=True)


def check(mutations: list[Mutation]) -> None:
    for m in mutations:
        text = (ROOT / m.file).read_text(encoding="utf-8")
        found = text.count(m.original)
        if found != 1:
            raise SystemExit(f"mutation {m.name}: its original text occurs {found} times in {m.file}, not once; "
                             "update tests/mutation/mutations.py")


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM (tox, CI) too: the finally below puts the file back


def run_one(m: Mutation, python: str, verbose: bool, *, plant: bool = True) -> tuple[str, float]:
    """Plant ``m`` (or, with ``plant=False``, not: the baseline), run its tests, put the file back."""
    path = ROOT / m.file
    original = path.read_bytes()
    started = time.monotonic()
    try:
        if plant:
            path.write_bytes(original.replace(m.original.encode(), m.replacement.encode(), 1))
            _drop_bytecode(path)
        # Paths absolute, and pytest run from a scratch folder: nothing is written into the checkout.
        tests = [str(ROOT / a) if (ROOT / a.split("::")[0]).exists() else a for a in m.tests]
        command = [python, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            with tempfile.TemporaryDirectory(prefix="finops-mutation-") as scratch:
                done = subprocess.run(command, cwd=scratch, env=env, timeout=TIMEOUT,
                                      stdout=None if verbose else subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True)
            code = done.returncode
        except subprocess.TimeoutExpired:
            code = -1
    finally:
        if plant:
            path.write_bytes(original)
            _drop_bytecode(path)
    seconds = time.monotonic() - started
    if code in (1, -1):
        return "killed", seconds
    if code == 0:
        return "survived", seconds
    return f"error (pytest exit {code})", seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", dest="select", help="only mutations whose name contains this text")
    parser.add_argument("--list", action="store_true", help="list the mutations and their tests, run nothing")
    parser.add_argument("-v", "--verbose", action="store_true", help="show pytest's output")
    parser.add_argument("--baseline", action="store_true",
                        help="first run each distinct test selection unmutated: it must pass")
    parser.add_argument("--python", default=sys.executable, help="the Python that runs pytest")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    chosen = [m for m in MUTATIONS if not args.select or args.select in m.name]
    check(chosen)
    if args.list:
        for m in chosen:
            print(f"{m.name}: {m.file}\n    {' '.join(m.tests)}")
        return 0
    if args.baseline:
        selections = {m.tests: m for m in chosen}
        for tests, m in selections.items():
            outcome, seconds = run_one(m, args.python, args.verbose, plant=False)
            print(f"baseline {'passes' if outcome == 'survived' else 'FAILS'}: {' '.join(tests)} ({seconds:.0f}s)",
                  flush=True)
            if outcome != "survived":
                return 1
    results: list[tuple[Mutation, str]] = []
    started = time.monotonic()
    for i, m in enumerate(chosen, 1):
        outcome, seconds = run_one(m, args.python, args.verbose)
        if outcome == "survived" and m.equivalent:
            outcome = "equivalent"
        results.append((m, outcome))
        print(f"[{i}/{len(chosen)}] {outcome:<9} {m.name} ({seconds:.0f}s)", flush=True)
    killed = sum(1 for _, o in results if o == "killed")
    equivalent = [m for m, o in results if o == "equivalent"]
    bad = [(m, o) for m, o in results if o not in ("killed", "equivalent")]
    print(f"\n{killed} of {len(results)} mutations killed, {len(equivalent)} equivalent, {len(bad)} survived "
          f"or errored, in {(time.monotonic() - started) / 60:.1f} min")
    for m in equivalent:
        print(f"  equivalent: {m.name}: {m.equivalent}")
    for m, o in bad:
        print(f"  {o}: {m.name} ({m.file})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
