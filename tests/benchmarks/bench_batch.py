"""Benchmark: the batch grader against ``nbgrader autograde`` on the same notebooks, side by side.

Run on demand (pytest does not collect this folder):

    python tests/benchmarks/bench_batch.py [--students 100] [--nbgrader-students 6] [--jobs 2]
                                           [--repeats 3] [--skip-nbgrader]

It builds a course (``generate_assignment`` of the solution notebook) and submits ``--students``
notebooks in nbgrader's ``submitted/`` layout — correct, buggy (known mistakes and a correct
variant) and hostile (reads ``solutions/``, patches torch) in turn — and a second course holding
the first ``--nbgrader-students`` of them (the same notebooks: nbgrader is slow). Every run is a
fresh process, timed from start to exit, in wall-clock and in CPU time (every process it started
included: this script is their subreaper):

* ours: ``python -m autograder grade submitted/<student>... --force`` (hidden cases, fork server
  start included) on all ``--students`` and on the first fifth of them;
* nbgrader: ``nbgrader autograde --force`` on ``--nbgrader-students`` and on the first third.

Per submission, *including startup* is a run's time divided by its number of submissions;
*steady state* is the slope between the two runs, (T(n) - T(m)) / (n - m), which cancels the fixed
start-up cost (imports, fork server, expectations). The ratio is nbgrader's seconds per submission
divided by ours: steady against steady, and including startup against including startup. Each
run is repeated ``--repeats`` times, taking turns, and medians are reported: other work on the
machine slows both, and the CPU times are the steadier figures when it does.
"""

from __future__ import annotations

import argparse
import csv
import ctypes
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.test_nbgrader_roundtrip import (  # noqa: E402
    ASSIGNMENT,
    BROKEN,
    NOTEBOOK,
    VARIANTS,
    environment,
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
PR_SET_CHILD_SUBREAPER = 36


def build_course(folder: Path, students: int, *, lean: bool = False, kinds=None) -> Path:
    """A course with the release generated and ``students`` submissions of every kind in turn
    (of ``kinds``, default all); ``lean``: the notebook reduced to what grading needs."""
    course = folder / "course"
    course.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(
        ROOT / "solutions" / ASSIGNMENT,
        course / "solutions" / ASSIGNMENT,
        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc", "*.db"),
    )
    notebook = course / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    if lean:
        nbformat.write(lean_notebook(nbformat.read(notebook, as_version=4)), notebook)
    nbgrader(course, ROOT, "generate_assignment", ASSIGNMENT, "--force")
    source = nbformat.read(notebook, as_version=4)
    kinds = list((kinds or KINDS).items())
    for number in range(students):
        kind, answers = kinds[number % len(kinds)]
        submit(course, f"{kind}{number:03d}", with_answers(source, answers))
    return course


def lean_notebook(notebook):
    """The notebook with only what grading needs: import cells, answer cells and test cells (the
    experiment, demonstrations and prose removed), so that nbgrader does the checking work we do
    and nothing more."""
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    setup = code[0]  # imports (and ``%matplotlib inline``): every answer cell needs them
    kept = []
    for cell in code:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell is setup or meta.get("solution") or meta.get("grade"):
            kept.append(cell)
    notebook.cells = kept
    return notebook


def timed(command: list[str], cwd: Path, root: Path = ROOT) -> tuple[float, float]:
    """(wall seconds, CPU seconds of every process it started) of one command, with the
    ``autograder`` of the checkout ``root``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    completed = subprocess.run(
        command, cwd=cwd, env=environment(root), capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    _reap_orphans()  # the fork server and its children, reparented here once the grader exits
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise RuntimeError(f"{command[:4]} failed:\n{completed.stdout}\n{completed.stderr}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu


def _reap_orphans(grace: float = 10.0) -> None:
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def ours(course: Path, students: list[str], out: Path, jobs: int) -> list[str]:
    paths = [str(course / "submitted" / student) for student in students]
    return [sys.executable, "-m", "autograder", "grade", *paths, "--out", str(out), "--force"] + (
        ["--jobs", str(jobs)] if jobs else []
    )


def theirs(course: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "nbgrader",
        "autograde",
        ASSIGNMENT,
        "--force",
        f"--CourseDirectory.root={course}",
    ]


def measure(runs: dict[str, tuple[list[str], Path]], repeats: int) -> dict[str, tuple]:
    """Median (wall, CPU) of every run, the runs taking turns ``repeats`` times."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, (command, cwd) in runs.items():
            samples[name].append(timed(command, cwd))
            wall, cpu = samples[name][-1]
            print(f"  {name}: {wall:.2f} s wall, {cpu:.2f} s CPU", file=sys.stderr)
    return {
        name: (statistics.median(s[0] for s in got), statistics.median(s[1] for s in got))
        for name, got in samples.items()
    }


def _all_full_marks(grades: Path) -> None:
    """Refuse to report a lean benchmark in which a correct submission lost a point: it would be
    timing failures, not grading (a lean notebook that lost its import cell did exactly that)."""
    with grades.open(newline="") as file:
        short = [row["student"] for row in csv.DictReader(file) if row["score"] != row["max_score"]]
    if short:
        raise SystemExit(f"correct submissions lost points: {short[:5]}: fix the benchmark first")


def per_submission(big: tuple, n: int, small: tuple, m: int) -> dict[str, float]:
    """Seconds per submission, wall and CPU: including startup (the big run) and steady state."""
    return {
        "wall": big[0] / n,
        "cpu": big[1] / n,
        "wall_steady": (big[0] - small[0]) / (n - m),
        "cpu_steady": (big[1] - small[1]) / (n - m),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--nbgrader-students", type=int, default=6)
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-nbgrader", action="store_true")
    parser.add_argument(
        "--lean",
        action="store_true",
        help="correct submissions only, on a notebook of import, answer and test cells: "
        "nbgrader then does the checking work we do, nothing more",
    )
    args = parser.parse_args()
    options = {"lean": True, "kinds": {"correct": {}}} if args.lean else {}
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    n, m = args.students, max(2, args.students // 5)
    nb_n, nb_m = args.nbgrader_students, max(1, args.nbgrader_students // 3)
    print(f"load average before: {os.getloadavg()}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as folder:
        course = build_course(Path(folder) / "ours", n, **options)
        students = sorted(path.name for path in (course / "submitted").iterdir())
        out = Path(folder) / "out"
        runs = {
            f"ours {n}": (ours(course, students, out, args.jobs), course),
            f"ours {m}": (ours(course, students[:m], out, args.jobs), course),
        }
        if not args.skip_nbgrader:
            small = build_course(Path(folder) / "nb_small", nb_m, **options)
            large = build_course(Path(folder) / "nb_large", nb_n, **options)
            runs[f"nbgrader {nb_n}"] = (theirs(large), large)
            runs[f"nbgrader {nb_m}"] = (theirs(small), small)
        got = measure(runs, args.repeats)
        if args.lean:
            _all_full_marks(out / "grades.csv")
    print(f"load average after: {os.getloadavg()}", file=sys.stderr)
    us = per_submission(got[f"ours {n}"], n, got[f"ours {m}"], m)
    rows = [("autograder grade", n, m, us)]
    if not args.skip_nbgrader:
        them = per_submission(got[f"nbgrader {nb_n}"], nb_n, got[f"nbgrader {nb_m}"], nb_m)
        rows.append(("nbgrader autograde", nb_n, nb_m, them))
    print(f"{'s per submission':22} {'runs':>9} {'wall':>7} {'steady':>7} {'CPU':>7} {'steady':>7}")
    for label, big, little, values in rows:
        print(
            f"{label:22} {f'{big}/{little}':>9} {values['wall']:7.3f} "
            f"{values['wall_steady']:7.3f} {values['cpu']:7.3f} {values['cpu_steady']:7.3f}"
        )
    if not args.skip_nbgrader:
        print(
            "speed-up (nbgrader s/submission ÷ ours): "
            + ", ".join(
                f"{key.replace('_', ' ')} {them[key] / us[key]:.0f}x"
                for key in ("wall_steady", "wall", "cpu_steady", "cpu")
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
