"""Benchmark: the student's cold self-check against a bare ``python -c "import torch"``.

Run on demand (pytest does not collect this folder):

    python tests/benchmarks/bench_selfcheck.py [--runs 5]

It lays out what a student has — the ``autograder`` package (no ``solutions/``, so the shipped
public expectations are used) beside the assignment folder holding the self-check and a complete
submission — then times, in fresh processes taking turns, ``pytest`` in the assignment folder and
``python -c "import torch"``, and prints the medians and their ratio (goal: at most 1.5), in
wall-clock time and in CPU time (steadier when other work shares the machine).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from autograder.verdict import expect  # noqa: E402
from autograder.verdict.sources import Sources  # noqa: E402
from tests.test_selfcheck import complete_source  # noqa: E402

SOURCES = Sources.discover()  # this checkout: the instructor's side


ASSIGNMENT = "optimisation"
IGNORE = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc")


def student_layout(folder: Path) -> tuple[Path, dict]:
    """The assignment folder of a student's machine, and the environment to run pytest in."""
    shutil.copytree(ROOT / "autograder", folder / "autograder", ignore=IGNORE)
    public = folder / "autograder" / "data" / expect.PUBLIC_DATA.name
    if not public.exists():
        expect.build_public_data(SOURCES, public)
    assignment = folder / "assignments" / ASSIGNMENT
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, assignment, ignore=IGNORE)
    env = {**os.environ, "AUTOGRADER_SOLUTIONS": str(folder / "no-solutions-here")}
    if not (assignment / f"{ASSIGNMENT}.ipynb").exists():
        submission = assignment / "answers.py"
        submission.write_text(complete_source(ROOT))
        env["AUTOGRADER_SUBMISSION"] = str(submission)
    env.pop("PYTHONPATH", None)
    return assignment, env


def seconds(command: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if command[-1] != "import torch" and " passed" not in completed.stdout:
        sys.exit(f"pytest did not run:\n{completed.stdout}{completed.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        assignment, env = student_layout(Path(scratch))
        pytest_command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        torch_command = [sys.executable, "-c", "import torch"]
        first, _ = seconds(pytest_command, assignment, env)
        checks, imports = [], []
        for _ in range(args.runs):
            imports.append(seconds(torch_command, assignment, env))
            checks.append(seconds(pytest_command, assignment, env))
    print(f"first pytest run (compiles .pyc): {first:.2f} s")
    for index, what in enumerate(("wall-clock", "CPU")):
        check = statistics.median(run[index] for run in checks)
        torch = statistics.median(run[index] for run in imports)
        print(
            f"{what}, median of {args.runs}: pytest {check:.2f} s, import torch {torch:.2f} s, "
            f"ratio {check / torch:.2f} (goal <= 1.5)"
        )


if __name__ == "__main__":
    main()
