"""A difference profile: when no known mistake is named, say under which conditions a step
function differs from the reference and under which it does not, in a sentence or two before the
numbers.

It reads only the verdict's own findings (which cases fail, at which step and parameter) and the
cases (dtype, gradient scale, shapes, hyperparameters), so it never guesses a name: it points
at the part of the code to look at.

- NaN or infinity where the reference has a number: a division by zero or a root of a negative.
- Only the float32 cases fail: the dtype of the state or of a constant.
- Only the tiny-gradient cases: where ``eps`` enters.
- Only the cases with some values of a hyperparameter: how that hyperparameter is used.
- Every failing case matches at step 1: what ``state`` keeps between calls.
- The first parameter matches where the next ones differ: state shared between parameters.
- Only the 0-dim parameter differs: code that depends on the shape.
"""

from __future__ import annotations

import math

from autograder.reports.result import Finding

KIND = "profile"


def profile(test, cases: list, findings: list[Finding]) -> Finding | None:
    """The profile of a failing step function, or None when there is nothing to add."""
    if test.kind != "step" or not cases:
        return None
    mismatches = {f.case: f.details for f in findings if f.kind == "mismatch" and f.case}
    failing = {f.case for f in findings if f.case}
    if not mismatches:
        return None
    non_finite = _non_finite(mismatches)
    sentences = [non_finite] if non_finite else []
    if not sentences:
        sentences += _conditions(cases, failing)
        sentences += _where(cases, mismatches)
    if not sentences:
        return None
    return Finding(KIND, " ".join(sentences[:2]), None, {"profile": sentences[:2]})


def _non_finite(mismatches: dict[str, dict]) -> str | None:
    steps = [
        details["step"]
        for details in mismatches.values()
        if _bad(details.get("got")) and not _bad(details.get("expected"))
    ]
    if not steps:
        return None
    return (
        f"Your values become NaN or infinite (first at step {min(steps)}) where the reference's "
        "are finite: look for a division by zero or the square root of a negative number (in "
        "Adam, a step count of 0 in the bias correction makes 1 − β⁰ = 0)."
    )


def _bad(value) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def _conditions(cases: list, failing: set[str]) -> list[str]:
    """Sentences about which kinds of cases fail, when some pass."""
    passing = [case for case in cases if case.id not in failing]
    bad = [case for case in cases if case.id in failing]
    if not passing or not bad:
        return []
    if all(case.dtype == "float32" for case in bad) and all(
        case.dtype != "float32" for case in passing
    ):
        return [
            "Only the float32 cases differ (float64 ones match): check the dtype of your "
            "state and constants (`torch.zeros_like(param)` keeps the parameter's dtype)."
        ]
    if all(case.grad_scale < 1 for case in bad) and all(case.grad_scale >= 1 for case in passing):
        return [
            "Only the cases with tiny gradients differ, where eps decides: check where and how "
            "eps enters your update."
        ]
    return _hyper_values(bad, passing)


def _hyper_values(bad: list, passing: list) -> list[str]:
    for key in sorted({key for case in bad for key in case.hyper}):
        failing_values = {case.hyper.get(key) for case in bad}
        passing_values = {case.hyper.get(key) for case in passing}
        if failing_values.isdisjoint(passing_values):
            return [
                f"Only some values of {key} differ: {key} = {_values(failing_values)} differs, "
                f"{key} = {_values(passing_values)} matches; check how {key} enters your update."
            ]
    return []


def _values(values: set) -> str:
    return " or ".join(f"{value:g}" for value in sorted(v for v in values if v is not None))


def _where(cases: list, mismatches: dict[str, dict]) -> list[str]:
    """Sentences about where in a run the first differences lie."""
    by_id = {case.id: case for case in cases}
    found = [(by_id[case_id], details) for case_id, details in mismatches.items()]
    sentences = []
    if all(details["step"] >= 2 for _, details in found):
        first = min(details["step"] for _, details in found)
        sentences.append(
            f"Step 1 matches in every case; the differences start at step {first}: look at what "
            "your code keeps in `state` between calls, and how it uses it."
        )
    if all(details["param"] >= 1 for _, details in found):
        sentences.append(
            "The first parameter of each step matches and a later one differs: does every "
            "parameter keep its own state, in the `state` dict it is given?"
        )
    elif all(case.shapes[details["param"]] == () for case, details in found):
        sentences.append(
            "Only the 0-dim parameter differs: check code that depends on the shape (indexing, "
            "`len`, `view`, loops over elements)."
        )
    return sentences
