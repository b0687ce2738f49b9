"""Run the student's code on cases and record what it did, as plain data.

This module runs inside the sandbox, next to the student's code: it holds no reference code and no
expected values. What it returns (an *observation*) is JSON-ready and judged elsewhere (``judges``),
so the same observation can be produced by a sandboxed child, by the self-check in-process, or by
the reference solutions when the instructor computes expectations.
"""

from __future__ import annotations

from .cases import case_id
from .checks import KINDS


def run_cases(test, answer, cases: list, namespace: dict) -> list[dict]:
    """Observations of ``answer`` on every case of ``test``, whatever its kind."""
    if test.kind != "flashcards" and not callable(answer):
        kind = type(answer).__name__
        return [{"invalid": f"`{test.answer}` is a {kind}, not a function or class."}]
    check = KINDS[test.kind]
    return [{"case": case_id(case), **check.run(answer, case)} for case in cases]
