"""One submission never costs the grader or another student (issue 11): deadlines that wait for
the child's messages, one budget per submission, a limited disk, a channel checked message by
message, and torch's lazily imported modules ready before the guard looks.

Every hostile submission here also holds a correct ``momentum_step`` (unless the attack is meant
to cost the whole submission), so that what is lost is visible test by test.
"""

from __future__ import annotations

import json
import multiprocessing.connection
import textwrap
import time
import types

import pytest

from autograder import batch
from autograder.loading.load import read_submission
from autograder.sandbox import Limits, Sandbox, attempt
from autograder.sandbox.confine import disk_used
from autograder.verdict.grade import judge_run, plan
from autograder.verdict.sources import Sources
from tests.test_sandbox import MOMENTUM

SOURCES = Sources.discover()  # this checkout: the instructor's side

pytestmark = pytest.mark.slow

SGD = "def sgd_step(param, grad, state, *, lr):\n    param.sub_(lr * grad)\n"

# Writes one frame, as the child's grader code would, into the channel (the only descriptor the
# guest holds besides stdio: tests/test_sandbox_wire.py).
SEND = """
import json, os, struct, time

def _channel():
    for fd in range(3, 4096):  # the channel may lie above the fork server's Landlock handles
        try:
            os.fstat(fd)
            return fd
        except OSError:
            pass

def _send(message, raw=None):
    data = raw if raw is not None else json.dumps(message).encode()
    os.write(_channel(), struct.pack("!i", len(data)) + data)
"""


def _sgd(body: str) -> str:
    return SEND + "def sgd_step(param, grad, state, *, lr):\n" + textwrap.indent(body, "    ")


def _grade(tmp_path, source: str, limits: Limits, tests=("sgd", "momentum")):
    path = tmp_path / "student.py"
    path.write_text(source)
    planned, _ = plan(sources=SOURCES, hidden=False, tests=tests)
    sandbox = Sandbox(limits)
    try:
        submission = read_submission(path)
        run = sandbox.run(submission, planned)
        return judge_run(submission, run, planned, limits, sources=SOURCES, hidden=False), run
    finally:
        sandbox.close()


def test_a_paused_grader_reads_waiting_messages_before_declaring_a_timeout(tmp_path, monkeypatch):
    """When the grader's thread is held up past a test's deadline (another thread holding the GIL)
    while the child finishes that test, is the result waiting in the pipe read, and the test
    passed, rather than declared "still running"?"""
    timeout, pause = 3.0, 3.0
    offset = [0.0]
    state = {"armed": False, "fired": False}
    real_monotonic, real_poll = time.monotonic, multiprocessing.connection.Connection.poll
    clock = types.SimpleNamespace(monotonic=lambda: real_monotonic() + offset[0], sleep=time.sleep)
    monkeypatch.setattr(attempt, "time", clock)

    def poll(self, wait=0.0):
        if state["armed"] and not state["fired"]:
            state["fired"] = True
            if not real_poll(self, 0):
                time.sleep(pause)  # the child finishes its test meanwhile...
                offset[0] += timeout + 1  # ...and the grader wakes up past the deadline
                return False
        return real_poll(self, wait)

    real_handle = attempt._Attempt._handle

    def handle(self, message):
        answer = real_handle(self, message)
        if message.get("event") == "test" and message.get("name") == "momentum":
            state["armed"] = True
        return answer

    monkeypatch.setattr(multiprocessing.connection.Connection, "poll", poll)
    monkeypatch.setattr(attempt._Attempt, "_handle", handle)
    result, _ = _grade(tmp_path, SGD + MOMENTUM, Limits(timeout=timeout))
    assert state["fired"]
    assert result.test("momentum").passed, result.test("momentum").feedback


def test_one_budget_per_submission(tmp_path):
    """Does a file whose every top-level statement hangs stop at the submission's budget (each
    statement used to get a fresh deadline: 30 statements, 30 timeouts), its tests scoring 0 with
    feedback saying so?"""
    source = "import time\n" + "sgd_step = time.sleep(100)\n" * 30 + MOMENTUM
    result, run = _grade(tmp_path, source, Limits(timeout=2.0, budget=6.0))
    momentum = result.test("momentum")
    assert momentum.score == 0
    assert "time allowed for your whole submission (6 s" in momentum.feedback
    assert run.seconds < 40  # 30 timeouts of 2 s each without a budget


def test_forged_progress_events_do_not_extend_the_time(tmp_path):
    """Does a submission that streams forged progress events (each once a fresh deadline) score 0
    for tampering with the channel, instead of running on?"""
    forger = (
        SEND
        + "class Forge:\n    for _ in range(30):\n"
        + "        _send({'event': 'chunk', 'index': 0, 'label': 'forged'})\n"
        + "        time.sleep(0.3)\n"
        + SGD
        + MOMENTUM
    )
    result, _ = _grade(tmp_path, forger, Limits(timeout=3.0))
    for name in ("sgd", "momentum"):
        assert result.test(name).score == 0
        assert "grader's channel" in result.test(name).feedback


# Messages of the right event with a wrong type somewhere, each sent from inside sgd_step.
MALFORMED = {
    "errors is a number": "_send({'event': 'loaded', 'errors': 0, 'patched': []})",
    "observations not a list": "_send({'event': 'result', 'name': 'sgd', 'observations': 0})",
    "raised without a message": "_send({'event': 'result', 'name': 'sgd', 'raised': {'type': 1}})",
    "exit code a string": "_send({'event': 'exit', 'code': 'x', 'signal': 0, 'cpu': 0.0})",
    "not an object": "_send(None, b'[1, 2]')",
    "a length past the limit": "os.write(_channel(), struct.pack('!i', 1 << 30))",
}


def test_malformed_messages_are_a_tampered_channel(tmp_path):
    """Does every malformed message score 0 for that submission, saying the channel was tampered
    with, while the batch goes on: every student graded, a correct one at full marks, exit 0?"""
    folder = tmp_path / "submissions"
    folder.mkdir()
    names = {f"hostile{number}": attack for number, attack in enumerate(MALFORMED.values())}
    for name, attack in names.items():
        (folder / f"{name}.py").write_text(_sgd(attack + "\nparam.sub_(lr * grad)\n") + MOMENTUM)
    (folder / "honest.py").write_text(SGD + MOMENTUM)
    out = tmp_path / "out"
    assert batch.main(paths=[folder], out=out, hidden=False, timeout=5.0, jobs=2) == 0
    for name in names:
        tests = {
            test["name"]: test for test in json.loads((out / f"{name}.json").read_text())["tests"]
        }
        for test in ("sgd", "momentum"):
            assert tests[test]["score"] == 0, (name, tests[test])
            assert "grader's channel" in tests[test]["feedback"], (name, tests[test])
    honest = {t["name"]: t for t in json.loads((out / "honest.json").read_text())["tests"]}
    assert honest["sgd"]["passed"] and honest["momentum"]["passed"]


def test_half_a_message_costs_only_its_test(tmp_path):
    """Does a child that writes the start of a message and then sleeps cost only that test (the
    grader never waits for the rest of a message past the deadline)?"""
    stall = "os.write(_channel(), struct.pack('!i', 1000) + b'{')\ntime.sleep(1000)\n"
    result, _ = _grade(tmp_path, _sgd(stall) + MOMENTUM, Limits(timeout=3.0))
    assert result.test("sgd").score == 0
    assert "still running after 3 s" in result.test("sgd").feedback
    assert result.test("momentum").passed, result.test("momentum").feedback


WRITES = {
    "bytes": "for n in range(8):\n"  # files under the 8 MiB cap of one file, 32 MiB in all
    "    with open(f'blob{n}', 'wb') as f:\n"
    "        f.write(b'x' * (4 << 20))\n",
    "files": "for i in range(500):\n    open(f'f{i}', 'w').close()\n",
}


@pytest.mark.parametrize("writes", WRITES.values(), ids=WRITES.keys())
def test_disk_is_limited_per_child(tmp_path, writes):
    """Does a test whose code fills its folder (bytes or files) fail with a message naming the
    limits, while the next test passes?"""
    source = _sgd(writes + "param.sub_(lr * grad)\n") + MOMENTUM
    result, _ = _grade(tmp_path, source, Limits(disk_mb=16, files=100))
    sgd = result.test("sgd")
    assert sgd.score == 0
    assert "No space left on device" in sgd.feedback, sgd.feedback
    assert "at most 16 MiB in 100 files" in sgd.feedback
    assert result.test("momentum").passed, result.test("momentum").feedback


def test_disk_watch_without_a_tmpfs(tmp_path):
    """Where no tmpfs can be mounted, does the grader's watch see a folder past its limits?"""
    limits = Limits(disk_mb=1, files=10)
    assert disk_used(tmp_path, limits) is None
    (tmp_path / "big").write_bytes(b"x" * (2 << 20))
    assert disk_used(tmp_path, limits) == "more than 1 MiB"
    (tmp_path / "big").unlink()
    for number in range(11):
        (tmp_path / f"f{number}").touch()
    assert disk_used(tmp_path, limits) == "more than 10 files"


LAZY_TORCH = """
import torch


def gradient_descent(f, x0, *, lr, steps):
    gradient = torch.func.grad(f)
    points = [x0.detach().clone()]
    for _ in range(steps):
        points.append(points[-1] - lr * gradient(points[-1]))
    return torch.stack(points)


def sgd_step(param, grad, state, *, lr):
    param.sub_(torch.vmap(lambda row: lr * row)(grad.reshape(1, -1)).reshape(grad.shape))


def momentum_step(param, grad, state, *, lr, momentum):
    identity = torch.autograd.functional.jacobian(lambda t: t * 1.0, grad.reshape(-1))
    buf = state.get("buf")
    buf = grad.clone() if buf is None else buf.mul_(momentum).add_(grad)
    state["buf"] = buf
    param.sub_(lr * (identity @ buf.reshape(-1)).reshape(buf.shape))
"""


def test_lazily_imported_torch_modules_score_full_marks(tmp_path):
    """Do correct answers written with torch.func.grad, torch.vmap and
    torch.autograd.functional.jacobian (modules torch imports lazily, replacing torch attributes
    as it does) score full marks in the sandbox?"""
    result, _ = _grade(
        tmp_path, LAZY_TORCH, Limits(timeout=20.0), tests=("gradient_descent", "sgd", "momentum")
    )
    for name in ("gradient_descent", "sgd", "momentum"):
        assert result.test(name).passed, result.test(name).feedback
