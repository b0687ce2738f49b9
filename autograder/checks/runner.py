"""Run the student's code on cases and record what it did, as plain data.

This module runs inside the sandbox, next to the student's code: it holds no reference code and no
expected values. What it returns (an *observation*) is JSON-ready and judged elsewhere (``judges``),
so the same observation can be produced by a sandboxed child, by the self-check in-process, or by
the reference solutions when the instructor computes expectations.
"""

from __future__ import annotations

import threading

from autograder.checks import KINDS
from autograder.checks.common import MAX_TYPE_NAME
from autograder.verdict.cases import case_id
from autograder.verdict.observations import Unobserved

# Serialises every run in one process: a check may swap a module global for the duration of a run
# (my_adam's adam_step shim, in the module of whichever MyAdam it runs), and the batch grader
# computes expectations in threads. Expectation caches fill under it too.
TRUSTED = threading.RLock()


def once(cache: dict, key, compute):
    """``cache[key]``, computed by ``compute()`` the first time, under ``TRUSTED`` (the caches of
    the reference's and the catalogue's observations, filled once a process)."""
    with TRUSTED:
        if key not in cache:
            cache[key] = compute()
        return cache[key]


def run_cases(test, answer, cases: list, namespace: dict) -> list[dict]:
    """Observations of ``answer`` on every case of ``test``, whatever its kind."""
    if test.kind != "flashcards" and not callable(answer):
        kind = type(answer).__name__[:MAX_TYPE_NAME]
        sentence = f"`{test.answer}` is a {kind}, not a function or class."
        return Unobserved("invalid", sentence).wire()
    check = KINDS[test.kind]
    with TRUSTED:
        return [{"case": case_id(case), **check.run(answer, case)} for case in cases]
