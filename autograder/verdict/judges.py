"""The verdict: where every test's score is decided, on every path.

The batch grader (and Gradescope through it) judges what the sandboxed child observed
(``grade.judge_run``), the self-check and the notebook's test cells what ran in their own process
(``engine.grade_namespace``): both call ``verdict``, which validates the observations as a whole
(``observations.problem``), has the kind of check compare them with the expectations case by
case (``checks.*.judge``), hides what a hidden case must not show, and names a known mistake
(``diagnose``) on a failing test. The first failing case decides the score (all-or-nothing for
code: a wrong implementation never passes); every finding is data plus a sentence.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, cast

from autograder.checks import KINDS
from autograder.reports.result import NOTE, Finding, TestResult, printed
from autograder.spec import TestSpec
from autograder.verdict import diagnose, expect
from autograder.verdict.cases import case_id, is_fresh, is_fresh_id, public_ids
from autograder.verdict.observations import Unobserved
from autograder.verdict.observations import problem as observations_problem
from autograder.verdict.sources import Sources

# What a finding may say about a hidden case: where it happened, never the reference's values.
WHERE = ("step", "param", "index", "row", "quantity")


def verdict(
    test: TestSpec,
    cases: list,
    observations: object,
    *,
    sources: Sources,
    hidden: bool,
    expected: list[dict] | None = None,
    stopped: Finding | None = None,
) -> TestResult:
    """Score one test: full marks when no case has a finding, else zero with the findings (a
    fraction of the points for a kind with partial credit).

    Args:
        test: the test's row of ``spec.TESTS``.
        cases: the cases the student's code ran on, in order.
        observations: what it did, one per case (``runner``); from a sandboxed child, a claim.
        sources: the side graded on (the instructor's or a student's).
        hidden: the cases include hidden ones (they decide the grade).
        expected: the reference's observations on ``cases``; computed (``expect``) when None.
        stopped: why the run of this test ended without observations (a crash, a timeout, a
            patched grader), when it did: the test scores 0 with it.
    """
    if stopped is not None:
        return TestResult.zero(test.name, stopped_policy(stopped, hidden=hidden))
    whole = observations[0] if isinstance(observations, list) and observations else None
    unobserved = Unobserved.of(whole)  # one observation that stands for every case
    if unobserved is not None and unobserved.reason == "missing":
        return TestResult.zero(
            test.name,
            Finding(
                "missing",
                f"`{test.answer}` is not defined: write it in the answer cell whose grade_id is "
                f"`{test.answer}` (or at the top level of your .py file).",
            ),
        )
    if expected is None:
        expected = expect.expected(test.name, cases, sources=sources, hidden=hidden)
    malformed = observations_problem(test.kind, cases, observations, expected)
    if malformed is not None:
        return TestResult.zero(test.name, Finding("invalid", malformed))
    if unobserved is not None and unobserved.reason == "invalid":
        return TestResult.zero(test.name, Finding("invalid", unobserved.detail))
    observed = cast(list[dict[str, Any]], observations)  # checked whole just above
    kind = KINDS[test.kind]
    findings = kind.judge(test, cases, observed, expected)
    findings = hidden_policy(findings, cases, public_ids(test.name, sources))
    if kind.score is not None:  # partial credit (the flash cards): a fraction of the points
        fraction = kind.score(findings, cases, observed, expected)
        return TestResult(test.name, fraction * test.points, test.points, findings)
    notes = [finding for finding in findings if finding.kind == NOTE]  # never scored
    findings = [finding for finding in findings if finding.kind != NOTE]
    if not findings:
        return TestResult(test.name, test.points, test.points, notes)
    # A failing test: name the known mistake it matches, if any, before the numbers.
    # On the fixed cases only: the catalogue's observations on them are computed once a batch.
    fixed = [index for index, case in enumerate(cases) if not is_fresh(case)]
    named = diagnose.mistake_findings(
        test,
        [cases[i] for i in fixed],
        [observed[i] for i in fixed],
        sources=sources,
        hidden=hidden,
        verdict=[
            finding for finding in findings if finding.case is None or not is_fresh_id(finding.case)
        ],
    )
    return TestResult.zero(test.name, *named, *findings, *notes)


def hidden_policy(findings: list[Finding], cases: list, public: frozenset[str]) -> list[Finding]:
    """The one hidden-case policy, applied when judging: a finding in a hidden case is reworded
    without the reference's values (``_redacted``), which must never reach a student, in feedback,
    in ``<student>.json``, in a report or on Gradescope; and every finding in a case that is not
    certainly public (``public``: ``cases.public_ids``) is flagged ``hidden``, so that no renderer
    shows the numbers behind it. Renderers show what this returns as it is."""
    hidden = {case_id(case) for case in cases} - public
    flagged = []
    for finding in findings:
        if finding.case in hidden:
            finding = _redacted(finding)
        if finding.case is not None and finding.case not in public:
            finding = dataclasses.replace(finding, hidden=True)
        flagged.append(finding)
    return flagged


def _redacted(finding: Finding) -> Finding:
    if finding.kind == "error":
        return redacted_error(finding)
    if finding.kind != "mismatch":
        return _without_values(finding)
    where = {key: finding.details[key] for key in WHERE if key in finding.details}
    located = ", ".join(f"{key} {value}" for key, value in where.items() if key != "quantity")
    message = (
        f"Hidden case {finding.case!r}: your results differ from the reference's"
        + (f" (first at {located})" if located else "")
        + ". Hidden cases use other seeds, shapes, dtypes and hyperparameters than the public "
        "ones: make sure your code works for any shape (0-dim included), float32 and float64, "
        "and every hyperparameter value."
    )
    return Finding("mismatch", message, finding.case, where, hidden=True)


def _without_values(finding: Finding) -> Finding:
    """A side condition of a hidden case without the values the student's code returned or
    printed (``repr``): they could carry that case's inputs out."""
    shown = finding.details.get("repr") if isinstance(finding.details, dict) else None
    if not shown:
        return finding
    details = {key: value for key, value in finding.details.items() if key != "repr"}
    message = finding.message.replace(str(shown), "(a value not shown for hidden cases)")
    return Finding(finding.kind, message, finding.case, details, hidden=True)


def stopped_policy(stopped: Finding, *, hidden: bool) -> Finding:
    """How a test that stopped (an exception, a crash, a timeout) is told. With hidden cases, an
    exception is reduced to its type and line (``redacted_error``) and what the code printed
    before it stopped is not quoted: it could print the hidden inputs it was given."""
    if hidden and stopped.kind == "error" and stopped.details.get("type"):
        return redacted_error(stopped)
    output = stopped.details.get("output")
    if not isinstance(output, str):
        return stopped
    details = {key: value for key, value in stopped.details.items() if key != "output"}
    message = stopped.message
    if hidden and output.strip():
        message += (
            ". What it printed is not shown, as the test ran hidden cases: run the self-check to "
            "see it on the public ones."
        )
        return Finding(stopped.kind, message, stopped.case, details, hidden=True)
    return Finding(stopped.kind, message + printed(output), stopped.case, details, stopped.hidden)


def redacted_error(finding: Finding) -> Finding:
    """An exception raised on a hidden case, reduced to its type and the student's line: its
    message could quote the hidden inputs (seeds, shapes, values) that student code read."""
    details = finding.details
    kind = details.get("type", "an exception")
    where = {key: details[key] for key in ("step", "param", "call") if key in details}
    located = ", ".join(f"{key} {value}" for key, value in where.items())
    line = student_line(str(details.get("traceback", "")))
    case = f"Hidden case {finding.case!r}" if finding.case else "On the hidden cases"
    message = (
        f"{case}: your code raised {kind}"
        + (f" ({located})" if located else "")
        + (f" at {line}" if line else "")
        + ". The message is not shown for hidden cases; run the self-check to see it on the "
        "public ones."
    )
    return Finding(
        "error", message, finding.case, {"type": kind, **where, "line": line}, hidden=True
    )


def student_line(traceback_text: str) -> str:
    """``line N of <where>: `code``` from the last frame of a traceback's student part."""
    lines = [line for line in traceback_text.splitlines() if line.strip()]
    for index in range(len(lines) - 1, -1, -1):
        match = _FRAME.match(lines[index])
        if match:
            code = lines[index + 1].strip() if index + 1 < len(lines) else ""
            where = f"line {match['line']} of {match['file']}"
            return f"{where}: `{code[:120]}`" if code and not _FRAME.match(code) else where
    return ""


_FRAME = re.compile(r'\s*File "(?P<file>[^"]*)", line (?P<line>\d+)')
