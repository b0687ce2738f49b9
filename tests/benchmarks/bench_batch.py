"""Benchmark: the batch grader against ``nbgrader autograde`` on the same notebooks.

Run on demand (pytest does not collect this folder):

    python tests/benchmarks/bench_batch.py [--students 12] [--jobs 2] [--skip-nbgrader]

It builds a course (``generate_assignment`` of the solution notebook), submits ``--students``
notebooks in nbgrader's ``submitted/`` layout — correct, buggy (known mistakes and a correct
variant) and hostile (reads ``solutions/``, patches torch) in turn — then times ``nbgrader
autograde`` and ``python -m autograder grade`` (hidden cases, fork server start included) on them
and prints seconds per submission, submissions per second and the speed-up.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from autograder import batch  # noqa: E402
from tests.test_nbgrader_roundtrip import (  # noqa: E402
    ASSIGNMENT,
    BROKEN,
    NOTEBOOK,
    VARIANTS,
    nbgrader,
    submit,
    with_answers,
)

HOSTILE = {
    "sgd_step": "def sgd_step(param, grad, state, *, lr):\n"
    "    open('solutions/reference/sgd.py').read()\n"
    "    param.sub_(lr * grad)\n",
    "momentum_step": "import torch\ntorch.add = lambda *a, **k: None\n"
    "def momentum_step(param, grad, state, *, lr, momentum):\n"
    "    param.sub_(lr * grad)\n",
}
KINDS = {"correct": {}, "broken": BROKEN, "variants": VARIANTS, "hostile": HOSTILE}


def build_course(folder: Path, students: int) -> Path:
    """A course with the release generated and ``students`` submissions of every kind in turn."""
    course = folder / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(
        ROOT / "solutions" / ASSIGNMENT,
        course / "solutions" / ASSIGNMENT,
        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc", "*.db"),
    )
    nbgrader(course, ROOT, "generate_assignment", ASSIGNMENT, "--force")
    source = nbformat.read(course / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    kinds = list(KINDS.items())
    for number in range(students):
        kind, answers = kinds[number % len(kinds)]
        submit(course, f"{kind}{number:03d}", with_answers(source, answers))
    return course


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=12)
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--skip-nbgrader", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        course = build_course(Path(folder), args.students)
        ours_start = time.perf_counter()
        code = batch.main(
            paths=[course / "submitted"], out=Path(folder) / "out", jobs=args.jobs, hidden=True
        )
        ours = (time.perf_counter() - ours_start) / args.students
        print(f"autograder grade: {ours:.3f} s per submission ({1 / ours:.1f}/s), exit {code}")
        if args.skip_nbgrader:
            return 0
        start = time.perf_counter()
        nbgrader(course, ROOT, "autograde", ASSIGNMENT, "--force")
        theirs = (time.perf_counter() - start) / args.students
        print(f"nbgrader autograde: {theirs:.2f} s per submission ({1 / theirs:.2f}/s)")
        print(f"speed-up: {theirs / ours:.0f}x on {args.students} submissions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
