"""Grade answers in-process: run the checks, then give the verdict (``judges.verdict``).

The batch grader splits the same two halves across processes (``run_test`` in the sandboxed child,
``judges.verdict`` in the parent); the self-check and nbgrader's test cells call
``grade_namespace``.
"""

from __future__ import annotations

from collections.abc import Iterable

from autograder.checks import runner
from autograder.reports.result import TestResult
from autograder.spec import BY_NAME, TEST_NAMES
from autograder.verdict import expect, judges
from autograder.verdict.observations import Unobserved
from autograder.verdict.sources import Sources


def run_test(name: str, namespace: dict, cases: list) -> list[dict]:
    """Child side: the observations of one test, one per case, as plain data."""
    test = BY_NAME[name]
    if test.answer not in namespace:
        return Unobserved("missing", test.answer).wire()
    return runner.run_cases(test, namespace[test.answer], cases, namespace)


def grade_namespace(
    namespace: dict,
    *,
    sources: Sources,
    tests: Iterable[str] = TEST_NAMES,
    hidden: bool = False,
) -> list[TestResult]:
    """Run and judge every test in this process (no sandbox: for the self-check and nbgrader)."""
    results = []
    for name in tests:
        cases = expect.cases(name, sources=sources, hidden=hidden)
        observations = run_test(name, namespace, cases)
        verdict = judges.verdict(BY_NAME[name], cases, observations, sources=sources, hidden=hidden)
        results.append(verdict)
    return results
