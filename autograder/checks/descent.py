r"""Gradient descent: the student's ``gradient_descent(f, x0, lr=, steps=)`` on named functions.

A case picks a differentiable function from ``OBJECTIVES`` (an ill-conditioned quadratic of any
shape, Rosenbrock in 2-D, a 0-dim function, a smooth non-quadratic one), a seeded start ``x0``, a
learning rate, a number of steps and a dtype. The runner records what came back and every broken
side condition; the judge compares the iterates with the reference's, row by row.

Tolerance. Let :math:`x_k` be the exact iterates, :math:`\tilde x_k` those of an implementation
in a dtype with machine epsilon :math:`\varepsilon`. Each computed step is the exact step from
:math:`\tilde x_k` plus a rounding error :math:`\rho_k` (gradient evaluation and the update), and
for our objectives :math:`\|\rho_k\|_2 \le c\,\varepsilon\,(\|x_k\|_2 + 1)` (the ``1`` covers the
constant offsets of the functions). Every case keeps :math:`0 \preceq \gamma\nabla^2 f \preceq I`
on the region it visits (``Objective.curvature`` times ``lr`` is at most 1; Rosenbrock starts in
its convex valley), so a step never expands a perturbation: :math:`\|\tilde x_t - x_t\|_2 \le
\sum_{k<t} \|\rho_k\|_2`. Two correct implementations (ours and the student's, in any working
precision at least the dtype's) are each that close to the exact iterates, hence, element-wise,

.. math::
    |x^{\text{student}}_{t,i} - x^{\text{ref}}_{t,i}| \le
        C\, \varepsilon \sum_{k=0}^{t} \left(\|x^{\text{ref}}_k\|_2 + 1\right), \qquad C = 16.

The bound grows linearly with the number of steps and never with trial and error.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import torch

from autograder.checks import tripwire
from autograder.checks.common import MAX_REPR, describe_error, error_finding, flat, normal
from autograder.checks.kind import Observation
from autograder.reports.result import Finding
from autograder.spec import TestSpec
from autograder.verdict.compare import DTYPES

KIND = "descent"
C_ITERATE = 16.0


@dataclass(frozen=True)
class Objective:
    r"""A named differentiable scalar function of one tensor.

    Attributes:
        f: the function.
        curvature: a bound :math:`L` on :math:`\|\nabla^2 f\|_2` over the region cases visit.
        start: builds ``x0`` from a seeded ``random.Random``, a shape, a scale and a dtype.
    """

    f: Callable[[torch.Tensor], torch.Tensor]
    curvature: float
    start: Callable[[random.Random, tuple[int, ...], float, torch.dtype], torch.Tensor] = normal


def quadratic(x: torch.Tensor) -> torch.Tensor:
    r""":math:`f(x) = \frac12 \sum_i d_i x_i^2`, :math:`d_i = 2^{i \bmod 7}`.

    Ill-conditioned: the condition number is 64, and every :math:`d_i` is exact in any dtype.
    """
    d = 2.0 ** (torch.arange(x.numel(), dtype=x.dtype) % 7)
    return 0.5 * (d * x.reshape(-1) ** 2).sum()


def rosenbrock(x: torch.Tensor) -> torch.Tensor:
    r""":math:`f(x) = (1 - x_0)^2 + 100\,(x_1 - x_0^2)^2`, minimum at :math:`(1, 1)`."""
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def rosenbrock_start(rng: random.Random, shape, scale: float, dtype) -> torch.Tensor:
    r"""A start on the convex side of the valley.

    :math:`x_0 = (a, a^2 - \delta)`, :math:`\delta \ge 0`.
    """
    z = normal(rng, (2,), 1.0, torch.float64)
    a = 1 + scale * float(z[0])
    return torch.tensor([a, a * a - 0.25 * scale * abs(float(z[1]))], dtype=dtype)


def wobble(x: torch.Tensor) -> torch.Tensor:
    r""":math:`f(x) = \sum_i \frac12 x_i^2 + \frac12 \cos x_i`: the 0-dim cases use it.

    Its curvature :math:`f'' = 1 - \frac12 \cos x` stays in :math:`[\frac12, \frac32]`.
    """
    return (0.5 * x**2 + 0.5 * torch.cos(x)).sum()


def log_cosh(x: torch.Tensor) -> torch.Tensor:
    r""":math:`f(x) = \sum_i w_i \log\cosh(x_i - \frac12)`, :math:`w_i = 2^{i \bmod 3}`: quadratic
    near the minimum, linear far from it."""
    w = 2.0 ** (torch.arange(x.numel(), dtype=x.dtype) % 3)
    return (w * torch.log(torch.cosh(x.reshape(-1) - 0.5))).sum()


OBJECTIVES: dict[str, Objective] = {
    "quadratic": Objective(quadratic, 64.0),
    "rosenbrock": Objective(rosenbrock, 2800.0, rosenbrock_start),
    "wobble": Objective(wobble, 1.5),
    "log_cosh": Objective(log_cosh, 4.0),
}


@dataclass(frozen=True)
class DescentCase:
    """Gradient descent on one named function.

    Attributes:
        id: names the case in feedback.
        function: a key of ``OBJECTIVES``.
        shape: the shape of ``x0``.
        dtype: ``"float32"`` or ``"float64"``.
        lr: the learning rate (``lr * curvature <= 1``).
        steps: how many steps.
        seed: seeds ``x0``.
        scale: the spread of ``x0``.
    """

    id: str
    function: str
    shape: tuple[int, ...]
    dtype: str
    lr: float
    steps: int
    seed: int
    scale: float = 1.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> DescentCase:
        return cls(**{**data, "shape": tuple(data["shape"])})

    def label(self) -> str:
        return (
            f"Case {self.id!r} ({self.function}, {self.dtype}, shape {list(self.shape)}, "
            f"lr={self.lr:g}, steps={self.steps})"
        )


def start(case: DescentCase) -> torch.Tensor:
    """The case's ``x0``."""
    objective = OBJECTIVES[case.function]
    return objective.start(random.Random(case.seed), case.shape, case.scale, DTYPES[case.dtype])


def public_cases(test: str = "gradient_descent") -> list[DescentCase]:
    """The public cases: every function once, both dtypes, a 0-dim and a 2-D start."""
    return [
        DescentCase(f"{test}/quadratic", "quadratic", (6,), "float64", 0.015, 30, 11),
        DescentCase(f"{test}/rosenbrock", "rosenbrock", (2,), "float64", 3e-4, 25, 12, 0.2),
        DescentCase(f"{test}/0-dim, float32", "wobble", (), "float32", 0.5, 20, 13, 2.0),
        DescentCase(f"{test}/log-cosh, float32", "log_cosh", (2, 3), "float32", 0.2, 25, 14, 3.0),
    ]


def run(gradient_descent: Callable[..., object], case: DescentCase) -> Observation:
    """Call ``gradient_descent`` once and record what it did.

    Returns:
        ``type``, ``shape``, ``dtype``: of the returned value; ``iterates``: its values, flattened
        row after row, when its shape is ``(steps + 1, *x0.shape)``; ``x0_modified``; ``f_calls``;
        ``error``; ``forbidden`` (calls to torch's optimiser kernels).
    """
    x0 = start(case)
    x0_before = x0.clone()
    calls = [0]
    objective = OBJECTIVES[case.function].f

    def f(x):
        calls[0] += 1
        return objective(x)

    observation: dict[str, Any] = {
        "type": None,
        "shape": None,
        "dtype": None,
        "iterates": None,
        "error": None,
    }
    with tripwire.watching(gradient_descent) as observation["forbidden"]:
        try:
            result = gradient_descent(f, x0, lr=case.lr, steps=case.steps)
        except Exception as error:  # the student's error is an observation
            observation["error"] = describe_error(error)
            result = None
    observation["f_calls"] = calls[0]
    observation["x0_modified"] = not torch.equal(x0.detach(), x0_before)
    if observation["error"] is None:
        observation["type"] = type(result).__name__
        if isinstance(result, torch.Tensor):
            observation["shape"] = list(result.shape)
            observation["dtype"] = str(result.dtype).removeprefix("torch.")
            if observation["shape"] == [case.steps + 1, *case.shape]:
                observation["iterates"] = flat(result)
        else:
            observation["repr"] = repr(result)[:MAX_REPR]
    return observation


def _rows(values: list[float], case: DescentCase) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64).reshape(case.steps + 1, -1)


def allowed(want: torch.Tensor, dtype: str) -> torch.Tensor:
    """The allowance of every row (module docstring), from the reference's rows."""
    eps = torch.finfo(DTYPES[dtype]).eps
    return C_ITERATE * eps * (want.norm(dim=1) + 1).cumsum(0)


def _unravel(flat_index: int, shape: tuple[int, ...]) -> list[int]:
    return [int(i) for i in torch.unravel_index(torch.tensor(flat_index), shape)] if shape else []


def _mismatch(case: DescentCase, got: torch.Tensor, want: torch.Tensor) -> Finding | None:
    limit = allowed(want, case.dtype)
    diff = (got - want).abs()
    bad = ~(diff <= limit.unsqueeze(1))  # NaN counts as bad
    if not bad.any():
        return None
    step = int(bad.any(dim=1).nonzero()[0])
    element = int(torch.where(bad[step], diff[step].nan_to_num(float("inf")), -1.0).argmax())
    details: dict[str, Any] = {
        "step": step,
        "index": _unravel(element, case.shape),
        "expected": float(want[step, element]),
        "got": float(got[step, element]),
        "allowed": float(limit[step]),
        "mismatched": int(bad[step].sum()),
        "total": int(bad[step].numel()),
    }
    where = "row 0 (it must be x0 itself)" if step == 0 else f"step {step}"
    if details["index"]:
        where += f", index {tuple(details['index'])}"
    message = (
        f"{case.label()}: at {where}: expected {details['expected']:.10g}, "
        f"got {details['got']:.10g} (up to {details['allowed']:.3g} allowed); "
        f"{details['mismatched']} of {details['total']} elements differ at that step."
    )
    stuck = [t for t in range(1, case.steps + 1) if torch.equal(got[t], got[-1])]
    if case.steps > 1 and len(stuck) == case.steps and not torch.equal(want[1], want[-1]):
        details["aliased"] = True
        message += (
            " Every row after the first holds the same values although the iterates should move:"
            " the rows are one tensor stored again and again."
        )
    return Finding("mismatch", message, case.id, details)


def judge(
    test: TestSpec,
    cases: list[DescentCase],
    observations: list[Observation],
    expected: list[Observation],
) -> list[Finding]:
    """Findings for ``gradient_descent``: one per failing case, plus ``x0`` being modified."""
    findings = []
    for case, got, want in zip(cases, observations, expected):
        finding = _case_finding(test, case, got, want)
        if finding is not None:
            findings.append(finding)
        if got.get("x0_modified"):
            findings.append(
                Finding(
                    "side_condition",
                    f"{case.label()}: `{test.answer}` modified `x0`; work on a copy "
                    "(x = x0.detach().clone().requires_grad_(True)).",
                    case.id,
                    {"x0_modified": True},
                )
            )
    return findings


def _case_finding(test, case: DescentCase, got: dict, want: dict) -> Finding | None:
    shape = [case.steps + 1, *case.shape]
    if got.get("forbidden"):
        return tripwire.finding(test, case.id, got["forbidden"])
    if got["error"] is not None:
        return error_finding(test, case.id, got["error"])
    if got["shape"] is None:
        return Finding(
            "side_condition",
            f"{case.label()}: `{test.answer}` returned a {got['type']} "
            f"({got.get('repr', '')}); it must return a tensor of shape {tuple(shape)}.",
            case.id,
            {"type": got["type"]},
        )
    if got["iterates"] is None:
        return Finding(
            "side_condition",
            f"{case.label()}: `{test.answer}` returned shape {tuple(got['shape'])}; "
            f"expected {tuple(shape)}: x0 followed by each of the {case.steps} iterates.",
            case.id,
            {"shape": got["shape"], "expected_shape": shape},
        )
    return _mismatch(case, _rows(got["iterates"], case), _rows(want["iterates"], case))
