"""Grade answers in-process: run the checks, then judge them against the expectations.

The batch grader splits the same two halves across processes (``run_test`` in the sandboxed child,
``judge`` in the parent); the self-check and nbgrader's test cells call ``grade_namespace``.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import expect, judges, runner
from .observations import Unobserved
from .result import Finding, TestResult
from .spec import BY_NAME, TEST_NAMES


def run_test(name: str, namespace: dict, cases: list) -> list[dict]:
    """Child side: the observations of one test, one per case, as plain data."""
    test = BY_NAME[name]
    if test.answer not in namespace:
        return Unobserved("missing", test.answer).wire()
    return runner.run_cases(test, namespace[test.answer], cases, namespace)


def judge(name: str, cases: list, observations: list[dict], *, hidden: bool) -> TestResult:
    """Parent side: score one test from its observations."""
    test = BY_NAME[name]
    unobserved = Unobserved.of(observations[0]) if observations else None
    if unobserved is not None and unobserved.reason == "missing":
        return TestResult.zero(
            name,
            Finding(
                "missing",
                f"`{test.answer}` is not defined: write it in the answer cell whose grade_id is "
                f"`{test.answer}` (or at the top level of your .py file).",
            ),
        )
    expected = expect.expected(name, cases, hidden=hidden)
    return judges.judge(test, cases, observations, expected, hidden=hidden)


def grade_namespace(
    namespace: dict, *, tests: Iterable[str] = TEST_NAMES, hidden: bool = False
) -> list[TestResult]:
    """Run and judge every test in this process (no sandbox: for the self-check and nbgrader)."""
    results = []
    for name in tests:
        cases = expect.cases(name, hidden=hidden)
        results.append(judge(name, cases, run_test(name, namespace, cases), hidden=hidden))
    return results
