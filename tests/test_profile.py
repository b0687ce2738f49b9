"""When no mistake is named, does the difference profile say under which conditions a step
function differs, and only what the findings show?"""

from __future__ import annotations

import pytest

from autograder.checks.step import StepCase
from autograder.reports.result import Finding
from autograder.spec import BY_NAME
from autograder.verdict.profile import profile
from tests.helpers_engine import grade

CASES = [
    StepCase("m/a", {"lr": 0.1, "momentum": 0.9}),
    StepCase("m/b", {"lr": 0.1, "momentum": 0.5}),
    StepCase("m/float32", {"lr": 0.1, "momentum": 0.9}, dtype="float32"),
    StepCase("m/tiny", {"lr": 0.1, "momentum": 0.9}, grad_scale=1e-6),
]


def _mismatch(case: str, step: int = 1, param: int = 1, got: float = 0.5) -> Finding:
    return Finding(
        "mismatch", "numbers", case, {"step": step, "param": param, "got": got, "expected": 0.25}
    )


PROFILES = {
    "only float32": ([_mismatch("m/float32")], "Only the float32 cases differ"),
    "only tiny gradients": ([_mismatch("m/tiny")], "Only the cases with tiny gradients"),
    "only momentum 0.5": ([_mismatch("m/b")], "momentum = 0.5 differs, momentum = 0.9 matches"),
    "from step 3 on": (
        [_mismatch(case.id, step=3, param=0) for case in CASES],
        "differences start at step 3",
    ),
    "only a later parameter": (
        [_mismatch(case.id, step=1, param=2) for case in CASES],
        "does every parameter keep its own state",
    ),
    "only the 0-dim parameter": (
        [_mismatch(case.id, step=1, param=0) for case in CASES],
        "Only the 0-dim parameter differs",
    ),
    "NaN": ([_mismatch("m/a", got=float("nan"))], "NaN or infinite (first at step 1)"),
}


@pytest.mark.parametrize(("findings", "words"), PROFILES.values(), ids=PROFILES.keys())
def test_profile_says_which_conditions_differ(findings, words):
    """Does the profile of these findings say this, in at most two sentences?"""
    found = profile(BY_NAME["momentum"], CASES, findings)
    assert found is not None and words in found.message, found
    assert len(found.details["profile"]) <= 2


def test_no_profile_when_everything_differs_from_step_one():
    """Is there no profile when every case differs at step 1 at its first parameter, which is
    not 0-dim (nothing to narrow down)?"""
    cases = [
        StepCase(case.id, case.hyper, ((3,), (2,)), case.dtype, grad_scale=case.grad_scale)
        for case in CASES
    ]
    findings = [_mismatch(case.id, step=1, param=0) for case in cases]
    assert profile(BY_NAME["momentum"], cases, findings) is None


def test_profile_comes_first_when_nothing_is_named():
    """Does a wrong step function that matches no catalogued mistake get the profile first,
    before the numbers (here: wrong only for the 0-dim parameter)?"""
    source = """
def sgd_step(param, grad, state, *, lr):
    if param.dim() == 0:
        param -= 2 * lr * grad
    else:
        param -= lr * grad
"""
    result = grade(source, "sgd")
    assert result.score == 0
    assert result.findings[0].kind == "profile", result.feedback
    assert "0-dim" in result.findings[0].message


def test_named_mistake_gets_no_profile():
    """Does a named mistake come without a profile (the name says more)?"""
    source = "def sgd_step(param, grad, state, *, lr):\n    param += lr * grad\n"
    result = grade(source, "sgd")
    assert [f.kind for f in result.findings].count("profile") == 0
    assert result.findings[0].kind == "mistake"
