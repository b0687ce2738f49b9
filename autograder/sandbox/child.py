"""The sandboxed side: two processes per attempt, forked from the fork server.

The *supervisor* (``main``, trusted, keeps the fork server's identity) enters new namespaces, forks
the *guest*, waits for it and reports how it ended. The *guest* confines itself (``confine``),
executes the submission's chunks one by one, then runs the tests one after the other, streaming
each observation back as one JSON message (``Channel``): no pickle ever crosses from here to the
grader, and nothing here knows an expected value. Messages, in order::

    {"event": "ready", "protections": [...]}
    {"event": "parsed", ...}, {"event": "source", ...}   the submission, parsed here (``reading``)
    {"event": "chunk", "index": i, "label": l}     before executing chunk i
    {"event": "loaded", "errors": [...], "patched": [...]}
    {"event": "test", "name": n}                   before running test n
    {"event": "result", "name": n, "observations": [...], "patched": [...]}
                                                   (or "raised": {...} instead of observations)
    {"event": "paths"}                             before walking the report pictures' paths
    {"event": "paths_result", "paths": {...}}      (autograder.reports.paths; never part of a score)
    {"event": "done"}
    {"event": "exit", "code": c, "signal": s, "cpu": t}   from the supervisor, once the guest is
                                                   gone (t: the guest's CPU seconds)
"""

from __future__ import annotations

import builtins
import contextlib
import json
import math
import os
import sys

from autograder.checks import KINDS, optimizers, tripwire
from autograder.checks.common import describe_error
from autograder.loading.load import exec_chunk
from autograder.reports import paths
from autograder.sandbox import confine, kernels, reading, wire
from autograder.spec import BY_NAME
from autograder.verdict import engine

MAX_MESSAGE = 4 << 20  # bytes of one message; the grader refuses longer ones
PATHS_SECONDS = 3.0  # CPU and wall time for walking the report pictures' paths


class Channel:
    """JSON messages to the grader over a one-way pipe (a ``multiprocessing`` connection), the
    bulk of their floats packed as binary (``wire``)."""

    def __init__(self, conn) -> None:
        self._conn = conn
        self._dumps = json.JSONEncoder(allow_nan=True).encode

    def fileno(self) -> int:
        return self._conn.fileno()

    def send(self, message: dict) -> None:
        data = self._dumps(wire.pack(message)).encode()
        if len(data) > MAX_MESSAGE:
            data = self._dumps({**_head(message), "too_large": len(data)}).encode()
        self._conn.send_bytes(data)


def _head(message: dict) -> dict:
    return {key: message[key] for key in ("event", "name") if key in message}


def main(job: dict, conn) -> None:
    """The supervisor: namespaces, fork the guest, wait, report how it ended. Never returns."""
    channel = Channel(conn)
    code, sig, cpu = 70, 0, 0.0
    group = None
    try:
        os.setsid()
        confine.die_with_parent()
        protections, pid_init = confine.new_namespaces()
        protections += confine.scratch_area(job["tmp"], job["limits"], job["uid"])
        go_read, go_write = os.pipe()
        guest = os.fork()
        if guest == 0:
            os.close(go_write)
            job["cgroup"] = os.read(go_read, 1) == b"c"  # wait for the supervisor's cgroup
            os.close(go_read)
            _guest(job, channel, protections, os.getppid())
        os.close(go_read)
        limit = job["limits"]["processes"]
        group = confine.pids_cgroup(guest, f"autograder-{job['uid']}", limit)
        os.write(go_write, b"g" if group is None else b"c")
        os.close(go_write)
        status, cpu = _wait(guest)
        code = os.waitstatus_to_exitcode(status)
        code, sig = (0, -code) if code < 0 else (code, 0)
        if not pid_init:
            _kill_leftovers(job["uid"], guest)
    finally:
        try:
            channel.send({"event": "exit", "code": code, "signal": sig, "cpu": cpu})
        finally:
            if group is not None:
                confine.remove_pids_cgroup(group.name)
            os._exit(0)


def _wait(pid: int) -> tuple[int, float]:
    """The guest's wait status and CPU seconds (its reaped descendants' included)."""
    while True:
        try:
            _, status, usage = os.wait4(pid, 0)
            return status, usage.ru_utime + usage.ru_stime
        except ChildProcessError:
            return 0, 0.0
        except InterruptedError:
            continue


def _kill_leftovers(uid: int, guest: int) -> None:
    """Without a PID namespace: SIGKILL whatever the guest's uid still runs, then its group."""
    with contextlib.suppress(OSError):
        os.killpg(guest, 9)
    if os.geteuid() != 0:
        return
    killer = os.fork()
    if killer == 0:
        try:
            os.setresuid(uid, uid, uid)
            while True:
                os.kill(-1, 9)  # every process this uid may signal; ESRCH when none is left
        except OSError:
            os._exit(0)
    os.waitpid(killer, 0)


def _guest(job: dict, channel: Channel, protections: list[str], supervisor: int) -> None:
    """Confine, load, run every test, report; always ends with ``os._exit``."""
    try:
        os.setpgid(0, 0)
        limits = confine.Limits(**job["limits"])
        private = job["tmp"]
        _redirect_output(job["output"])
        handles = confine.readable_handles()  # opened in the fork server, closed once confined
        _close_inherited(channel, keep={fd for fd, _is_dir, _rights in handles})
        os.chdir(private)
        os.environ.clear()
        os.environ.update(
            HOME=private, TMPDIR=private, MPLCONFIGDIR=private, AUTOGRADER_SOLUTIONS="/nonexistent"
        )
        change_uid = confine.can_change_uid()
        protections = list(protections)
        if job.get("cgroup"):
            protections.append(f"pids cgroup ({limits.processes})")
        protections += confine.limit(limits, tests=len(job["tests"]), can_set_uid=change_uid)
        protections += confine.drop_privileges(job["uid"], supervisor, change_uid=change_uid)
        protections += confine.confine_filesystem(private, handles)
        tripwire.install()
        protections.append("torch.optim tripwire")
        protections += _remove_kernels(shim=job.get("shim", False))
    except BaseException as error:
        channel.send({"event": "setup_failed", "error": f"{type(error).__name__}: {error}"})
        os._exit(71)
    try:
        channel.send({"event": "ready", "protections": protections})
        _run(job, channel, limits)
        channel.send({"event": "done"})
    finally:
        sys.stdout.flush()
        os._exit(0)


def _close_inherited(channel: Channel, keep: set[int]) -> None:
    """Close every descriptor but stdio, the channel and ``keep``: ``multiprocessing`` hands each
    child the fork server's liveness pipe and the resource tracker's, where a byte written by
    student code would stop the fork server or garble the tracker."""
    low = 3
    for fd in sorted({*keep, channel.fileno()}):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, os.sysconf("SC_OPEN_MAX"))


def _remove_kernels(*, shim: bool) -> list[str]:
    """torch's optimiser kernels out of reach (``kernels``): Python ones were removed and fused ones
    blocked in the fork server; the ``adam_step`` shim's private copy of Adam is kept only in the
    child that runs ``my_adam`` (and nothing else). A fork server that could not preload blocked
    nothing: the child does it then, before any student code runs."""
    if not kernels.blocked():
        kernels.block_fused_ops()
    kernels.no_undo()
    if not shim:
        optimizers._AdamStepShim.kernel = None
    return ["optimiser kernels removed"]


def _redirect_output(path: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    for target in (1, 2):
        os.dup2(fd, target)
    os.close(fd)


def _run(job: dict, channel: Channel, limits: confine.Limits) -> None:
    for kind, prepared in job.get("prepared", {}).items():  # before any student code runs
        adopt = KINDS[kind].adopt
        if adopt is not None:
            adopt(prepared)
    guard = Guard.in_place()
    namespace: dict = {"__name__": "submission", "__builtins__": builtins}
    errors = []
    confine.cpu_budget(limits.timeout)  # parsing the submission: a phase of its own
    for index, chunk in enumerate(reading.parse(job, channel)):
        if index in job["skip"]:
            continue
        channel.send({"event": "chunk", "index": index, "label": chunk.label})
        confine.cpu_budget(limits.timeout)
        error = exec_chunk(chunk, namespace)
        if error:
            errors.append(error)
    channel.send({"event": "loaded", "errors": errors, "patched": guard.restore()})
    for test in job["tests"]:
        channel.send({"event": "test", "name": test["name"]})
        confine.cpu_budget(limits.timeout)
        message = {"event": "result", "name": test["name"]}
        try:
            case_type = KINDS[BY_NAME[test["name"]].kind].case_type
            cases = [case_type.from_dict(case) for case in test["cases"]]
            message["observations"] = engine.run_test(test["name"], namespace, cases)
        except BaseException as error:
            message["raised"] = describe_error(error)
        message["patched"] = guard.restore()
        try:
            channel.send(message)
        except (TypeError, ValueError) as error:  # not plain data: the student's objects leaked
            channel.send({**_head(message), "raised": describe_error(error), "patched": []})
    # Last, and never part of a score: the report pictures' paths, on a short budget.
    channel.send({"event": "paths"})
    confine.cpu_budget(PATHS_SECONDS)
    try:
        walked = paths.student_paths(namespace)
        channel.send({"event": "paths_result", "paths": walked})
    except BaseException:  # a path that cannot be walked or sent is a picture not drawn
        guard.restore()


GRADER_MODULES = ("autograder.", "autograder")


class Guard:
    """Notices when student code replaces an attribute of torch, of the builtins or of the
    grader's own modules, and undoes it.

    The parent judges with its own, untouched torch; this only makes sure a patch cannot change what
    the grader's own code in this process (case inputs, recording) does, and that it is reported.
    """

    _prepared: Guard | None = None

    @classmethod
    def prepare(cls) -> None:
        """Take the snapshot now, in the fork server: every child starts from the very same
        modules, and a snapshot taken in each child would copy (copy-on-write) the page of every
        module object it touches, about 12 ms a child."""
        cls._prepared = cls()

    @classmethod
    def in_place(cls) -> Guard:
        """The fork server's snapshot when there is one (``prepare``), else a new one."""
        return cls._prepared if cls._prepared is not None else cls()

    def __init__(self) -> None:
        import torch
        import torch.nn.functional

        owners = {
            "builtins": builtins,
            "math": math,
            "json": json,
            "torch": torch,
            "torch.Tensor": torch.Tensor,
            "torch.nn.functional": torch.nn.functional,
            "torch.autograd": torch.autograd,
            "torch.optim.Optimizer": torch.optim.Optimizer,
        }
        if hasattr(torch._C, "TensorBase"):
            owners["torch._C.TensorBase"] = torch._C.TensorBase
        # The grader's own modules: replacing the recorder (``engine.run_test``, a check's
        # ``run``) is patching the grader.
        for name, module in list(sys.modules.items()):
            if name.startswith(GRADER_MODULES) and module is not None:
                owners[name] = module
        self._snapshot = {name: (owner, dict(vars(owner))) for name, owner in owners.items()}

    def restore(self) -> list[str]:
        """The attributes replaced or deleted since the snapshot, each put back."""
        changed = []
        for name, (owner, before) in self._snapshot.items():
            now = vars(owner)
            for key, value in before.items():
                if now.get(key, _MISSING) is not value:
                    changed.append(f"{name}.{key}")
                    with contextlib.suppress(AttributeError, TypeError):
                        setattr(owner, key, value)
        return changed


_MISSING = object()
