"""One child of the sandbox, from its start to its end: the grader's half of the protocol.

``_Attempt.go`` forks a child (``child.main``) for the tests still to run, reads its messages
(``messages.Inbox``: whole frames, checked) in the order the child sends them (``AFTER``: any
other order is a tampered channel), gives every phase that runs student code its deadline within
the submission's ``Budget``, declares a deadline only once every waiting message is read, and
then says what the end of the child means for each test (``_settle``). ``supervisor.Sandbox``
runs attempts until every test has an answer.
"""

from __future__ import annotations

import itertools
import math
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder.checks import KINDS
from autograder.reports.result import Finding, printed
from autograder.sandbox import endings, messages, reading
from autograder.sandbox.child import PATHS_SECONDS, main
from autograder.sandbox.confine import MIB, can_change_uid, disk_used, remove_pids_cgroup
from autograder.sandbox.messages import Tampered
from autograder.spec import BY_NAME

if TYPE_CHECKING:
    from autograder.sandbox.supervisor import PlannedTest

UID_BASE = 1_500_000_000
_uids = itertools.count()
TORCH_NOISE = "Error in cpuinfo"
OUTPUT_TAIL = 600  # characters of the child's last output quoted in feedback
POLL_SECONDS = 1.0  # how often a waiting grader looks at the clock and the child's folder
PARTIAL_SECONDS = 0.5  # past a deadline, how long to wait for the rest of a message
GRACE_SECONDS = 2.0  # past the budget, how long a child may keep finishing a message
MIN_ATTEMPT = 1.0  # a child is started only with at least this much budget left
CHILD_NAME = "autograder-sandbox"


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


def uid_block() -> int:
    """The first uid of this grader process's block (10 000 uids, one per child in turn)."""
    return UID_BASE + (os.getpid() % 10_000) * 10_000


class _Attempt:
    """One child: reads its messages until it is done, dies or runs out of time.

    The child's messages must come in the order ``child`` sends them (each event is allowed in
    the phases listed in ``AFTER``); anything else is a tampered channel. Phases that run
    student code (or parse the file) get a fresh deadline, never past the submission's budget;
    no deadline is declared while a message from the child is waiting to be read.
    """

    def __init__(self, sandbox, submission, tests, skip, run, budget, shim: bool) -> None:
        self.sandbox, self.submission, self.tests = sandbox, submission, tests
        self.skip, self.run, self.budget = skip, run, budget
        self.shim = shim  # whether this child holds my_adam's adam_step shim (``kernels``)
        self.limits = sandbox.limits
        self.phase: tuple[str, Any] = ("setup", None)  # (kind, index/label or test name)
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
                }
                for test in self.tests
            ],
            "prepared": _prepared(self.tests),
            "shim": self.shim,
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
            if now >= self.budget.deadline + GRACE_SECONDS:  # past it, whatever it still sends
                self.killed = "budget"
                process.kill()
                return
            overdue = now >= self.deadline
            wait = 0.0 if overdue else min(self.deadline - now, POLL_SECONDS)
            if overdue and inbox.partial:
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
            self.run.failures[name] = endings.raised_finding(message["raised"])
        else:
            self.run.observations[name] = message["observations"]

    def _charge(self, wall: float) -> None:
        """Count the child's CPU time against the budget: as its supervisor measured it, or,
        when the grader killed it (its supervisor's word may be a forgery), its wall-clock time."""
        reported = self.exit.get("cpu") if self.exit and not self.killed else None
        self.budget.cpu_used += max(0.0, reported) if reported is not None else wall

    def _settle(self, exitcode, output: str) -> list[PlannedTest]:
        """Attribute how the child ended to its phase; the tests a fresh child must run."""
        finished = set(self.run.observations) | set(self.run.failures)
        pending = [test for test in self.tests if test.name not in finished]
        if self.done or not pending or self.run.tampered is not None or self.sandbox.closing:
            return pending
        if self.budget.cpu_left() < MIN_ATTEMPT and self.killed is None:
            self.killed = "budget"  # the child's CPU limit was what the submission had left
        # What it printed is quoted only where no student code had run; a crashed cell or test
        # leaves it out (the child already held every case, hidden ones included), or apart, for
        # the verdict to decide (``judges.stopped_policy``).
        said = endings.what_happened(self.killed, self.exit, exitcode, self.limits)
        what = said + printed(output)
        kind, where = self.phase
        if kind == "chunk":
            index, label = where
            self.skip.add(index)
            self.run.skipped.append(f"{label}: {said}; it was skipped.")
            return pending
        if kind == "test":
            if self.killed == "budget":
                self.run.failures[where] = Finding(
                    "timeout", self.sandbox._budget_text(before=False)
                )
            else:
                sentence = said[0].upper() + said[1:]
                ending = endings.kind(self.exit, self.killed)
                self.run.failures[where] = Finding(ending, sentence, None, {"output": output})
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


def _prepared(tests: list[PlannedTest]) -> dict[str, dict]:
    """By kind of check, what its ``prepare`` computes once for the grader (the step cases' random
    draws), so that no child computes it again: inputs only, never an expected value."""
    prepared: dict[str, dict] = {}
    for test in tests:
        kind = KINDS[BY_NAME[test.name].kind]
        if kind.prepare is not None:
            prepared.setdefault(kind.name, {}).update(kind.prepare(test.cases))
    return prepared


def _tail(path: Path) -> str:
    try:
        with open(path, "rb") as file:
            file.seek(max(0, file.seek(0, os.SEEK_END) - OUTPUT_TAIL))
            text = file.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    # torch's CPU detection complains that /proc is closed to it: not the student's output.
    return "".join(line for line in text.splitlines(True) if not line.startswith(TORCH_NOISE))
