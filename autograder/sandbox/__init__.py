"""Run hostile student code: a fork server with torch preloaded, one confined child per submission.

``Sandbox(limits).run(submission, plan)`` returns each test's observations (or why there are
none); judging them is the grader's job, in its own process (``verdict.grade``). The fork server:
``forkserver`` (torch-free, started before the grader imports torch); how a child is confined:
``confine`` (namespaces, rlimits, uid) and ``landlock`` (filesystem, TCP, signals); what runs in
it: ``child``; the grader's side: ``supervisor``.

The names below are imported on first use, so that ``autograder.sandbox.forkserver`` can start the
fork server before anything here imports torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograder.sandbox.confine import Limits
    from autograder.sandbox.supervisor import PlannedTest, Run, Sandbox

__all__ = ["Limits", "PlannedTest", "Run", "Sandbox"]
_HOMES = {
    "Limits": "confine",
    "PlannedTest": "supervisor",
    "Run": "supervisor",
    "Sandbox": "supervisor",
}


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
