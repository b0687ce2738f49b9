"""The sandbox against hostile submissions: each attack scores 0 where it happens, says what
happened, and leaves every other test and every other student untouched.

Every hostile submission holds a correct ``momentum_step`` and an ``sgd_step`` that attacks; the
whole table is graded in one batch, next to a correct submission that must keep full marks.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from autograder.loading.load import read_submission
from autograder.sandbox import Limits, Sandbox
from autograder.sandbox.supervisor import uid_block
from autograder.verdict.grade import grade, plan
from autograder.verdict.sources import Sources

SOURCES = Sources.discover()  # this checkout: the instructor's side


pytestmark = pytest.mark.slow

MOMENTUM = """
def momentum_step(param, grad, state, *, lr, momentum):
    buf = state.get("buf")
    buf = grad.clone() if buf is None else buf.mul_(momentum).add_(grad)
    state["buf"] = buf
    param.sub_(lr * buf)
"""

# name -> (what sgd_step does before its update, a phrase the feedback must contain)
ATTACKS: dict[str, tuple[str, str]] = {
    "segfault": ("import ctypes; ctypes.string_at(0)", "segmentation fault"),
    "spin ignoring SIGTERM": (
        "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True: pass",
        "was stopped",
    ),
    "sleep forever": ("import time; time.sleep(1000)", "still running after"),
    "memory bomb": ("blob = bytearray(1 << 34)", "MiB of memory"),
    "torch memory bomb": ("import torch; torch.empty(1 << 33)", "MiB of memory"),
    "fork bomb": (
        "import os, time\nfor _ in range(500):\n    if os.fork() == 0:\n"
        "        time.sleep(60); os._exit(0)",
        "BlockingIOError",
    ),
    "sys.exit": ("import sys; sys.exit(0)", "sys.exit"),
    "os._exit": ("import os; os._exit(3)", "exit status 3"),
    "patches torch": ("import torch; torch.add = lambda *a, **k: None", "`torch.add`"),
    "patches builtins": ("import builtins; builtins.abs = lambda x: x", "`builtins.abs`"),
    "reads solutions/": ("open({solutions!r}).read()", "Permission denied"),
    "reads another student": ("open({other!r}).read()", "Permission denied"),
    "reads the grader's output": ("import os; os.listdir({out!r})", "Permission denied"),
    "writes outside its folder": ("open('/tmp/pwned-by-student', 'w').write('x')", "denied"),
    "opens a socket": (
        "import socket; socket.create_connection(('1.1.1.1', 80), timeout=1)",
        "Error",
    ),
    "floods stdout": ("while True: print('x' * 100000)", "wrote more than"),
    "reads the grader's memory": ("open('/proc/{grader}/mem', 'rb').read(1)", "denied"),
}


def _sgd(attack: str) -> str:
    body = textwrap.indent(attack, "    ")
    return f"def sgd_step(param, grad, state, *, lr):\n{body}\n    param.sub_(lr * grad)\n"


@pytest.fixture(scope="module")
def graded(tmp_path_factory, root: Path) -> dict:
    """Every attack and one correct submission, graded in one sandbox."""
    folder = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("out")
    correct = folder / "correct.py"
    correct.write_text(_sgd("pass") + MOMENTUM)
    where = {
        "solutions": str(root / "solutions" / "reference" / "sgd.py"),
        "other": str(correct),
        "out": str(out),
        "grader": os.getpid(),
    }
    paths = {"correct": correct}
    for number, (name, (attack, _)) in enumerate(ATTACKS.items()):
        paths[name] = folder / f"hostile{number}.py"
        paths[name].write_text(_sgd(attack.format(**where)) + MOMENTUM)
    planned, _ = plan(sources=SOURCES, hidden=False, tests=("sgd", "momentum"))
    sandbox = Sandbox(Limits(timeout=2.0, memory_mb=256, processes=16))
    try:
        return {
            name: grade(
                read_submission(path, name), sandbox, planned, sources=SOURCES, hidden=False
            )
            for name, path in paths.items()
        }
    finally:
        sandbox.close()


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_scores_zero_with_feedback(graded, attack):
    """Does each attack score 0 on the test where it happens, with feedback saying what happened?"""
    sgd = graded[attack].test("sgd")
    assert sgd.score == 0
    assert ATTACKS[attack][1] in sgd.feedback, sgd.feedback


@pytest.mark.parametrize("attack", [a for a in ATTACKS if a != "patches builtins"])
def test_other_tests_untouched(graded, attack):
    """Does the correct momentum_step of a hostile submission keep full marks?"""
    assert graded[attack].test("momentum").passed, graded[attack].test("momentum").feedback


def test_correct_submission_keeps_full_marks(graded):
    """Does a correct submission graded in the same sandbox keep full marks?"""
    assert graded["correct"].test("sgd").passed and graded["correct"].test("momentum").passed


def test_protections_reported(graded):
    """Does every result say which protections were active (Landlock here, kernel 6.x)?"""
    protections = graded["correct"].protections
    assert any(item.startswith("landlock-fs") for item in protections), protections
    assert "torch.optim tripwire" in protections


def test_nothing_written_outside(graded):
    """Did the attempt to write outside the private folder leave no file behind?"""
    assert not Path("/tmp/pwned-by-student").exists()


def test_no_process_left(graded):
    """Is every process a submission started gone (no pids cgroup left behind)?"""
    for base in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")):
        if base.is_dir():
            assert not list(base.glob(f"autograder-{uid_block() // 10_000}*"))


def test_hang_while_loading_skips_only_that_definition(tmp_path):
    """Does a class body that never ends get skipped, with the other answers still graded?"""
    path = tmp_path / "hang.py"
    path.write_text(_sgd("pass") + "class Hang:\n    while True:\n        pass\n" + MOMENTUM)
    planned, _ = plan(sources=SOURCES, hidden=False, tests=("sgd", "momentum"))
    sandbox = Sandbox(Limits(timeout=1.0))
    try:
        submission = read_submission(path)
        result = grade(submission, sandbox, planned, sources=SOURCES, hidden=False)
    finally:
        sandbox.close()
    assert result.test("sgd").passed and result.test("momentum").passed
