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
import tempfile

from autograder import PACKAGE_DIR

PRELOAD = ["autograder.sandbox.preload"]


# The only variables of the grader's environment the fork server (and so every child) inherits:
# the grader's own may hold an instructor's secrets (API tokens, cloud keys), and whatever a child
# holds, student code can print into its feedback.
ALLOWED_ENVIRONMENT = ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONPATH", "TMPDIR")
FIXED_PATH = "/usr/local/bin:/usr/bin:/bin"  # not the grader's own (it names its home's tools)


def context():
    """The ``forkserver`` context, preloading the sandbox, this package importable there; the
    server runs (started from a clean environment, ``start``)."""
    forkserver = multiprocessing.get_context("forkserver")
    forkserver.set_forkserver_preload(PRELOAD)
    start()
    return forkserver


def start() -> None:
    """Start the fork server now, from an allow-listed environment (``ALLOWED_ENVIRONMENT``; it
    is exec'd, not forked from the grader, so no other byte of the grader's environment or memory
    reaches it). It preloads in the background; nothing waits for it here."""
    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
    _make_importable()
    saved = dict(os.environ)
    tempfile.gettempdir()  # cached now, from the grader's own environment, not the cleared one
    try:
        os.environ.clear()
        os.environ.update({key: saved[key] for key in ALLOWED_ENVIRONMENT if key in saved})
        os.environ["PATH"] = FIXED_PATH
        multiprocessing.forkserver.ensure_running()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _make_importable() -> None:
    """Put this package on the fork server's ``PYTHONPATH``.

    Python 3.11's fork server ignores the grader's ``sys.path``: without this, preloading fails
    silently whenever the grader runs from outside the repository, and every child imports torch.
    """
    root = str(PACKAGE_DIR.parent)
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if root not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *filter(None, paths)])
