"""Judge one test: the student's observations against the reference's, case by case.

The first failing case decides the score (all-or-nothing for code: a wrong implementation never
passes); every finding is data plus a sentence.
"""

from __future__ import annotations

from . import diagnose
from .checks import KINDS
from .result import Finding, TestResult


def judge(test, cases, observations, expected, *, hidden: bool) -> TestResult:
    """Score one test: full marks when no case has a finding, else zero with the findings."""
    if observations and "invalid" in observations[0]:
        return TestResult.zero(test.name, Finding("invalid", observations[0]["invalid"]))
    kind = KINDS[test.kind]
    findings = kind.judge(test, cases, observations, expected)
    if hasattr(kind, "score"):  # partial credit (the flash cards): a fraction of the points
        fraction = kind.score(findings, cases, observations, expected)
        return TestResult(test.name, fraction * test.points, test.points, findings)
    if not findings:
        return TestResult.full(test.name)
    # A failing test: name the known mistake it matches, if any, before the numbers.
    named = diagnose.mistake_findings(test, cases, observations, hidden=hidden)
    return TestResult.zero(test.name, *named, *findings)
