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
import itertools
import math
import multiprocessing
import multiprocessing.spawn
import os
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import forkserver
from ..checks import KINDS
from ..load import Submission
from ..result import Finding
from ..spec import BY_NAME
from . import cleanup, messages, reading
from .child import PATHS_SECONDS, main
from .confine import MIB, Limits, can_change_uid, disk_used, remove_pids_cgroup
from .messages import Tampered

# Uids of sandboxed children: a block of its own per grader process, one uid per child.
UID_BASE = 1_500_000_000
_uids = itertools.count()
TORCH_NOISE = "Error in cpuinfo"
OUTPUT_TAIL = 600  # characters of the child's last output quoted in feedback
POLL_SECONDS = 1.0  # how often a waiting grader looks at the clock and the child's folder
PARTIAL_SECONDS = 0.5  # past a deadline, how long to wait for the rest of a message
GRACE_SECONDS = 2.0  # past the budget, how long a child may keep finishing a message
MIN_ATTEMPT = 1.0  # a child is started only with at least this much budget left


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


@dataclass
class Budget:
    """What one submission may still use: wall-clock seconds (from its first child) and CPU
    seconds (its children's own, as their supervisors measure them)."""

    seconds: float
    deadline: float = math.inf
    cpu_used: float = 0.0

    def start(self) -> None:
        """Start the clock (when the first child runs: not while the fork server starts)."""
        if self.deadline == math.inf:
            self.deadline = time.monotonic() + self.seconds

    def cpu_left(self) -> float:
        return self.seconds - self.cpu_used

    def spent(self) -> bool:
        return self.cpu_left() < MIN_ATTEMPT or self.deadline - time.monotonic() < MIN_ATTEMPT


CHILD_NAME = "autograder-sandbox"


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

    def run(self, submission: Submission, plan: list[PlannedTest]) -> Run:
        """Run every test of ``plan`` on ``submission`` as read (``load.read_submission``: the
        child parses it, and its problems join ``submission.problems``); never raises because
        of the submission."""
        started = time.monotonic()
        run = Run()
        budget = Budget(self.limits.submission_seconds)
        remaining, skip = list(plan), set()
        attempts = 0
        while remaining and run.tampered is None and not self.closing:
            if budget.spent():
                for test in remaining:
                    run.failures[test.name] = Finding("timeout", self._budget_text(before=True))
                break
            if attempts > len(plan) + run.parsed_chunks + 2:  # every retry consumes one
                for test in remaining:
                    run.failures[test.name] = Finding(
                        "crash", "The sandbox gave up on this submission."
                    )
                break
            attempts += 1
            remaining = _Attempt(self, submission, remaining, skip, run, budget).go()
        for test in remaining if self.closing else []:
            run.failures[test.name] = Finding("crash", "Not graded: the grader was stopped.")
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


def uid_block() -> int:
    """The first uid of this grader process's block (10 000 uids, one per child in turn)."""
    return UID_BASE + (os.getpid() % 10_000) * 10_000


def _cgroup_prefix() -> str:
    """What the names of this grader's pids cgroups start with (``autograder-<uid>``)."""
    return f"autograder-{uid_block() // 10_000}"


class _Attempt:
    """One child: reads its messages until it is done, dies or runs out of time.

    The child's messages must come in the order ``child`` sends them (each event is allowed in
    the phases listed in ``AFTER``); anything else is a tampered channel. Phases that run
    student code (or parse the file) get a fresh deadline, never past the submission's budget;
    no deadline is declared while a message from the child is waiting to be read.
    """

    def __init__(self, sandbox, submission, tests, skip, run, budget) -> None:
        self.sandbox, self.submission, self.tests = sandbox, submission, tests
        self.skip, self.run, self.budget = skip, run, budget
        self.limits = sandbox.limits
        self.phase = ("setup", None)  # (kind, index/label or test name)
        self.deadline = math.inf
        self.exit: dict | None = None
        self.done = False
        self.killed: str | None = None  # "timeout", "budget" or a disk sentence
        self.chunks, self.last_chunk = 0, -1
        self.source_seen = 0
        self.first_parse = False

    def go(self) -> list[PlannedTest]:
        """Run the child; the tests still to run afterwards."""
        uid = uid_block() + next(_uids) % 10_000
        private = Path(tempfile.mkdtemp(dir=self.sandbox._scratch.path))
        work = private / "work"
        work.mkdir(mode=0o700)
        if os.geteuid() == 0 and can_change_uid():
            for folder in (private, work):
                os.chown(folder, uid, uid)
        reader, writer = self.sandbox._context.Pipe(duplex=False)
        job = self._job(uid, private, work)
        process = self.sandbox._context.Process(
            target=main, args=(job, writer), name=CHILD_NAME, daemon=True
        )
        started = time.monotonic()
        try:
            process.start()
            writer.close()
            if self.sandbox._register(process):
                self._read(reader, process, work)
        finally:
            if process.is_alive():
                process.kill()
            process.join()
            self.sandbox._unregister(process)
            reader.close()
            output = _tail(private / "output.txt")
            shutil.rmtree(private, ignore_errors=True)
            remove_pids_cgroup(f"autograder-{uid}")  # its supervisor may have been killed
        self._charge(time.monotonic() - started)
        return self._settle(process.exitcode, output)

    def _job(self, uid: int, private: Path, work: Path) -> dict:
        return {
            "file": self.submission.path.name,
            "raw": self.submission.raw,
            "skip": sorted(self.skip),
            "tests": [
                {
                    "name": test.name,
                    "cases": [case.to_dict() for case in test.cases],
                    "case_class": _class_path(test.cases),
                }
                for test in self.tests
            ],
            "prepared": _prepared(self.tests),
            "limits": asdict(self.limits) | {"budget": max(self.budget.cpu_left(), MIN_ATTEMPT)},
            "uid": uid,
            "tmp": str(work),
            "output": str(private / "output.txt"),
        }

    def _read(self, connection, process, work: Path) -> None:
        inbox = messages.Inbox(connection)
        self.budget.start()
        self._enter("setup", None, self.limits.timeout)
        while True:
            try:
                while (message := inbox.take()) is not None:  # every complete message first
                    self._handle(message)
            except Exception as error:  # a wrong message, or one the grader cannot handle
                self.run.tampered = str(error) if isinstance(error, Tampered) else repr(error)
                process.kill()
                return
            if inbox.closed:
                return
            now = time.monotonic()
            overdue = now >= self.deadline
            wait = 0.0 if overdue else min(self.deadline - now, POLL_SECONDS)
            if overdue and inbox.partial and now < self.budget.deadline + GRACE_SECONDS:
                wait = PARTIAL_SECONDS  # the rest of a message the child is writing
            if connection.poll(wait):
                inbox.feed()
                continue
            if overdue:
                self.killed = "budget" if self.deadline >= self.budget.deadline else "timeout"
                process.kill()
                return
            self.killed = disk_used(work, self.limits)
            if self.killed:
                process.kill()
                return

    def _handle(self, message: dict) -> None:
        """Record one checked message (``messages.check``), in the order the child sends them."""
        event = message["event"]
        if self.exit is not None:
            raise Tampered(f"{event!r} after the supervisor's last word")
        allowed = AFTER[event]
        if allowed is not None and self.phase[0] not in allowed:
            raise Tampered(f"{event!r} out of order")
        getattr(self, "_on_" + event)(message)

    def _enter(self, kind: str, where, seconds: float | None) -> None:
        self.phase = (kind, where)
        if seconds is not None:
            self.deadline = min(time.monotonic() + seconds, self.budget.deadline)

    def _on_ready(self, message: dict) -> None:
        self.run.protections = message.get("protections", [])[:50]
        self._enter("parse", None, self.limits.timeout)

    def _on_setup_failed(self, message: dict) -> None:
        self.run.notes.append(f"The sandbox could not start: {message.get('error', '')[:500]}")

    def _on_parsed(self, message: dict) -> None:
        self.chunks = message.get("chunks", 0)
        self.first_parse = not self.run.parsed  # a fresh child parses again: report it once
        self.run.parsed = True
        if self.first_parse:
            problems = message.get("problems", [])[: reading.MAX_PROBLEMS + 1]
            self.submission.problems.extend(problems)
            self.run.parsed_chunks = self.chunks
        self._enter("parsed", None, None)

    def _on_source(self, message: dict) -> None:
        text = message.get("text", "")
        self.source_seen += len(text)
        if self.source_seen > reading.MAX_SOURCE:
            raise Tampered("more source than the file holds")
        if self.first_parse:
            self.run.source += text

    def _on_chunk(self, message: dict) -> None:
        index = message.get("index", -1)
        if not self.last_chunk < index < self.chunks or index in self.skip:
            raise Tampered("a chunk out of order")
        self.last_chunk = index
        self._enter("chunk", (index, message.get("label", "")[:200]), self.limits.timeout)

    def _on_loaded(self, message: dict) -> None:
        self.run.exec_errors = message.get("errors", [])[:50]
        self.run.load_patched = message.get("patched", [])[:20]
        self._enter("loaded", None, None)

    def _on_test(self, message: dict) -> None:
        if message.get("name") != self._expected_test():
            raise Tampered("a test out of order")
        self._enter("test", message["name"], self.limits.timeout)

    def _on_result(self, message: dict) -> None:
        if message.get("name") != self.phase[1]:
            raise Tampered("a result for another test")
        self._record(message)
        self._enter("between", None, None)

    def _on_paths(self, message: dict) -> None:
        if self._expected_test() is not None:
            raise Tampered("paths before the last test")
        self._enter("paths", None, PATHS_SECONDS)

    def _on_paths_result(self, message: dict) -> None:
        self.run.paths = message.get("paths", {})
        self._enter("paths_done", None, None)

    def _on_done(self, message: dict) -> None:
        self.done = True

    def _on_exit(self, message: dict) -> None:
        self.exit = message

    def _expected_test(self) -> str | None:
        finished = set(self.run.observations) | set(self.run.failures)
        pending = [test.name for test in self.tests if test.name not in finished]
        return pending[0] if pending else None

    def _record(self, message: dict) -> None:
        name = message["name"]
        self.run.patched[name] = message.get("patched", [])[:20]
        if "too_large" in message:
            self.run.failures[name] = Finding(
                "invalid",
                f"What your code produced in this test was too large to report "
                f"({message['too_large'] // MIB} MiB).",
            )
        elif "raised" in message:
            self.run.failures[name] = _raised_finding(message["raised"])
        else:
            self.run.observations[name] = message["observations"]

    def _charge(self, wall: float) -> None:
        """Count the child's CPU time against the budget: as its supervisor measured it, or,
        when the supervisor did not report (killed), the child's wall-clock time."""
        reported = self.exit.get("cpu") if self.exit else None
        self.budget.cpu_used += reported if reported is not None else wall

    def _settle(self, exitcode, output: str) -> list[PlannedTest]:
        """Attribute how the child ended to its phase; the tests a fresh child must run."""
        finished = set(self.run.observations) | set(self.run.failures)
        pending = [test for test in self.tests if test.name not in finished]
        if self.done or not pending or self.run.tampered is not None or self.sandbox.closing:
            return pending
        if self.budget.cpu_left() < MIN_ATTEMPT and self.killed is None:
            self.killed = "budget"  # the child's CPU limit was what the submission had left
        what = self._what_happened(exitcode, output)
        kind, where = self.phase
        if kind == "chunk":
            index, label = where
            self.skip.add(index)
            self.run.skipped.append(f"{label}: {what}; it was skipped.")
            return pending
        if kind == "test":
            if self.killed == "budget":
                self.run.failures[where] = Finding(
                    "timeout", self.sandbox._budget_text(before=False)
                )
            else:
                sentence = what[0].upper() + what[1:]
                self.run.failures[where] = Finding(_kind(self.exit, self.killed), sentence)
            return [test for test in pending if test.name != where]
        if kind in ("setup", "parse") or not self.run.protections:
            reason = self.run.notes[-1] if self.run.notes else what
            if kind == "parse":
                reason = f"reading your file in the sandbox failed: {what}"
            for test in pending:
                self.run.failures[test.name] = Finding("crash", f"Not graded: {reason}.")
            return []
        # Between tests (grader code only): retry the rest once more with a fresh child.
        self.run.notes.append(f"The sandboxed process ended between tests: {what}.")
        return pending

    def _what_happened(self, exitcode, output: str) -> str:
        limits = self.limits
        if self.killed == "budget":
            what = (
                f"the time allowed for your whole submission ({limits.submission_seconds:g} s) "
                "ran out and it was stopped"
            )
        elif self.killed == "timeout":
            what = (
                f"your code was still running after {limits.timeout:g} s and was stopped "
                "(an infinite loop, or waiting forever?)"
            )
        elif self.killed:
            what = f"your code wrote {self.killed} into its folder and was stopped"
        elif self.exit and self.exit.get("signal"):
            what = _signal_text(int(self.exit["signal"]), limits)
        elif self.exit is not None:
            code = self.exit.get("code")
            what = (
                f"your code ended the Python process (exit status {code}): do not call "
                "`sys.exit()`, `exit()` or `os._exit()` in your answers"
            )
        else:
            what = f"the sandboxed process died unexpectedly (exit code {exitcode})"
        if output.strip():
            what += f". The last thing it printed:\n{output}"
        return what


# The phases each event may come in (None: any); see ``child``'s docstring for the order.
AFTER: dict[str, tuple[str, ...] | None] = {
    "ready": ("setup",),
    "setup_failed": ("setup",),
    "parsed": ("parse",),
    "source": ("parsed",),
    "chunk": ("parsed", "chunk"),
    "loaded": ("parsed", "chunk"),
    "test": ("loaded", "between"),
    "result": ("test",),
    "paths": ("loaded", "between"),
    "paths_result": ("paths",),
    "done": ("paths", "paths_done"),
    "exit": None,
}


def _kind(exit: dict | None, killed: str | None) -> str:
    if killed in ("timeout", "budget"):
        return "timeout"
    if exit and exit.get("signal") in (signal.SIGXCPU,):
        return "timeout"
    return "crash"


def _signal_text(number: int, limits: Limits) -> str:
    if number == signal.SIGXCPU:
        return f"your code used more than {limits.timeout:g} s of CPU time and was stopped"
    if number == signal.SIGXFSZ:
        return (
            f"your code wrote more than {limits.output_bytes // MIB} MiB (printed output or "
            "files) and was stopped"
        )
    if number == signal.SIGKILL:
        return "the process was killed (out of memory?)"
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = f"signal {number}"
    described = {
        "SIGSEGV": "a segmentation fault",
        "SIGBUS": "a bus error",
        "SIGFPE": "a floating-point exception",
        "SIGILL": "an illegal instruction",
        "SIGABRT": "an abort",
    }.get(name, name)
    return f"the Python process crashed with {described} ({name}) while running your code"


def _raised_finding(raised: dict) -> Finding:
    kind = raised["type"]
    if kind == "SystemExit":
        message = (
            "Your code called `sys.exit()` or `exit()` while it was graded: do not stop the "
            "interpreter in your answers."
        )
    else:
        message = (
            f"Your code raised {kind} outside the checked calls: {raised['message']}\n"
            f"{raised['traceback']}".rstrip()
        )
    return Finding("error", message, None, raised)


def _prepared(tests: list[PlannedTest]) -> dict[str, dict]:
    """By kind of check, what its ``prepare`` computes once for the grader (the step cases' random
    draws), so that no child computes it again: inputs only, never an expected value."""
    prepared: dict[str, dict] = {}
    for test in tests:
        kind = KINDS[BY_NAME[test.name].kind]
        if hasattr(kind, "prepare"):
            prepared.setdefault(kind.KIND, {}).update(kind.prepare(test.cases))
    return prepared


def _class_path(cases: list) -> str:
    cls = type(cases[0]) if cases else object
    return f"{cls.__module__}:{cls.__qualname__}"


def _tail(path: Path) -> str:
    try:
        with open(path, "rb") as file:
            file.seek(max(0, file.seek(0, os.SEEK_END) - OUTPUT_TAIL))
            text = file.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    # torch's CPU detection complains that /proc is closed to it: not the student's output.
    return "".join(line for line in text.splitlines(True) if not line.startswith(TORCH_NOISE))
