"""Benchmark: this checkout's batch grader against an earlier one, back to back, same notebooks.

Run on demand (pytest does not collect this folder):

    python tests/benchmarks/bench_versions.py --before DIR [--students 40] [--rounds 4] [--jobs 2]

``DIR`` is a checkout of the earlier commit (``git worktree add --detach DIR <commit>``); it is
run with this interpreter and ``PYTHONPATH=DIR``, so both grade with the same libraries. The
notebooks are the lean course of ``bench_batch`` (import, answer and test cells; correct
submissions only, so that both versions do the same work: no diagnosis, no time-outs). Each
round grades the first fifth and all ``--students`` with each version in turn, and the steady
cost per submission is the slope between the two, (T(n) - T(m)) / (n - m); the report gives every
round's ratio and the medians, as this machine's speed varies by tens of per cent from one
minute to the next (measured: the same commit, 0.34 to 0.40 s of CPU per submission within ten
minutes); the versions take turns in ABBA order.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_batch  # noqa: E402


def graded(checkout: Path, course: Path, students: list[str], out: Path, jobs: int):
    """(wall, CPU) of grading ``students`` with the grader of ``checkout``."""
    return bench_batch.timed(bench_batch.ours(course, students, out, jobs), course, checkout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    bench_batch.ctypes.CDLL(None).prctl(bench_batch.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    n, m = args.students, max(2, args.students // 8)
    versions = {"before": args.before.resolve(), "now": ROOT}
    steady: dict[str, list[tuple[float, float]]] = {name: [] for name in versions}
    with tempfile.TemporaryDirectory() as folder:
        course = bench_batch.build_course(Path(folder), n, lean=True, kinds={"correct": {}})
        students = sorted(path.name for path in (course / "submitted").iterdir())
        for round_ in range(args.rounds):
            # ABBA: the order alternates, so that a machine slowing down (it does, by minutes)
            # does not always cost the same version.
            order = list(versions.items())
            for name, checkout in order if round_ % 2 == 0 else order[::-1]:
                out = Path(folder) / f"out-{name}"
                small = graded(checkout, course, students[:m], out, args.jobs)
                big = graded(checkout, course, students, out, args.jobs)
                bench_batch._all_full_marks(out / "grades.csv")
                slope = tuple((b - s) / (n - m) for b, s in zip(big, small, strict=True))
                steady[name].append(slope)
                print(
                    f"round {round_ + 1} {name:6}: steady {slope[0]:.3f} s wall, "
                    f"{slope[1]:.3f} s CPU per submission; start-up {small[1]:.2f} s CPU "
                    f"for {m} (load {os.getloadavg()[0]:.1f})",
                    file=sys.stderr,
                )
    ratios = [now[1] / before[1] for now, before in zip(steady["now"], steady["before"])]
    for name, slopes in steady.items():
        wall = statistics.median(s[0] for s in slopes)
        cpu = statistics.median(s[1] for s in slopes)
        print(f"{name:6} steady per submission: median {wall:.3f} s wall, {cpu:.3f} s CPU")
    print(
        "CPU ratio now/before per round: "
        + ", ".join(f"{ratio:.2f}" for ratio in ratios)
        + f"; median {statistics.median(ratios):.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
