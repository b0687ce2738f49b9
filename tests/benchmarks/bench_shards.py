"""Benchmark: one ``autograder grade`` against N shards of it run side by side, then merged.

Run on demand (pytest does not collect this folder):

    python tests/benchmarks/bench_shards.py [--students 200] [--shards 3]

It makes a class of ``--students`` ``.py`` submissions (the bundled correct and buggy examples,
each copy made distinct by a comment), grades it once (``autograder grade CLASS --out single``,
hidden cases, all cores) and as ``--shards`` processes started together
(``--shard K/N --out shardK``), merges the shards (``autograder merge``), and reports the wall
times and whether the merged folder holds the same bytes as the single run's.
"""

from __future__ import annotations

import argparse
import filecmp
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ("alice", "bob", "carol")


def make_class(folder: Path, students: int) -> None:
    folder.mkdir()
    for number in range(students):
        example = EXAMPLES[number % len(EXAMPLES)]
        text = (ROOT / "examples" / "submissions" / f"{example}.py").read_text()
        (folder / f"s{number:04d}.py").write_text(f"{text}\n# copy {number}\n")


def autograder(*args: str) -> list[str]:
    return [sys.executable, "-m", "autograder", *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--shards", type=int, default=3)
    args = parser.parse_args()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": ROOT}
    with tempfile.TemporaryDirectory() as temporary:
        base = Path(temporary)
        course = base / "class"
        make_class(course, args.students)

        start = time.perf_counter()
        subprocess.run(autograder("grade", str(course), "--out", str(base / "single")), **quiet)
        single = time.perf_counter() - start

        start = time.perf_counter()
        folders = [base / f"shard{k}" for k in range(1, args.shards + 1)]
        running = [
            subprocess.Popen(
                autograder("grade", str(course), "--out", str(folder), "--shard", f"{k}/{n}"),
                **quiet,
            )
            for k, n, folder in ((k, args.shards, f) for k, f in enumerate(folders, 1))
        ]
        codes = [process.wait() for process in running]
        sharded = time.perf_counter() - start
        start = time.perf_counter()
        merged = subprocess.run(
            autograder("merge", *map(str, folders), "--out", str(base / "merged")), **quiet
        ).returncode
        merging = time.perf_counter() - start

        names = sorted(path.name for path in (base / "single").iterdir())
        same = sorted(path.name for path in (base / "merged").iterdir()) == names
        _, differ, errors = filecmp.cmpfiles(base / "single", base / "merged", names, shallow=False)
        print(f"{args.students} students, {len(names)} files in the gradebook")
        print(f"  one run:            {single:6.1f} s wall")
        print(f"  {args.shards} shards together:  {sharded:6.1f} s wall (exit codes {codes})")
        print(f"  merge:              {merging:6.1f} s wall (exit code {merged})")
        print(f"  identical files: {same and not differ and not errors} (differing: {differ})")


if __name__ == "__main__":
    main()
