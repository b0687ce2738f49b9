"""The batch grader: ``python -m autograder grade PATH... --out DIR`` (contract, section 3).

The pipeline, one stage per module: find the submissions (``discover`` here) → load each one
(``load``) → run it in the sandbox and judge it (``grade``) → write ``DIR/<student>.json``, the
student's Markdown/HTML report (``report``) and, at the end, ``DIR/grades.csv`` and the summary
(``gradebook``). Every file is written atomically (temporary file + ``os.replace``), one student
at a time, so an interrupted batch (Ctrl-C) leaves only complete files; re-running it skips every
student whose JSON records the same submission (its SHA-256) and the same case set, unless
``force``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from autograder import defaults
from autograder.course import shard
from autograder.files import write_atomic
from autograder.loading.load import Submission, read_submission
from autograder.reports import classpage, classview, filenames, gradebook, paths, picture, report
from autograder.reports.filenames import readable_id
from autograder.reports.flags import escape_hatches
from autograder.reports.result import Finding, SubmissionResult, TestResult
from autograder.sandbox import Limits, Run, Sandbox
from autograder.sandbox.confine import can_confine
from autograder.spec import TEST_NAMES
from autograder.verdict.grade import judge_run, plan, shim_rerun, with_fresh
from autograder.verdict.sources import Sources

SUFFIXES = (".ipynb", ".py")
IGNORED_FOLDERS = {".ipynb_checkpoints", "__pycache__", ".git"}
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def discover(paths: list[Path]) -> tuple[dict[str, Path], list[str]]:
    """Student id -> submission file, and notes on what was ignored.

    nbgrader's ``submitted/<student>/<assignment>/<notebook>.ipynb`` gives the student folder as
    the id; anything else gives the file's stem. A student with several candidate files is graded
    on the notebook named after its assignment folder, else on the first notebook, else on the
    first ``.py`` file.
    """
    found: dict[str, list[Path]] = {}
    skipped: list[str] = []
    for path in map(Path, paths):
        for file in _files(path, skipped):
            found.setdefault(readable_id(_student_of(file, path)), []).append(file)
    found, notes = _separate_folders(found)
    notes = skipped + notes
    chosen = {}
    for student, files in sorted(found.items()):
        files = sorted(set(files), key=lambda f: (f.suffix != ".ipynb", f.stem != f.parent.name, f))
        chosen[student] = files[0]
        if len(files) > 1:
            notes.append(f"{student}: graded {files[0]}, ignored {len(files) - 1} other file(s).")
    return chosen, notes


def _separate_folders(found: dict[str, list[Path]]) -> tuple[dict[str, list[Path]], list[str]]:
    """Files that share a stem but sit in different folders are different students (a folder per
    student, as an LMS exports them): each is known by its folder's name instead, unless those
    names collide too, when the stem is kept and the note says which file was graded."""
    separated: dict[str, list[Path]] = {}
    notes = []
    for student, files in found.items():
        folders = {file.parent for file in files}
        names = {readable_id(folder.name) for folder in folders}
        if len(folders) > 1 and len(names) == len(folders) and not names & found.keys():
            for file in files:
                separated.setdefault(readable_id(file.parent.name), []).append(file)
            notes.append(
                f"{len(folders)} files named {student}.*: graded as {', '.join(sorted(names))} "
                "(their folders' names)."
            )
        else:
            separated.setdefault(student, []).extend(files)
    return separated, notes


def _files(path: Path, notes: list[str]) -> list[Path]:
    """The submission files under ``path``; a symbolic link, or a file that resolves outside the
    folder given, is skipped with a note (it could point at the solutions, another student's
    file or a credentials file)."""
    if path.is_symlink():
        notes.append(f"{path}: a symbolic link, not graded.")
        return []
    if path.is_file():
        return [path] if path.suffix in SUFFIXES else []
    submitted = path / "submitted"
    root = submitted if submitted.is_dir() else path
    inside = root.resolve()
    files = []
    for file in sorted(root.rglob("*")):
        relative = file.relative_to(root)
        if (
            file.suffix not in SUFFIXES
            or IGNORED_FOLDERS & set(relative.parts)
            or file.name.startswith(".")
        ):
            continue
        linked = any(
            (root / Path(*relative.parts[: i + 1])).is_symlink() for i in range(len(relative.parts))
        )
        if linked or not file.resolve().is_relative_to(inside):
            notes.append(f"{file}: a symbolic link, or outside {root}; not graded.")
        elif file.is_file():
            files.append(file)
    return files


def _student_of(file: Path, given: Path) -> str:
    parts = file.parts
    if "submitted" in parts[:-1]:
        index = len(parts) - 1 - parts[::-1].index("submitted")
        if index + 2 < len(parts):  # submitted/<student>/<assignment>/<file>
            return parts[index + 1]
    if given.is_dir() and given.parent.name == "submitted":
        return given.name
    return file.stem


def main(
    *,
    paths: list[Path],
    out: Path,
    formats: Sequence[str] = (),
    jobs: int = defaults.JOBS,
    force: bool = False,
    hidden: bool = True,
    timeout: float = defaults.TIMEOUT,
    memory_mb: int = defaults.MEMORY_MB,
    unconfined: bool = False,
    part: tuple[int, int] | None = None,
    budget: float = defaults.BUDGET,
) -> int:
    """Grade every submission under ``paths`` into ``out``; 0 when every one was graded. With
    ``part=(K, N)``, only the students of shard K of N (``autograder.course.shard``).

    Refuses (exit 3) where submissions cannot be confined to their files, unless ``unconfined``.
    """
    out = Path(out)
    if not unconfined and not can_confine():
        print(
            "Refusing to grade: this kernel has no Landlock, so submissions could read the "
            "solutions/ folder and other students' files. Grade on a Linux ≥ 5.13 machine with "
            "Landlock enabled, or pass --unconfined to grade anyway (every report then says so).",
            file=sys.stderr,
        )
        return 3
    students, notes = discover(paths)
    for note in notes:
        _say(note)
    if not students:
        print("No notebooks or .py files found.", file=sys.stderr)
        return 2
    sources = Sources.discover()  # the side, decided once for the whole batch
    if hidden and not _hidden_cases_available(sources):
        print(
            "Hidden cases need the instructor's solutions/ (or use --public-only).", file=sys.stderr
        )
        return 2
    planned, unavailable = plan(sources=sources, hidden=hidden)
    cases_key = _cases_key(planned)
    if part is not None:
        students = shard.select(students, part)
        shard.write_manifest(out, part, list(students), cases_key)
    results: dict[str, SubmissionResult] = {}
    todo = []
    for student, path in students.items():
        previous = None if force else _previous(out, student, path, cases_key)
        if previous is not None:
            results[student] = previous
        else:
            todo.append((student, path))
    if results:
        _say(
            f"Skipped {len(results)} of {len(students)} students: their submission and cases "
            "did not change since they were graded into this folder (--force grades them again)."
        )
    limits = Limits(timeout=timeout, memory_mb=memory_mb, budget=budget, unconfined=unconfined)
    sandbox = Sandbox(limits)
    failed = 0
    started = time.monotonic()
    try:
        with (
            _stopped_by_signals(),
            _progress(len(students), len(results)) as bar,
            ThreadPoolExecutor(max_workers=jobs or _cores()) as pool,
        ):
            # The workers load and run submissions in the sandbox; this thread judges and writes
            # each finished one meanwhile, so that every worker's next child is already running.
            futures = {}
            try:
                for student, path in todo:
                    job = (student, path, sandbox, planned, sources, hidden)
                    futures[pool.submit(_grade_one, *job)] = student
                for future in as_completed(futures):
                    student = futures[future]
                    try:
                        submission, tests, run = future.result()
                        judged: dict[str, Any] = {
                            "sources": sources,
                            "hidden": hidden,
                            "unavailable": unavailable,
                        }
                        result = judge_run(submission, run, tests, sandbox.limits, **judged)
                        again = shim_rerun(result, run, submission, sandbox, tests)
                        if again is not None:  # rare: my_adam sunk by a broken adam_step
                            run = again
                            result = judge_run(submission, run, tests, sandbox.limits, **judged)
                        result.flags = _flags(submission, run)
                        _write_student(out, result, submission, cases_key, run.paths, sources)
                        results[student] = result
                    except Exception as error:  # the grader's fault: said, and a row of zeros
                        failed += 1
                        _say(f"{student}: not graded ({error!r})")
                        results[student] = _not_graded(out, student, error)
                    # After every student, so that it always agrees with the JSON files.
                    _write_gradebook(results, out)
                    bar.update(1)
            except KeyboardInterrupt:
                sandbox.close()  # stop every child now: the workers return at once
                for future in futures:
                    future.cancel()
                raise
    except KeyboardInterrupt as stop:
        name = signal.Signals(getattr(stop, "signum", signal.SIGINT)).name
        print(f"Stopped by {name}: {len(results)} of {len(students)} graded.", file=sys.stderr)
        return 128 + getattr(stop, "signum", signal.SIGINT)
    finally:
        sandbox.close()
        _write_gradebook(results, out)
    ordered = [results[student] for student in sorted(results)]
    if "gradescope" in formats:
        _gradescope(ordered, out, time.monotonic() - started)
    classpage.conclude(out, classview.load(out, sorted(results)))
    return 0 if not failed and len(results) == len(students) else 1


class Stopped(KeyboardInterrupt):
    """The grader received SIGTERM or SIGHUP (its terminal closed): stop as on Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _stopped_by_signals():
    """SIGINT, SIGTERM and SIGHUP stop the batch, once: the sandbox is torn down (its children
    killed, its folders removed) before the grader exits. Only the main thread can do this."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        for number in STOP_SIGNALS:  # a second signal must not interrupt the tearing down
            signal.signal(number, signal.SIG_IGN)
        raise Stopped(signum)

    previous = {number: signal.signal(number, stop) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _grade_one(
    student: str, path: Path, sandbox: Sandbox, planned, sources: Sources, hidden: bool
) -> tuple[Submission, list, Run]:
    """Read one submission and run it in the sandbox (which parses it), on its fresh cases too;
    the caller judges the run."""
    submission = read_submission(path, student)
    tests = with_fresh(planned, submission.digest, sources) if hidden else planned
    return submission, tests, sandbox.run(submission, tests)


def _write_student(
    out: Path,
    result: SubmissionResult,
    submission: Submission,
    cases_key: str,
    walked: dict,
    sources: Sources,
) -> None:
    extras = {
        "files": filenames.files(result.student),
        "path": str(submission.path),
        "digest": submission.digest,
        "problems": submission.problems,
    }
    data = result.to_dict() | extras | {"cases": cases_key}
    # A picture for every failed test whose answer walks a surface: where it passes, the
    # student's path is the reference's.
    failed = {
        test.name: walked[test.name]
        for test in result.tests
        if not test.passed and test.name in walked
    }
    try:  # what the sandbox walked is untrusted data; a picture is never worth a lost row
        pictures = picture.pictures(failed, paths.reference_paths(sources))
    except Exception:
        pictures = {}
    report.write_reports(result, out, pictures=pictures, stem=filenames.stem(result.student))
    named = filenames.files(result.student)
    write_atomic(out / named["json"], json.dumps(data, indent=1) + "\n")


def _flags(submission: Submission, run: Run) -> list[str]:
    """The escape hatches of the file as stored and of the module text the sandbox decoded from
    it before any student code ran (escapes in a notebook's JSON, a declared encoding)."""
    found = escape_hatches(submission.raw.decode("utf-8", "replace"))
    found += escape_hatches(run.source or "")
    return list(dict.fromkeys(flag.split(" (line")[0] for flag in found).keys())


def _not_graded(out: Path, student: str, error: Exception) -> SubmissionResult:
    """Zeros for a student the grader failed on, written over any earlier result of theirs."""
    sentence = (
        f"The grader failed on this submission ({type(error).__name__}); ask your instructor."
    )
    result = SubmissionResult(
        student, [TestResult.zero(name, Finding("crash", sentence)) for name in TEST_NAMES]
    )
    with contextlib.suppress(Exception):
        named = filenames.files(student)
        write_atomic(out / named["json"], json.dumps(result.to_dict(), indent=1) + "\n")
    return result


def _previous(out: Path, student: str, path: Path, cases_key: str) -> SubmissionResult | None:
    """The stored result, if it graded this very file on these very cases."""
    try:
        data = json.loads((out / filenames.files(student)["json"]).read_text())
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        if data.get("digest") == digest and data.get("cases") == cases_key:
            return SubmissionResult.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def _write_gradebook(results: dict[str, SubmissionResult], out: Path) -> None:
    if results:
        gradebook.write_gradebook([results[s] for s in sorted(results)], out / "grades.csv")


def _say(text: str) -> None:
    """Tell the instructor, with student-controlled text (ids, paths) made inert."""
    print(report.safe_text(text), file=sys.stderr)


def _hidden_cases_available(sources: Sources) -> bool:
    try:
        return sources.module("hidden_cases") is not None
    except ImportError:
        return False


def _cases_key(planned) -> str:
    ids = [[test.name, [case.id for case in test.cases]] for test in planned]
    return hashlib.sha256(json.dumps(ids).encode()).hexdigest()[:16]


def _cores() -> int:
    return max(1, len(os.sched_getaffinity(0)))


def _progress(total: int, done: int):
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=done,
        unit="submission",
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
        dynamic_ncols=True,
    )


def _gradescope(results: list[SubmissionResult], out: Path, seconds: float) -> None:
    if len(results) != 1:
        print("--format gradescope writes one results.json: give one submission.", file=sys.stderr)
        return
    from autograder.reports import gradescope

    gradescope.write_results(results[0], out / "results.json", execution_time=seconds)
