"""The sandbox's fork server, started early: it imports torch while the grader imports its own.

Torch-free on purpose (``autograder.sandbox`` imports torch): ``autograder grade`` calls
``start()`` before it imports the batch grader, so the grader's import of torch and the fork
server's preloading (``sandbox.preload``) run side by side on two cores instead of one after the
other. ``sandbox.Sandbox`` gets its ``multiprocessing`` context here too, and finds the server
running.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os
from pathlib import Path

PRELOAD = ["autograder.sandbox.preload"]


def context():
    """The ``forkserver`` context, preloading the sandbox, this package importable there."""
    forkserver = multiprocessing.get_context("forkserver")
    forkserver.set_forkserver_preload(PRELOAD)
    _make_importable()
    return forkserver


def start() -> None:
    """Start the fork server now (it preloads in the background; nothing waits for it here)."""
    context()
    multiprocessing.forkserver.ensure_running()


def _make_importable() -> None:
    """Put this package on the fork server's ``PYTHONPATH``.

    Python 3.11's fork server ignores the grader's ``sys.path``: without this, preloading fails
    silently whenever the grader runs from outside the repository, and every child imports torch.
    """
    root = str(Path(__file__).resolve().parents[1])
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if root not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *filter(None, paths)])
