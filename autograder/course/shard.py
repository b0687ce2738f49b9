"""Grading past one machine: a deterministic share of the class per shard, and the merge.

``autograder grade PATH --shard K/N --out DIR_K`` grades the students whose id hashes to shard K
of N (SHA-256 of the id, not its position: a student added to the class never moves another one),
and writes ``DIR_K/shard.json``, the manifest: which shard, which students, which cases. Any engine
that runs N copies of one command with an index runs it (a Slurm job array, a Kubernetes indexed
Job; see the README). ``autograder merge DIR_1 ... DIR_N --out DIR`` then checks that the
manifests form one whole class graded on one case set, copies every student's files, and writes
``grades.csv``, ``mistakes.csv`` and ``index.html`` from them as a single run would: the merged
folder holds the same bytes as ``autograder grade PATH --out DIR``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from autograder.files import write_atomic
from autograder.reports import classpage, classview, filenames, gradebook
from autograder.reports.report import safe_text
from autograder.reports.result import SubmissionResult

MANIFEST = "shard.json"


def parse(text: str) -> tuple[int, int]:
    """``"K/N"`` as (K, N), with 1 ≤ K ≤ N; ValueError otherwise."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"a shard is K/N, e.g. 2/3, not {text!r}") from None
    if not 1 <= index <= count:
        raise ValueError(f"shard {text}: K must be between 1 and N")
    return index, count


def shard_of(student: str, count: int) -> int:
    """The shard (1 to ``count``) that grades ``student``: a function of the id alone."""
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).digest()
    return 1 + int.from_bytes(digest[:8], "big") % count


def select(students: dict, shard: tuple[int, int]) -> dict:
    """The part of ``students`` (id -> anything) that shard ``(K, N)`` grades."""
    index, count = shard
    return {student: v for student, v in students.items() if shard_of(student, count) == index}


def write_manifest(out: Path, shard: tuple[int, int], students: list[str], cases: str) -> None:
    manifest = {"shard": list(shard), "students": sorted(students), "cases": cases}
    write_atomic(Path(out) / MANIFEST, json.dumps(manifest, indent=1) + "\n")


def _manifests(folders: list[Path]) -> tuple[list[dict], list[str]]:
    """Each folder's manifest, and what keeps them from forming one whole class."""
    manifests, problems = [], []
    for folder in folders:
        try:
            manifests.append(json.loads((folder / MANIFEST).read_text()))
        except (OSError, ValueError) as error:
            problems.append(f"{folder}: no readable {MANIFEST} ({error.__class__.__name__}).")
    if problems:
        return manifests, problems
    counts = {manifest["shard"][1] for manifest in manifests}
    if len(counts) != 1:
        return manifests, [f"The folders come from different splits: N = {sorted(counts)}."]
    count = counts.pop()
    have = sorted(manifest["shard"][0] for manifest in manifests)
    if have != list(range(1, count + 1)):
        missing = sorted(set(range(1, count + 1)) - set(have))
        twice = sorted({k for k in have if have.count(k) > 1})
        problems.append(f"Shards of {count}: missing {missing or 'none'}, twice {twice or 'none'}.")
    if len({manifest["cases"] for manifest in manifests}) != 1:
        problems.append("The shards were graded on different cases: grade them all again.")
    return manifests, problems


def merge(*, folders: list[Path], out: Path) -> int:
    """Merge shard folders into ``out``; 0 when they form one whole class, every student graded."""
    folders, out = [Path(folder) for folder in folders], Path(out)
    manifests, problems = _manifests(folders)
    records: list[dict] = []
    seen: dict[str, Path] = {}
    for folder, manifest in zip(folders, manifests):
        graded = classview.load(folder, manifest["students"])
        found = {record["student"]: record for record in graded}
        for student in manifest["students"]:
            if student not in found:
                problems.append(f"{folder}: {student} was not graded (no JSON file).")
            elif student in seen:
                problems.append(f"{student} is in {seen[student]} and in {folder}.")
            else:
                seen[student] = folder
                records.append(found[student])
    if problems:
        for problem in problems:
            print(safe_text(problem), file=sys.stderr)
        print("Nothing merged.", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    for record in records:
        for name in filenames.files(record["student"]).values():
            source = seen[record["student"]] / name
            if source.is_file() and source.resolve() != (out / name).resolve():
                write_atomic(out / name, source.read_bytes())
    records.sort(key=lambda record: record["student"])
    results = [SubmissionResult.from_dict(record) for record in records]
    gradebook.write_gradebook(results, out / "grades.csv")
    classpage.conclude(out, records)
    return 0
