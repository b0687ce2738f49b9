"""Benchmark: the grader's own cost of judging one submission, without the sandbox.

Run on demand (pytest does not collect this folder):

    python tests/benchmarks/bench_grading.py [--repeats 20]

Grades the reference solutions in this process (``engine.grade_namespace``: every code test,
public and hidden cases, expectations cached as in a batch) ``--repeats`` times and prints the
median and the spread of its CPU time (``time.process_time``) and wall-clock time. This used to be
an assertion in the test suite (under 0.5 s of CPU), which failed whenever the machine was busy:
a cost is measured here and reported in the README, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from autograder.spec import TESTS
from autograder.verdict import engine
from autograder.verdict.sources import Sources
from solutions import reference

SOURCES = Sources.discover()  # this checkout: the instructor's side


CODE_TESTS = [test.name for test in TESTS if test.kind != "flashcards"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    namespace = dict(vars(reference))
    results = engine.grade_namespace(
        namespace, sources=SOURCES, tests=CODE_TESTS, hidden=True
    )  # warm caches
    if not all(result.passed for result in results):
        raise SystemExit("the reference does not pass: fix that first")
    cpu, wall = [], []
    for _ in range(args.repeats):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        engine.grade_namespace(namespace, sources=SOURCES, tests=CODE_TESTS, hidden=True)
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    print(f"judging every code test of one submission, {args.repeats} runs")
    for label, values in (("CPU", cpu), ("wall", wall)):
        print(
            f"{label:5} median {statistics.median(values):.3f} s "
            f"(min {min(values):.3f}, max {max(values):.3f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
