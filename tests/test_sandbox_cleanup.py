"""Stopping the grader leaves nothing behind: no process, no temporary folder, no pids cgroup.

``autograder grade`` runs in a subprocess on a submission that sleeps; once its child sleeps, the
grader gets a signal (Ctrl-C, SIGTERM, its terminal closing, SIGKILL), and every process it
started must be gone, and its temporary folder empty, soon after (the limit below is generous:
it is measured, and printed, not the point). ``cleanup.sweep`` removes what a grader killed
together with its janitor left.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.sandbox import cleanup
from autograder.sandbox.supervisor import UID_BASE

SLEEPER = "def sgd_step(param, grad, state, *, lr):\n    import time\n    time.sleep(1000)\n"
GONE_WITHIN = 30.0  # seconds; it takes one or two


def _processes() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, state, start time) of every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            found[int(entry.name)] = (int(fields[1]), fields[0], fields[19])
    return found


def _descendants(root: int) -> dict[int, str]:
    """pid -> start time of every living descendant of ``root``."""
    table = _processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found, todo = {}, list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found[pid] = table[pid][2]
        todo += children.get(pid, [])
    return found


def _alive(processes: dict[int, str]) -> list[int]:
    table = _processes()
    return [
        pid
        for pid, started in processes.items()
        if pid in table and table[pid][2] == started and table[pid][1] != "Z"
    ]


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.slow
@pytest.mark.parametrize(
    "stop", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL], ids=lambda s: s.name
)
def test_stopping_the_grader_leaves_nothing(tmp_path, root, stop):
    """Does {stop} to `autograder grade` leave no process it started running, nothing in its
    temporary folder and no pids cgroup, within seconds?"""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    submission = tmp_path / "sleeper.py"
    submission.write_text(SLEEPER)
    environment = {
        **os.environ,
        "TMPDIR": str(temporary),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    command = [sys.executable, "-m", "autograder", "grade", str(submission), "--public-only"]
    command += ["--out", str(tmp_path / "out"), "--timeout", "120"]
    grader = subprocess.Popen(
        command,
        env=environment,
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # The guest sleeps: grader -> fork server -> supervisor -> guest.
        sleeping = _wait_for(lambda: len(_descendants(grader.pid)) >= 4 and _work(temporary), 180)
        assert sleeping, "the grader never started its child"
        time.sleep(1.0)
        started = _descendants(grader.pid)
        grader.send_signal(stop)
        grader.wait(GONE_WITHIN)
        began = time.monotonic()
        assert _wait_for(lambda: not _alive(started), GONE_WITHIN), _alive(started)
        assert _wait_for(lambda: not any(temporary.iterdir()), GONE_WITHIN), list(
            temporary.rglob("*")
        )
        print(f"\n{stop.name}: everything gone {time.monotonic() - began:.1f} s after the grader")
    finally:
        if grader.poll() is None:
            grader.kill()
    prefix = f"autograder-{(UID_BASE + (grader.pid % 10_000) * 10_000) // 10_000}"
    for base in cleanup.CGROUP_BASES:
        assert not list(base.glob(prefix + "*"))
    if stop != signal.SIGKILL:
        assert grader.returncode == 128 + stop


def _work(temporary: Path) -> bool:
    return any(temporary.glob(f"{cleanup.PREFIX}*/*/work"))


def test_sweep_removes_only_what_nobody_holds(tmp_path):
    """Does a new sandbox remove the scratch folders of graders that are gone (their lock free),
    and keep those of a grader still running (its lock held)?"""
    abandoned, held = tmp_path / f"{cleanup.PREFIX}gone", tmp_path / f"{cleanup.PREFIX}alive"
    for folder in (abandoned, held):
        (folder / "child").mkdir(parents=True)
        (folder / cleanup.LOCK).touch()
    lock = os.open(held / cleanup.LOCK, os.O_RDWR)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        assert cleanup.sweep(tmp_path) == [abandoned]
        assert held.is_dir() and not abandoned.exists()
    finally:
        os.close(lock)
