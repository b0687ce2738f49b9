"""Benchmark: building the class view (index.html, mistakes.csv) for a large synthetic class, and
screenshots of it in headless Chromium.

Run on demand (pytest does not collect this folder):

    python tests/benchmarks/bench_classview.py [--students 1000] [--repeats 5]
                                               [--screenshots DIR --shot-students 200]

It writes ``--students`` student JSON files of the batch grader's format into a temporary folder:
per test, a student passes, makes a catalogued mistake (a real row of the public mistake data,
with its words), fails without a named mistake (values differ at some step, an exception, no
answer) or runs out of time, with a few loading problems, in proportions like a real class's. It
then times ``classview.load`` + ``classpage.write`` (reading every JSON, the plots, the page) in
a fresh process each time, and reports the median. With ``--screenshots``, it also saves
index.html of a ``--shot-students`` class and screenshots of it at 1280 and 400 px.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from autograder.reports import filenames  # noqa: E402
from autograder.reports.result import Finding, SubmissionResult, TestResult  # noqa: E402
from autograder.spec import BY_NAME, TEST_NAMES  # noqa: E402
from autograder.verdict.diagnose import PUBLIC_MISTAKES  # noqa: E402

TIMED = """
import sys, time
start = time.perf_counter()
from autograder.reports import classpage, classview
records = classview.load(sys.argv[1])
classpage.write(sys.argv[1], records)
print(len(records), time.perf_counter() - start)
"""


def synthetic_class(out: Path, students: int, seed: int = 0) -> None:
    """``students`` JSON files like the batch grader's, for a class with common mistakes."""
    rng = random.Random(seed)
    catalogue = json.loads(PUBLIC_MISTAKES.read_text())
    # A few mistakes are common, most are rare: weights fall off with the catalogue's order.
    weights = {
        name: [1 / (1 + i) ** 1.5 for i in range(len(rows))] for name, rows in catalogue.items()
    }
    for number in range(students):
        student = f"s{number:04d}"
        tests = []
        for name in TEST_NAMES:
            roll = rng.random()
            if roll < 0.7:
                tests.append(TestResult.full(name))
            elif roll < 0.85 and name in catalogue:
                key = rng.choices(list(catalogue[name]), weights[name])[0]
                row = catalogue[name][key]
                answer = BY_NAME[name].answer
                named = Finding(
                    "mistake",
                    f"Your `{answer}` behaves like {row['title']}. {row['message']}",
                    None,
                    {"mistake": key, "title": row["title"]},
                )
                step = Finding("mismatch", "Values differ.", f"{name}/float32", {"step": 1})
                tests.append(TestResult.zero(name, named, step))
            elif roll < 0.93:
                step = rng.choice([1, 1, 2, 5, 30])
                details = {"step": step, "param": 0, "index": [0]}
                tests.append(TestResult.zero(name, Finding("mismatch", "Differs.", "c", details)))
            elif roll < 0.97:
                error = rng.choice(["TypeError", "RuntimeError", "KeyError"])
                finding = Finding("error", f"raised {error}", "c", {"type": error})
                tests.append(TestResult.zero(name, finding))
            elif roll < 0.995:
                tests.append(TestResult.zero(name, Finding("missing", f"`{name}` is missing.")))
            else:
                timeout = Finding("timeout", "Your code was still running after 20 s.")
                tests.append(TestResult.zero(name, timeout))
        result = SubmissionResult(student, tests)
        problems = ["cell 7: syntax error (line 3)"] if rng.random() < 0.02 else []
        data = result.to_dict() | {"files": filenames.files(student), "problems": problems}
        (out / filenames.files(student)["json"]).write_text(json.dumps(data, indent=1) + "\n")


def timed_build(folder: Path) -> float:
    output = subprocess.run(
        [sys.executable, "-c", TIMED, str(folder)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.split()
    return float(output[1])


def screenshots(folder: Path, out: Path) -> None:
    from browser import Browser

    out.mkdir(parents=True, exist_ok=True)
    with Browser() as browser:
        for width in (1280, 400):
            visit = browser.open(folder / "index.html", width=width)
            print(
                f"  {width} px: network {visit.network()}, errors {visit.errors}, "
                f"overflowing {browser.overflowing()}"
            )
            browser.screenshot(out / f"index-{folder.name}-{width}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--screenshots", type=Path)
    parser.add_argument("--shot-students", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / f"class{args.students}"
        folder.mkdir()
        synthetic_class(folder, args.students)
        times = [timed_build(folder) for _ in range(args.repeats)]
        size = (folder / "index.html").stat().st_size
        print(
            f"index.html for {args.students} students: median {statistics.median(times):.2f} s "
            f"(min {min(times):.2f}, max {max(times):.2f}, {args.repeats} fresh processes, "
            f"imports included); {size / 1e6:.2f} MB"
        )
        if args.screenshots:
            shots = Path(temporary) / f"class{args.shot_students}"
            shots.mkdir()
            synthetic_class(shots, args.shot_students)
            start = time.perf_counter()
            timed_build(shots)
            print(f"{args.shot_students} students built in {time.perf_counter() - start:.2f} s")
            screenshots(shots, args.screenshots)


if __name__ == "__main__":
    main()
