"""Gradescope: ``results.json`` from a result, the autograder zip, and what runs inside it.

Three pieces, in the order Gradescope meets them:

1. ``build_autograder_zip(out_dir=...)`` (instructor side) packs ``setup.sh``, ``run_autograder``,
   the ``autograder`` package and what grading needs of the instructor's ``solutions/``
   (references, hidden cases, mistake catalogue, flash-card key; never the notebook). The zip
   is uploaded to Gradescope, never given to students.
2. ``setup.sh`` runs once on Gradescope's Ubuntu image: a Python >= 3.11 virtual environment with
   the CPU wheel of ``torch==2.13.0`` and the other dependencies of ``pyproject.toml``.
3. ``run_autograder`` runs per submission: ``python -m autograder.reports.gradescope``
   finds the notebook or ``.py`` file in ``/autograder/submission/``, grades it with
   ``python -m autograder grade ... --format gradescope`` and puts ``results.json`` in
   ``/autograder/results/``. Whatever happens,
   a ``results.json`` is written: a grader failure becomes a visible "Autograder failed" entry and
   its log goes to the instructor-only stdout. ``$AUTOGRADER_ROOT`` replaces ``/autograder``
   (tests point it at a temporary folder).

Students see each test's ``output``: the findings' sentences (``report.test_text``), which the
judges already word without hidden expectations or reference code; nothing else is added here.
"""

from __future__ import annotations

import json
import math
import os
import shlex
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from autograder import PACKAGE_DIR
from autograder.files import Entry, write_atomic, write_zip
from autograder.reports.report import safe_text, score_text, test_text, verdict
from autograder.reports.result import Finding, SubmissionResult, TestResult
from autograder.spec import TESTS

ROOT_ENV = "AUTOGRADER_ROOT"
REPO = PACKAGE_DIR.parent
ZIP_NAME = "optimisation-gradescope.zip"
TORCH = "torch==2.13.0"
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
# Seconds the whole grading of one submission may take before Gradescope's own limit.
GRADE_TIMEOUT = 900


# ----------------------------------------------------------------------------------------------
# results.json


def results_json(result: SubmissionResult, *, execution_time: float | None = None) -> dict:
    """Gradescope's ``results.json`` for one graded submission.

    Every test is ``visible`` with its score, ``passed``/``failed`` status and the same text a
    student reads in the terminal; the grader's own stdout is hidden from students.
    """
    tests = [
        {
            "name": test.name,
            "number": str(number),
            "score": test.score,
            "max_score": test.max_score,
            "status": "passed" if test.passed else "failed",
            "output": test_text(test),
            "output_format": "text",
            "visibility": "visible",
        }
        for number, test in enumerate(result.tests, start=1)
    ]
    lines = [f"Score: {score_text(result.score)} / {score_text(result.max_score)}"]
    lines += [
        f"  {test.name}: {score_text(test.score)} / {score_text(test.max_score)} ({verdict(test)})"
        for test in result.tests
    ]
    data = {
        "score": result.score,
        "output": "\n".join(lines),
        "output_format": "text",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"student": result.student, "protections": list(result.protections)},
    }
    if execution_time is not None:
        data["execution_time"] = math.ceil(execution_time)
    return data


def write_results(
    result: SubmissionResult, path: Path, *, execution_time: float | None = None
) -> Path:
    """Write ``results.json`` atomically (the batch grader's ``--format gradescope``)."""
    data = results_json(result, execution_time=execution_time)
    return write_atomic(Path(path), json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def failure_json(reason: str, *, execution_time: float | None = None) -> dict:
    """``results.json`` when the submission could not be graded at all: every test 0, and why."""
    not_graded = Finding("crash", "Not graded: the autograder failed (see the message above).")
    result = SubmissionResult("", [TestResult.zero(test.name, not_graded) for test in TESTS])
    data = results_json(result, execution_time=execution_time)
    data["output"] = f"Autograder failed: {safe_text(reason)}\n{data['output']}"
    return data


# ----------------------------------------------------------------------------------------------
# Inside Gradescope: run_autograder


def find_submission(folder: Path) -> tuple[Path | None, list[Path]]:
    """The file to grade in ``folder`` (a notebook first, else a ``.py`` file), and all
    candidates, skipping hidden files, checkpoints and macOS resource forks."""

    def visible(path: Path) -> bool:
        parts = path.relative_to(folder).parts
        return not any(part.startswith((".", "__MACOSX")) for part in parts)

    candidates = [
        path
        for suffix in (".ipynb", ".py")
        for path in sorted(folder.rglob(f"*{suffix}"))
        if path.is_file() and visible(path)
    ]
    return (candidates[0] if candidates else None), candidates


def run(root: Path) -> int:
    """Grade ``root/submission`` and write ``root/results/results.json``; always returns 0.

    The grader runs as ``python -m autograder grade FILE --out TMP --format gradescope`` with
    ``solutions/`` beside this package; its ``results.json`` is copied (or built from the
    student's JSON), with the wall time of the whole run as ``execution_time``.
    """
    start = time.monotonic()
    results = root / "results" / "results.json"
    submission, candidates = find_submission(root / "submission")
    if submission is None:
        reason = "no .ipynb or .py file was found in your submission."
        write_atomic(results, json.dumps(failure_json(reason)) + "\n")
        return 0
    note = ""
    if len(candidates) > 1:
        others = ", ".join(str(path.relative_to(root / "submission")) for path in candidates[1:])
        note = f"Graded {submission.name}; ignored {others}."
    with tempfile.TemporaryDirectory(prefix="gradescope-") as out:
        log, data = _grade(submission, Path(out))
    print(log)  # stdout is shown to the instructor only (stdout_visibility: hidden)
    elapsed = time.monotonic() - start
    if data is None:
        data = failure_json(
            "the grader stopped before writing any result; your instructor can see its log.",
            execution_time=elapsed,
        )
    else:
        data["execution_time"] = math.ceil(elapsed)
        if note:
            data["output"] += f"\n\n{safe_text(note)}"
    write_atomic(results, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return 0


def _grade(submission: Path, out: Path) -> tuple[str, dict | None]:
    """Run the batch grader on one file: its log, and ``results.json`` as data (None if none)."""
    command = [sys.executable, "-m", "autograder", "grade", str(submission)]
    command += ["--out", str(out), "--format", "gradescope"]
    env = dict(os.environ)
    env.setdefault("AUTOGRADER_SOLUTIONS", str(REPO / "solutions"))
    try:
        done = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=GRADE_TIMEOUT
        )
        log = f"$ {shlex.join(command)}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"
    except subprocess.TimeoutExpired:
        log = f"$ {shlex.join(command)}\ntimed out after {GRADE_TIMEOUT} s"
    if (out / "results.json").is_file():
        return log, json.loads((out / "results.json").read_text())
    students = sorted(path for path in out.glob("*.json") if path.name != "results.json")
    if len(students) == 1:
        return log, results_json(SubmissionResult.from_dict(json.loads(students[0].read_text())))
    return log, None


# ----------------------------------------------------------------------------------------------
# The zip (instructor side)

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission: it grades the notebook or .py file in
# /autograder/submission/ and writes /autograder/results/results.json.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="$ROOT/venv/bin/python"
[ -x "$PYTHON" ] || PYTHON="$(command -v python3)"
cd "$ROOT/source" || exit 1
exec "$PYTHON" -m autograder.reports.gradescope "$ROOT"
"""

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once when the autograder is built: a Python >= 3.11 virtual environment
# with the CPU wheel of {torch} and the grader's other dependencies.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON=""
for candidate in python3.13 python3.12 python3.11; do
  if command -v "$candidate" >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
done
if [ -z "$PYTHON" ]; then
  apt-get update
  apt-get install -y python3.11 python3.11-venv
  PYTHON=python3.11
fi
if ! "$PYTHON" -m venv "$ROOT/venv"; then
  apt-get update
  apt-get install -y "$PYTHON-venv"
  "$PYTHON" -m venv "$ROOT/venv"
fi
"$ROOT/venv/bin/python" -m pip install --upgrade pip
"$ROOT/venv/bin/python" -m pip install {torch} --index-url {index}
"$ROOT/venv/bin/python" -m pip install {requirements}
"""


def dependencies(pyproject: Path = REPO / "pyproject.toml") -> list[str]:
    """The project's runtime dependencies except torch (installed from the CPU index)."""
    project = tomllib.loads(pyproject.read_text())["project"]
    return [dep for dep in project["dependencies"] if not dep.replace(" ", "").startswith("torch")]


def setup_script(pyproject: Path = REPO / "pyproject.toml") -> str:
    """``setup.sh``, with the dependencies of ``pyproject`` written in."""
    requirements = " ".join(shlex.quote(dep) for dep in dependencies(pyproject))
    return SETUP.format(torch=TORCH, index=TORCH_INDEX, requirements=requirements)


# What grading needs, as (folder, recursive): the package, the references, and the modules and data
# at the top of solutions/ (hidden cases, mistake catalogue, flash-card key); not the course
# notebook's folder, not the cards' images.
GRADING_FILES: tuple[tuple[str, bool], ...] = (
    ("autograder", True),
    ("solutions/reference", True),
    ("solutions", False),
)


def zip_members(repo: Path = REPO) -> list[tuple[str, Path]]:
    """(name in the zip, file) for everything grading needs (``GRADING_FILES``) and
    ``pyproject.toml``; no caches, no hidden files, no notebooks."""

    def wanted(path: Path) -> bool:
        parts = path.relative_to(repo).parts
        skipped = any(part == "__pycache__" or part.startswith(".") for part in parts)
        return path.is_file() and not skipped and path.suffix not in {".pyc", ".ipynb"}

    members = []
    for folder, recursive in GRADING_FILES:
        files = (repo / folder).rglob("*") if recursive else (repo / folder).glob("*")
        members += [(path.relative_to(repo).as_posix(), path) for path in files if wanted(path)]
    members.append(("pyproject.toml", repo / "pyproject.toml"))
    return sorted(members)


def build_autograder_zip(*, out_dir: Path, repo: Path = REPO, name: str = ZIP_NAME) -> Path:
    """Build the Gradescope autograder zip in ``out_dir`` and return its path.

    The zip is deterministic (sorted entries, fixed timestamps); ``setup.sh`` and
    ``run_autograder`` sit at its top level with their executable bits set.
    """
    if not (repo / "solutions" / "reference" / "__init__.py").is_file():
        raise RuntimeError(f"No solutions/ in {repo}: the autograder zip is built by instructors.")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    scripts = {"setup.sh": setup_script(repo / "pyproject.toml"), "run_autograder": RUN_AUTOGRADER}
    entries = [Entry(member, text.encode(), executable=True) for member, text in scripts.items()]
    entries += [Entry(member, path.read_bytes()) for member, path in zip_members(repo)]
    return write_zip(out_dir / name, entries)


def main(argv: list[str] | None = None) -> int:
    """``python -m autograder.reports.gradescope [ROOT]``: what ``run_autograder`` calls."""
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0] if args else os.environ.get(ROOT_ENV, "/autograder"))
    return run(root)


if __name__ == "__main__":
    raise SystemExit(main())
