"""Nothing left behind: the sandbox's scratch folder, its pids cgroups, and a janitor for both.

A grader can be stopped at any moment (Ctrl-C, SIGTERM, its terminal closing, SIGKILL). Running
processes take care of themselves: every supervisor dies with the fork server
(``confine.die_with_parent``), which exits with the grader, and every guest with its supervisor.
What the kernel does not remove is on disk: the scratch folder (``/tmp/autograder-sandbox-*``),
``multiprocessing``'s own temporary folder (the fork server's socket) and empty pids cgroups. So

* ``Scratch`` makes the folder and holds a lock on it (``flock``: released by the kernel however
  the grader ends) and starts a *janitor*, a small process in a session of its own that waits for
  the grader to close its pipe: when the pipe closes without a word (the grader died), the
  janitor removes the folder, the cgroups and ``multiprocessing``'s folder within seconds;
* ``sweep`` (every new ``Scratch``) removes the folders whose lock nobody holds (a folder
  without a lock only after a day: an older grader's) and the empty ``autograder-*`` cgroups a
  minute old: what a grader killed together with its janitor left.
"""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PREFIX = "autograder-sandbox-"
LOCK = ".lock"
CGROUP_BASES = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))
STALE_SECONDS = 60.0  # an empty cgroup this old belongs to nobody
LOCKLESS_SECONDS = 86_400.0  # a folder without a lock (being made, or an older grader's): by age
CLOSED = b"closed\n"  # what a grader that closes its sandbox tells the janitor

JANITOR = """
import os, shutil, sys, time
if sys.stdin.buffer.read() == {closed!r}:
    sys.exit()  # the grader closed its sandbox itself
folders = sys.argv[2:]
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    left = [f for f in folders if os.path.exists(f)]
    for base in {bases!r}:
        try:
            names = [n for n in os.listdir(base) if n.startswith(sys.argv[1])]
        except OSError:
            names = []
        for name in names:
            try:
                os.rmdir(os.path.join(base, name))
            except OSError:
                left.append(name)
    if not left:
        break
    time.sleep(0.1)
"""


class Scratch:
    """The sandbox's scratch folder, locked while this grader lives, with its janitor."""

    def __init__(self, cgroup_prefix: str) -> None:
        sweep()
        self.path = Path(tempfile.mkdtemp(prefix=PREFIX))
        os.chmod(self.path, 0o711)  # children may enter their own folder, not list others
        self._lock = os.open(self.path / LOCK, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        code = JANITOR.format(closed=CLOSED, bases=[str(base) for base in CGROUP_BASES])
        folders = [str(self.path), multiprocessing.util.get_temp_dir()]
        self._janitor = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", code, cgroup_prefix, *folders],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # neither Ctrl-C nor a closing terminal reaches it
        )

    def close(self) -> None:
        """Remove the folder now, and send the janitor away."""
        shutil.rmtree(self.path, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.close(self._lock)
        if self._janitor.stdin and not self._janitor.stdin.closed:
            with contextlib.suppress(OSError):
                self._janitor.stdin.write(CLOSED)
                self._janitor.stdin.close()


def sweep(folder: Path | None = None) -> list[Path]:
    """Remove the scratch folders no living grader holds, and empty stale cgroups; the folders
    removed."""
    removed = []
    for path in Path(folder or tempfile.gettempdir()).glob(PREFIX + "*"):
        if path.is_dir() and _abandoned(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    now = time.time()
    for base in CGROUP_BASES:
        for group in base.glob("autograder-*"):
            with contextlib.suppress(OSError):
                if now - group.stat().st_mtime > STALE_SECONDS:
                    group.rmdir()  # refused while a process is in it
    return removed


def _abandoned(path: Path) -> bool:
    try:
        fd = os.open(path / LOCK, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:  # a folder being made, or one from before locks: by its age
        with contextlib.suppress(OSError):
            return time.time() - path.stat().st_mtime > LOCKLESS_SECONDS
        return False
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
