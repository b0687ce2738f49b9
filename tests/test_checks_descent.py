"""Does the gradient-descent check give every correct variant full marks and every wrong one 0?

Variants are submissions written as source, in the styles students use; each wrong one must
score 0 with a finding of the expected kind that says where (case, step, index).
"""

from __future__ import annotations

import json

import pytest

from autograder.checks import descent
from autograder.spec import BY_NAME
from solutions import reference
from solutions.hidden_cases import hidden_cases
from tests.helpers_engine import first, grade

HEADER = "def gradient_descent(f, x0, *, lr, steps):\n"

CORRECT = {
    "autograd.grad, stacked copies": """
    x = x0.detach().clone().requires_grad_(True)
    out = [x.detach().clone()]
    for _ in range(steps):
        (g,) = torch.autograd.grad(f(x), x)
        with torch.no_grad():
            x -= lr * g
        out.append(x.detach().clone())
    return torch.stack(out)
""",
    "backward, x.grad voided with zero_": """
    x = x0.clone().requires_grad_()
    out = [x0.clone()]
    for _ in range(steps):
        f(x).backward()
        with torch.no_grad():
            x.sub_(lr * x.grad)
        x.grad.zero_()
        out.append(x.detach().clone())
    return torch.stack(out)
""",
    "backward, x.grad set to None, x.data updated": """
    x = x0.detach().clone().requires_grad_(True)
    out = [x0]
    for _ in range(steps):
        f(x).backward()
        x.data = x.data - lr * x.grad
        x.grad = None
        out.append(x.detach().clone())
    return torch.stack(out)
""",
    "rebinding a new leaf every step": """
    x = x0
    out = [x0.clone()]
    for _ in range(steps):
        x = x.detach().requires_grad_(True)
        f(x).backward()
        x = x - lr * x.grad
        out.append(x.detach())
    return torch.stack(out)
""",
    "preallocated output": """
    out = torch.empty((steps + 1, *x0.shape), dtype=x0.dtype)
    out[0] = x0
    x = x0.clone()
    for k in range(steps):
        x.requires_grad_(True)
        (g,) = torch.autograd.grad(f(x), x)
        x = (x - lr * g).detach()
        out[k + 1] = x
    return out
""",
    "float64 internals, float64 result": """
    x = x0.to(torch.float64, copy=True).requires_grad_(True)
    out = [x.detach().clone()]
    for _ in range(steps):
        (g,) = torch.autograd.grad(f(x), x)
        with torch.no_grad():
            x -= lr * g
        out.append(x.detach().clone())
    return torch.stack(out)
""",
    "torch.func.grad": """
    grad_f = torch.func.grad(f)
    out = [x0.clone()]
    for _ in range(steps):
        out.append(out[-1] - lr * grad_f(out[-1]))
    return torch.stack(out)
""",
}

# name -> (body, the finding kind that must say what is wrong)
WRONG = {
    "modifies x0": (
        """
    x = x0.requires_grad_(True)
    out = [x.detach().clone()]
    for _ in range(steps):
        (g,) = torch.autograd.grad(f(x), x)
        with torch.no_grad():
            x -= lr * g
        out.append(x.detach().clone())
    return torch.stack(out)
""",
        "side_condition",
    ),
    "aliasing iterates": (
        """
    x = x0.clone().requires_grad_(True)
    out = [x0]
    for _ in range(steps):
        (g,) = torch.autograd.grad(f(x), x)
        with torch.no_grad():
            x -= lr * g
        out.append(x)
    return torch.stack(out).detach()
""",
        "mismatch",
    ),
    "accumulating gradients": (
        """
    x = x0.clone().requires_grad_(True)
    out = [x0.clone()]
    for _ in range(steps):
        f(x).backward()
        with torch.no_grad():
            x -= lr * x.grad
        out.append(x.detach().clone())
    return torch.stack(out)
""",
        "mismatch",
    ),
    "gradient ascent": (
        """
    x = x0.clone().requires_grad_(True)
    out = [x0.clone()]
    for _ in range(steps):
        (g,) = torch.autograd.grad(f(x), x)
        with torch.no_grad():
            x += lr * g
        out.append(x.detach().clone())
    return torch.stack(out)
""",
        "mismatch",
    ),
    "x0 left out": (
        """
    x = x0.clone().requires_grad_(True)
    out = []
    for _ in range(steps):
        (g,) = torch.autograd.grad(f(x), x)
        with torch.no_grad():
            x -= lr * g
        out.append(x.detach().clone())
    return torch.stack(out)
""",
        "side_condition",
    ),
    "returns a list": (
        """
    x = x0.clone().requires_grad_(True)
    out = [x0.clone()]
    for _ in range(steps):
        (g,) = torch.autograd.grad(f(x), x)
        with torch.no_grad():
            x -= lr * g
        out.append(x.detach().clone())
    return out
""",
        "side_condition",
    ),
    "wraps torch.optim.SGD": (
        """
    x = x0.clone().requires_grad_(True)
    opt = torch.optim.SGD([x], lr=lr)
    out = [x0.clone()]
    for _ in range(steps):
        opt.zero_grad()
        f(x).backward()
        opt.step()
        out.append(x.detach().clone())
    return torch.stack(out)
""",
        "forbidden",
    ),
    "one step too many": (
        """
    x = x0.clone().requires_grad_(True)
    out = [x0.clone()]
    for _ in range(steps + 1):
        (g,) = torch.autograd.grad(f(x), x)
        with torch.no_grad():
            x -= lr * g
        out.append(x.detach().clone())
    return torch.stack(out)
""",
        "side_condition",
    ),
}


@pytest.mark.parametrize("body", CORRECT.values(), ids=CORRECT.keys())
def test_correct_variant_gets_full_marks(body):
    """Does a correct gradient descent written this way get full marks on public+hidden cases?"""
    result = grade(HEADER + body, "gradient_descent")
    assert result.passed, result.feedback


@pytest.mark.parametrize(("body", "kind"), WRONG.values(), ids=WRONG.keys())
def test_wrong_variant_gets_zero_with_a_finding_saying_where(body, kind):
    """Does this wrong gradient descent score 0, with a finding naming the case and where?"""
    result = grade(HEADER + body, "gradient_descent")
    assert result.score == 0
    finding = first(result, kind)
    assert finding.case is not None
    if kind == "mismatch":
        assert {"step", "index", "expected", "got", "allowed"} <= set(finding.details)
        assert f"step {finding.details['step']}" in finding.message


def test_aliasing_is_told_as_one_tensor_stored_again():
    """Does the feedback say the rows are one tensor when every row after x0 is the same?"""
    result = grade(HEADER + WRONG["aliasing iterates"][0], "gradient_descent")
    assert first(result, "mismatch").details.get("aliased") is True
    assert "one tensor" in first(result, "mismatch").message


def test_every_case_is_non_expansive():
    """Does every case keep lr times the curvature bound at most 1 (the tolerance needs it)?"""
    for case in descent.public_cases() + hidden_cases("gradient_descent"):
        assert case.lr * descent.OBJECTIVES[case.function].curvature <= 1, case.id


def test_tolerance_covers_float64_internals_with_margin(monkeypatch):
    """Does a float64-internal implementation stay within a twentieth of the allowance?"""
    monkeypatch.setattr(descent, "C_ITERATE", descent.C_ITERATE / 20)
    result = grade(HEADER + CORRECT["float64 internals, float64 result"], "gradient_descent")
    assert result.passed, result.feedback


def test_observations_are_plain_data():
    """Is every observation JSON-able, for the reference and for a crashing submission?"""

    def crashing(f, x0, *, lr, steps):
        raise ValueError("no")

    for case in descent.public_cases():
        for answer in (reference.gradient_descent, crashing):
            observation = descent.run(answer, case)
            assert json.loads(json.dumps(observation)) == observation


def test_case_round_trips_through_dict():
    """Does a case survive to_dict/from_dict (it crosses into the sandbox as JSON)?"""
    for case in hidden_cases("gradient_descent"):
        assert descent.DescentCase.from_dict(json.loads(json.dumps(case.to_dict()))) == case


def test_f_is_called_and_recorded():
    """Does the runner count the calls of f (a hard-coded answer never calls it)?"""
    case = descent.public_cases()[0]
    assert descent.run(reference.gradient_descent, case)["f_calls"] == case.steps
    assert BY_NAME["gradient_descent"].kind == descent.KIND
