"""The grader's side of the sandbox: start children, time them, read what they report.

``Sandbox.run(submission, plan)`` runs every test of ``plan`` on one submission and returns a
``Run``: per test, either the observations (plain data, still to be judged) or a ``Finding`` saying
why there are none (a crash, a timeout, an exit, too much output ...). When the child dies or hangs
in test *k*, test *k* gets that finding and a fresh child continues with the tests after it; when
it dies or hangs while a chunk of the submission is being loaded, a fresh child skips that chunk.

Children are forked from a ``multiprocessing`` fork server that preloaded torch
(``sandbox.preload``): the job goes in pickled (grader → child), everything comes back as JSON.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import multiprocessing.spawn
import os
import shutil
import signal
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import forkserver
from ..checks import KINDS
from ..load import Submission
from ..result import Finding
from ..spec import BY_NAME
from . import wire
from .child import MAX_MESSAGE, PATHS_SECONDS, main
from .confine import MIB, Limits, remove_pids_cgroup

# Uids of sandboxed children: a block of its own per grader process, one uid per child.
UID_BASE = 1_500_000_000
_uids = itertools.count()
TORCH_NOISE = "Error in cpuinfo"
OUTPUT_TAIL = 600  # characters of the child's last output quoted in feedback


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
    load_errors: list[str] = field(default_factory=list)
    load_patched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    protections: list[str] = field(default_factory=list)
    seconds: float = 0.0
    paths: dict = field(default_factory=dict)  # the report pictures' paths (untrusted data)


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
        self._scratch = Path(tempfile.mkdtemp(prefix="autograder-sandbox-"))
        os.chmod(self._scratch, 0o711)  # children may enter their own folder, not list others

    def close(self) -> None:
        """Remove the children's folders and any pids cgroup whose removal had to wait."""
        shutil.rmtree(self._scratch, ignore_errors=True)
        for base in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")):
            for group in base.glob(f"autograder-{uid_block() // 10_000}*"):
                remove_pids_cgroup(group.name)

    def run(self, submission: Submission, plan: list[PlannedTest]) -> Run:
        """Run every test of ``plan``; never raises because of the submission."""
        started = time.monotonic()
        run, skip = Run(), set()
        for shim in (False, True):  # the tests without the adam_step shim, then those with it
            remaining = [test for test in plan if _needs_shim(test) == shim]
            for _ in range(len(remaining) + len(submission.chunks) + 2):  # a retry consumes one
                if not remaining:
                    break
                remaining = _Attempt(self, submission, remaining, skip, run, shim).go()
            for test in remaining:
                run.failures[test.name] = Finding("crash", "The sandbox gave up on this.")
        run.seconds = time.monotonic() - started
        return run


def _needs_shim(test: PlannedTest) -> bool:
    """Whether ``test`` runs with ``my_adam``'s ``adam_step`` shim, a correct Adam: in a child of
    its own, so that no child that grades a step function holds a correct Adam (``kernels``)."""
    return BY_NAME[test.name].kind == "my_adam"


def uid_block() -> int:
    """The first uid of this grader process's block (10 000 uids, one per child in turn)."""
    return UID_BASE + (os.getpid() % 10_000) * 10_000


class _Attempt:
    """One child: reads its messages until it is done, dies or runs out of time."""

    def __init__(self, sandbox, submission, tests, skip, run, shim: bool) -> None:
        self.sandbox, self.submission, self.tests, self.skip, self.run = (
            sandbox,
            submission,
            tests,
            skip,
            run,
        )
        self.shim = shim
        self.timeout = sandbox.limits.timeout
        self.phase = ("setup", None)  # ("setup"|"chunk"|"test", index or name)
        self.exit: dict | None = None
        self.done = False
        self.killed = False

    def go(self) -> list[PlannedTest]:
        """Run the child; the tests still to run afterwards."""
        uid = uid_block() + next(_uids) % 10_000
        private = Path(tempfile.mkdtemp(dir=self.sandbox._scratch))
        if os.geteuid() == 0:
            os.chown(private, uid, uid)
        reader, writer = self.sandbox._context.Pipe(duplex=False)
        process = self.sandbox._context.Process(
            target=main, args=(self._job(uid, private), writer), name=CHILD_NAME, daemon=True
        )
        try:
            process.start()
            writer.close()
            self._read(reader, process)
        finally:
            if process.is_alive():
                process.kill()
            process.join()
            reader.close()
            output = _tail(private / "output.txt")
            shutil.rmtree(private, ignore_errors=True)
            remove_pids_cgroup(f"autograder-{uid}")  # its supervisor may have been killed
        return self._settle(process.exitcode, output)

    def _job(self, uid: int, private: Path) -> dict:
        return {
            "chunks": [(chunk.label, chunk.code) for chunk in self.submission.chunks],
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
            "limits": asdict(self.sandbox.limits),
            "uid": uid,
            "tmp": str(private),
            "shim": self.shim,
        }

    def _read(self, reader, process) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.killed = True
                process.kill()
                return
            if not reader.poll(min(left, 1.0)):
                continue
            try:
                message = json.loads(reader.recv_bytes(MAX_MESSAGE), object_hook=wire.unpack_object)
            except EOFError:
                return
            except (OSError, ValueError, RecursionError):  # too long, not JSON, too deep: tampered
                self.exit = {"tampered": True}
                process.kill()
                return
            if self._handle(message):
                deadline = time.monotonic() + (
                    PATHS_SECONDS if self.phase[0] == "paths" else self.timeout
                )

    def _handle(self, message: dict) -> bool:
        """Record one message; True when a new phase (with a fresh deadline) begins."""
        if not isinstance(message, dict):
            return False
        event = message.get("event")
        run = self.run
        if event == "ready":
            run.protections = [str(item) for item in message.get("protections", [])]
        elif event == "setup_failed":
            run.notes.append(f"The sandbox could not start: {message.get('error')}")
        elif event == "chunk":
            self.phase = ("chunk", message.get("index"))
            return True
        elif event == "loaded":
            run.load_errors = [str(error) for error in message.get("errors", [])][:50]
            run.load_patched = [str(name) for name in message.get("patched", [])][:20]
            self.phase = ("loaded", None)
        elif event == "test" and self._expected_test() == message.get("name"):
            self.phase = ("test", message["name"])
            return True
        elif event == "result" and self.phase == ("test", message.get("name")):
            self._record(message)
            self.phase = ("between", None)
        elif event == "paths" and self._expected_test() is None:
            self.phase = ("paths", None)
            return True
        elif event == "paths_result" and self.phase[0] == "paths":
            walked = message.get("paths")
            self.run.paths = walked if isinstance(walked, dict) else {}
        elif event == "done":
            self.done = True
        elif event == "exit":
            self.exit = message
        return False

    def _expected_test(self) -> str | None:
        finished = set(self.run.observations) | set(self.run.failures)
        pending = [test.name for test in self.tests if test.name not in finished]
        return pending[0] if pending else None

    def _record(self, message: dict) -> None:
        name = message["name"]
        self.run.patched[name] = [str(item) for item in message.get("patched", [])][:20]
        if "too_large" in message:
            self.run.failures[name] = Finding(
                "invalid",
                f"What your code produced in this test was too large to report "
                f"({message['too_large'] // MIB} MiB).",
            )
        elif "raised" in message:
            raised = message["raised"] if isinstance(message["raised"], dict) else {}
            self.run.failures[name] = _raised_finding(raised)
        else:
            self.run.observations[name] = message.get("observations")

    def _settle(self, exitcode, output: str) -> list[PlannedTest]:
        """Attribute how the child ended to its phase; the tests a fresh child must run."""
        finished = set(self.run.observations) | set(self.run.failures)
        pending = [test for test in self.tests if test.name not in finished]
        if self.done or not pending:
            return pending
        what = self._what_happened(exitcode, output)
        kind, where = self.phase
        if kind == "chunk" and isinstance(where, int) and where < len(self.submission.chunks):
            label = self.submission.chunks[where].label
            self.skip.add(where)
            self.run.load_errors.append(f"{label}: {what}; it was skipped.")
            return pending
        if kind == "test":
            sentence = what[0].upper() + what[1:]
            self.run.failures[where] = Finding(_kind(self.exit, self.killed), sentence)
            return [test for test in pending if test.name != where]
        if kind == "setup" or not self.run.protections:
            reason = self.run.notes[-1] if self.run.notes else what
            for test in pending:
                self.run.failures[test.name] = Finding("crash", f"Not graded: {reason}.")
            return []
        # Between tests (grader code only): retry the rest once more with a fresh child.
        self.run.notes.append(f"The sandboxed process ended between tests: {what}.")
        return pending

    def _what_happened(self, exitcode, output: str) -> str:
        limits = self.sandbox.limits
        if self.killed:
            what = (
                f"your code was still running after {limits.timeout:g} s and was stopped "
                "(an infinite loop, or waiting forever?)"
            )
        elif self.exit and self.exit.get("tampered"):
            what = "your code wrote into the grader's channel; the process was stopped"
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


def _kind(exit: dict | None, killed: bool) -> str:
    if killed:
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
    kind = raised.get("type", "an exception")
    if kind == "SystemExit":
        message = (
            "Your code called `sys.exit()` or `exit()` while it was graded: do not stop the "
            "interpreter in your answers."
        )
    else:
        message = (
            f"Your code raised {kind} outside the checked calls: {raised.get('message', '')}\n"
            f"{raised.get('traceback', '')}".rstrip()
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
