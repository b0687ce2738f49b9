"""The grader's side of the sandbox: start children, time them, read what they report.

``Sandbox.run(submission, plan)`` runs every test of ``plan`` on one submission and returns a
``Run``: per test, either the observations (plain data, still to be judged) or a ``Finding`` saying
why there are none (a crash, a timeout, an exit, too much output, too much disk ...). The child
parses the submission's bytes itself (``reading``): no student file is parsed in the grader's
process. When the child dies or hangs in test *k*, test *k* gets that finding and a fresh child
continues with the tests after it; when it dies or hangs while a chunk of the submission is being
loaded, a fresh child skips that chunk.

Time: every phase that runs student code (or parses the file) has ``Limits.timeout`` seconds of
wall-clock and CPU time, and the whole submission — loading, every test, every retry — has one
``Budget`` (``Limits.submission_seconds``) of each; a test it cuts short, and every test after it,
scores 0 saying so. The child's CPU time is the kernel's count (``RLIMIT_CPU`` in the child, its
supervisor's ``wait4``), never the grader's clock; a wall-clock deadline is declared only once
every message the child sent has been read, so a grader that was busy elsewhere costs nobody a
test. The messages themselves are checked whole (``messages``): one that does not fit, or that
the grader fails to handle, is a tampered channel, and the whole submission scores 0 saying so.

Children are forked from a ``multiprocessing`` fork server that preloaded torch
(``sandbox.preload``): the job goes in pickled (grader → child), everything comes back as JSON.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.spawn
import threading
import time
from dataclasses import dataclass, field

from autograder.loading.load import Submission
from autograder.reports.result import Finding
from autograder.sandbox import cleanup, forkserver
from autograder.sandbox.attempt import CHILD_NAME, UID_BASE, Budget, _Attempt, uid_block
from autograder.sandbox.confine import Limits, remove_pids_cgroup
from autograder.spec import BY_NAME

__all__ = ["UID_BASE", "PlannedTest", "Run", "Sandbox", "uid_block"]


@dataclass
class PlannedTest:
    """A test to run: its name and its cases (case objects of ``autograder.checks``)."""

    name: str
    cases: list


@dataclass
class Run:
    """What happened to one submission in the sandbox."""

    observations: dict[str, list] = field(default_factory=dict)
    failures: dict[str, Finding] = field(default_factory=dict)
    patched: dict[str, list[str]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # chunks a child died in
    exec_errors: list[str] = field(default_factory=list)  # chunks that raised
    load_patched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    protections: list[str] = field(default_factory=list)
    seconds: float = 0.0
    paths: dict = field(default_factory=dict)  # the report pictures' paths (untrusted data)
    source: str = ""  # the module text the child parsed
    parsed: bool = False
    parsed_chunks: int = 0
    tampered: str | None = None

    @property
    def load_errors(self) -> list[str]:
        """What went wrong while the chunks ran (parsing problems join ``Submission.problems``)."""
        return self.skipped + self.exec_errors


def _preparation_data(name: str) -> dict:
    """``multiprocessing``'s start-up data, minus re-importing the grader's ``__main__``.

    By default every child re-runs the main script (a benchmark, a notebook's kernel, stdin) as
    ``__mp_main__``: slow at best, impossible at worst, and none of its business.
    """
    data = _spawn_preparation_data(name)
    if name.startswith(CHILD_NAME):
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
    return data


_spawn_preparation_data = multiprocessing.spawn.get_preparation_data
multiprocessing.spawn.get_preparation_data = _preparation_data


class Sandbox:
    """Runs submissions in confined children forked from a warm fork server."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._context = forkserver.context()
        self._scratch = cleanup.Scratch(cgroup_prefix=_cgroup_prefix())
        self._live: set = set()
        self._lock = threading.Lock()
        self.closing = False

    def close(self) -> None:
        """Stop every child still running, remove their folders and any pids cgroup whose
        removal had to wait. Safe from any thread, and more than once."""
        with self._lock:
            self.closing = True
            live = list(self._live)
        for process in live:
            with contextlib.suppress(OSError, ValueError):
                process.kill()
        for process in live:
            with contextlib.suppress(OSError, ValueError, AssertionError):
                process.join(5)
        self._scratch.close()
        for base in cleanup.CGROUP_BASES:
            for group in base.glob(_cgroup_prefix() + "*"):
                remove_pids_cgroup(group.name)

    def run(self, submission: Submission, plan: list[PlannedTest], *, shim: bool = False) -> Run:
        """Run every test of ``plan`` on ``submission`` as read (``load.read_submission``: the
        child parses it, and its problems join ``submission.problems``); never raises because
        of the submission. ``shim``: the children hold my_adam's ``adam_step`` shim, a correct
        Adam, so ``plan`` may hold nothing but ``my_adam`` (``kernels``)."""
        if shim and any(not _needs_shim(test) for test in plan):
            raise ValueError("only my_adam may run beside the adam_step shim")
        started = time.monotonic()
        run = Run()
        budget = Budget(self.limits.submission_seconds)
        self._run_group(submission, list(plan), set(), run, budget, shim)
        if run.tampered is not None:
            run.observations.clear()
            sentence = (
                f"Your code wrote into the grader's channel ({run.tampered}): the whole "
                "submission scores 0."
            )
            for test in plan:
                run.failures[test.name] = Finding("forbidden", sentence)
        run.seconds = time.monotonic() - started
        return run

    def _run_group(self, submission, remaining, skip, run: Run, budget, shim: bool) -> None:
        """Run ``remaining`` in one child after another (a fresh one after a crash or hang)."""
        attempts = 0
        while remaining and run.tampered is None and not self.closing:
            if budget.spent():
                for test in remaining:
                    run.failures[test.name] = Finding("timeout", self._budget_text(before=True))
                return
            if attempts > len(remaining) + run.parsed_chunks + 2:  # every retry consumes one
                for test in remaining:
                    run.failures[test.name] = Finding(
                        "crash", "The sandbox gave up on this submission."
                    )
                return
            attempts += 1
            remaining = _Attempt(self, submission, remaining, skip, run, budget, shim).go()
        for test in remaining if self.closing else []:
            run.failures[test.name] = Finding("crash", "Not graded: the grader was stopped.")

    def _budget_text(self, *, before: bool) -> str:
        seconds = self.limits.submission_seconds
        when = "before this test ran" if before else "during this test"
        return (
            f"Not graded: the time allowed for your whole submission ({seconds:g} s, for reading "
            f"your file and every test together) ran out {when}."
        )

    def _register(self, process) -> bool:
        """Track a running child; False when the sandbox is closing (and the child was killed)."""
        with self._lock:
            self._live.add(process)
            if not self.closing:
                return True
        process.kill()
        return False

    def _unregister(self, process) -> None:
        with self._lock:
            self._live.discard(process)


def _needs_shim(test: PlannedTest) -> bool:
    """Whether ``test`` may run with ``my_adam``'s ``adam_step`` shim, a correct Adam: in a child
    of its own, so that no child that grades a step function holds a correct Adam (``kernels``)."""
    return BY_NAME[test.name].kind == "my_adam"


def _cgroup_prefix() -> str:
    """What the names of this grader's pids cgroups start with (``autograder-<uid>``)."""
    return f"autograder-{uid_block() // 10_000}"
