"""Judge one test: the student's observations against the reference's, case by case.

Every finding is data plus a sentence; the first failing case decides the score (all-or-nothing
for code: a wrong implementation never passes), and ``diagnose`` names the mistake when the
student's behaviour matches one from the catalogue.
"""

from __future__ import annotations

from . import compare
from .result import Finding, TestResult


def _error_finding(test, case_id: str, error: dict) -> Finding:
    where = ""
    if "step" in error:
        where = f" at step {error['step']}, parameter {error['param']}"
    return Finding(
        "error",
        f"Case {case_id!r}: `{test.answer}` raised {error['type']}{where}: {error['message']}\n"
        f"{error.get('traceback', '')}".rstrip(),
        case_id,
        error,
    )


def judge_step(test, cases, observations, expected) -> list[Finding]:
    """Findings for a step function, first failing case first."""
    findings = []
    for case, got, want in zip(cases, observations, expected):
        mismatch = compare.first_update_mismatch(
            got["trajectory"], want["trajectory"], case.dtype, case.shapes
        )
        label = f"Case {case.id!r} ({case.dtype}, shapes {list(case.shapes)}, {case.hyper})"
        if mismatch is not None:
            findings.append(Finding("mismatch", f"{label}: {mismatch.describe()}", case.id,
                                    mismatch.__dict__ | {"index": list(mismatch.index)}))
        elif got["error"] is not None:
            findings.append(_error_finding(test, case.id, got["error"]))
        elif got["returned"] is not None:
            returned = got["returned"]
            findings.append(Finding(
                "side_condition",
                f"{label}: `{test.answer}` returned {returned['repr']} at step {returned['step']}; "
                "it must update `param` in place and return None.",
                case.id, returned))
        elif got["grad_modified"] is not None:
            findings.append(Finding(
                "side_condition",
                f"{label}: `{test.answer}` modified `grad` at step {got['grad_modified']['step']}; "
                "treat it as read-only (use out-of-place operations on it, or clone it first).",
                case.id, got["grad_modified"]))
        for key, what in (("dtype_changed", "dtype"), ("shape_changed", "shape")):
            if got.get(key) and not findings:
                findings.append(Finding(
                    "side_condition",
                    f"{label}: the {what} of `param` changed to {got[key]['got']}; update it in "
                    "place without changing its dtype or shape.", case.id, got[key]))
    return findings


JUDGES = {"step": judge_step}


def judge(test, cases, observations, expected, *, hidden: bool) -> TestResult:
    """Score one test: full marks when no case has a finding, else zero with the findings."""
    if observations and "invalid" in observations[0]:
        return TestResult.zero(test.name, Finding("invalid", observations[0]["invalid"]))
    findings = JUDGES[test.kind](test, cases, observations, expected)
    if not findings:
        return TestResult.full(test.name)
    return TestResult.zero(test.name, *findings)
