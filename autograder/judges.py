"""Judge one test: the student's observations against the reference's, case by case.

The first failing case decides the score (all-or-nothing for code: a wrong implementation never
passes); every finding is data plus a sentence.
"""

from __future__ import annotations

from . import diagnose
from .cases import case_id, public_ids
from .checks import KINDS
from .result import NOTE, Finding, TestResult

# What a finding may say about a hidden case: where it happened, never the reference's values.
WHERE = ("step", "param", "index", "row", "quantity")


def judge(test, cases, observations, expected, *, hidden: bool) -> TestResult:
    """Score one test: full marks when no case has a finding, else zero with the findings."""
    if observations and "invalid" in observations[0]:
        return TestResult.zero(test.name, Finding("invalid", observations[0]["invalid"]))
    kind = KINDS[test.kind]
    findings = _redact_hidden(test, cases, kind.judge(test, cases, observations, expected))
    if hasattr(kind, "score"):  # partial credit (the flash cards): a fraction of the points
        fraction = kind.score(findings, cases, observations, expected)
        return TestResult(test.name, fraction * test.points, test.points, findings)
    notes = [finding for finding in findings if finding.kind == NOTE]  # never scored
    findings = [finding for finding in findings if finding.kind != NOTE]
    if not findings:
        return TestResult(test.name, test.points, test.points, notes)
    # A failing test: name the known mistake it matches, if any, before the numbers.
    named = diagnose.mistake_findings(test, cases, observations, hidden=hidden, verdict=findings)
    return TestResult.zero(test.name, *named, *findings, *notes)


def _redact_hidden(test, cases, findings: list[Finding]) -> list[Finding]:
    """Findings with the numbers of hidden cases taken out: a hidden case's expected values must
    never reach a student, in feedback, in ``<student>.json`` or on Gradescope."""
    hidden = {case_id(case) for case in cases} - public_ids(test.name)
    return [_redacted(finding) if finding.case in hidden else finding for finding in findings]


def _redacted(finding: Finding) -> Finding:
    if finding.kind != "mismatch":
        return finding  # errors and side conditions carry the student's own values, not ours
    where = {key: finding.details[key] for key in WHERE if key in finding.details}
    located = ", ".join(f"{key} {value}" for key, value in where.items() if key != "quantity")
    message = (
        f"Hidden case {finding.case!r}: your results differ from the reference's"
        + (f" (first at {located})" if located else "")
        + ". Hidden cases use other seeds, shapes, dtypes and hyperparameters than the public "
        "ones: make sure your code works for any shape (0-dim included), float32 and float64, "
        "and every hyperparameter value."
    )
    return Finding("mismatch", message, finding.case, where)
