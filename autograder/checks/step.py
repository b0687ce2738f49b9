"""Step functions: several parameters updated in turn, compared update by update.

A case is a trajectory: parameters of several shapes (a 0-dim one among them), each with its own
``state`` dict, updated one after the other for ``steps`` steps with gradients generated from the
case's seed. The runner records every value and every broken side condition; the judge compares
updates within the tolerances of ``autograder.verdict.compare``.
"""

from __future__ import annotations

import array
import math
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
from autograder.verdict import compare
from autograder.verdict.compare import DTYPES

KIND = "step"

# Shapes updated in turn: a 0-dim tensor, a vector and a matrix, each with its own state.
DEFAULT_SHAPES: tuple[tuple[int, ...], ...] = ((), (5,), (2, 3))


@dataclass(frozen=True)
class StepCase:
    """A trajectory for a step function: several parameters updated in turn for ``steps`` steps.

    Attributes:
        id: names the case in feedback, e.g. ``"adam/tiny gradients"``.
        hyper: the keyword arguments passed at every call.
        shapes: one parameter per shape, updated one after the other at every step.
        dtype: ``"float32"`` or ``"float64"``.
        steps: how many steps.
        seed: seeds the initial parameters and every gradient.
        grad_scale: the gradients' typical size; tiny values make ``eps`` dominate.
    """

    id: str
    hyper: dict[str, float]
    shapes: tuple[tuple[int, ...], ...] = DEFAULT_SHAPES
    dtype: str = "float64"
    steps: int = 25
    seed: int = 0
    grad_scale: float = 1.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> StepCase:
        shapes = tuple(tuple(shape) for shape in data["shapes"])
        return cls(**{**data, "shapes": shapes})


def step_inputs(case: StepCase) -> tuple[list[torch.Tensor], list[list[torch.Tensor]]]:
    """The initial parameters and the gradient of every parameter at every step.

    About one gradient entry in ten is exactly zero, and the gradients drift in sign from step to
    step, so momentum, per-coordinate scaling and ``eps`` all show in the trajectory.
    """
    params, grads, _pristine = _inputs(case)
    return params, grads


def _inputs(case: StepCase) -> tuple[list[torch.Tensor], list[list[torch.Tensor]], list[list]]:
    """``step_inputs``, and a copy of every gradient that is never handed out (to tell whether
    one changed)."""
    rng = random.Random(case.seed)
    dtype = DTYPES[case.dtype]
    params = [normal(rng, shape, 1.0, dtype) for shape in case.shapes]
    drift = [normal(rng, shape, case.grad_scale, dtype) for shape in case.shapes]
    sizes = [math.prod(shape) for shape in case.shapes]
    noise, keep = _draws(case)
    width = sum(sizes)
    mean = torch.cat([value.reshape(-1) for value in drift] or [torch.zeros(0, dtype=dtype)])
    grad = mean + _tensor(noise, torch.float64).to(dtype).reshape(case.steps, width)
    mask = _tensor(keep, torch.bool).reshape(grad.shape)
    kept = torch.where(mask, grad, torch.zeros_like(grad))
    # Views of the bulk tensor, one per step and parameter: never handed to the step function.
    columns = [
        column.reshape(case.steps, *shape).unbind(0)
        for column, shape in zip(kept.split(sizes, dim=1), case.shapes)
    ]
    pristine = [list(row) for row in zip(*columns)] or [[] for _ in range(case.steps)]
    # What the step function gets: one tensor with its own storage per step and parameter.
    grads = [[value.clone() for value in row] for row in pristine]
    return params, grads, pristine


# The random draws of step cases (every gradient's noise and keep mask) by what determines them:
# drawn once a process, and handed by the batch grader to each sandboxed child with its job
# (``prepare`` there, ``adopt`` here) rather than drawn again by every child.
_DRAWS: dict[tuple, tuple[bytes, bytes]] = {}


def _draws(case: StepCase) -> tuple[bytes, bytes]:
    """The noise (float64) and keep mask (bool) of every step and parameter, as bytes.

    The same draws in the same order as ``normal`` then a keep mask per parameter and step (after
    the starting parameters and the drift), so the gradients are bit-identical to drawing each
    one on its own; built into tensors once per case, they cost a few tensor operations.
    """
    key = (case.seed, tuple(case.shapes), case.steps, case.grad_scale)
    if key not in _DRAWS:
        rng = random.Random(case.seed)
        sizes = [math.prod(shape) for shape in case.shapes]
        for _ in range(2 * sum(sizes)):  # the starting parameters and the drift
            rng.gauss(0.0, 1.0)
        gauss, uniform, scale = rng.gauss, rng.random, case.grad_scale
        noise, keep = array.array("d"), bytearray()
        for _ in range(case.steps):
            for size in sizes:
                noise.extend([scale * gauss(0.0, 1.0) for _ in range(size)])
                keep.extend([uniform() > 0.1 for _ in range(size)])
        _DRAWS[key] = (noise.tobytes(), bytes(keep))
    return _DRAWS[key]


def _tensor(data: bytes, dtype: torch.dtype) -> torch.Tensor:
    if not data:
        return torch.zeros(0, dtype=dtype)
    return torch.frombuffer(bytearray(data), dtype=dtype)


def prepare(cases: list) -> dict:
    """The draws of ``cases`` (grader side), for ``adopt`` in a sandboxed child."""
    return {
        (case.seed, tuple(case.shapes), case.steps, case.grad_scale): _draws(case)
        for case in cases
        if isinstance(case, StepCase)
    }


def adopt(prepared: dict) -> None:
    """Use the draws ``prepare`` made instead of drawing them again (sandboxed child side)."""
    _DRAWS.update(prepared)


def step_cases(
    test: str,
    hypers: list[dict[str, float]],
    *,
    seed: int,
    steps: int = 25,
    shapes: tuple[tuple[int, ...], ...] = DEFAULT_SHAPES,
    float32: bool = True,
    tiny: bool = True,
) -> list[StepCase]:
    """Cases for one step function: every hyperparameter set in float64, then float32 and
    tiny-gradient variants of the first set."""
    cases = [
        StepCase(f"{test}/{_describe(hyper)}", hyper, shapes, "float64", steps, seed + k)
        for k, hyper in enumerate(hypers)
    ]
    first = hypers[0]
    if float32:
        cases.append(StepCase(f"{test}/float32", first, shapes, "float32", steps, seed + 100))
    if tiny:
        cases.append(
            StepCase(f"{test}/tiny gradients", first, shapes, "float64", steps, seed + 200, 1e-6)
        )
    return cases


def _describe(hyper: dict[str, float]) -> str:
    return ", ".join(f"{key}={value:g}" for key, value in hyper.items())


# Public hyperparameters of every step function: typical settings first, then settings where eps
# dominates (large eps), where the state matters most (momentum near 1) or least (momentum 0).
PUBLIC_STEP_HYPERS: dict[str, list[dict[str, float]]] = {
    "sgd": [{"lr": 0.1}, {"lr": 0.003}],
    "momentum": [{"lr": 0.05, "momentum": 0.9}, {"lr": 0.1, "momentum": 0.5}],
    "nesterov": [{"lr": 0.05, "momentum": 0.9}, {"lr": 0.1, "momentum": 0.5}],
    "adagrad": [{"lr": 0.1, "eps": 1e-10}, {"lr": 0.5, "eps": 0.1}],
    "rmsprop": [{"lr": 0.01, "alpha": 0.99, "eps": 1e-8}, {"lr": 0.05, "alpha": 0.9, "eps": 0.1}],
    "adam": [
        {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        {"lr": 0.05, "beta1": 0.5, "beta2": 0.9, "eps": 0.1},
    ],
}


def public_cases(test: str) -> list[StepCase]:
    """The public cases of one step function (the self-check runs these)."""
    seed = 1000 * (1 + list(PUBLIC_STEP_HYPERS).index(test))
    return step_cases(test, PUBLIC_STEP_HYPERS[test], seed=seed)


def run(step_fn: Callable[..., object], case: StepCase) -> Observation:
    """Call ``step_fn`` on every parameter of ``case`` in turn, ``case.steps`` times.

    Returns:
        ``trajectory[t][i]``: parameter ``i`` after ``t`` steps, flattened (``t = 0`` is the start);
        ``error``: the first exception, where it happened, or ``None``;
        ``returned``: the first value returned other than ``None``, and where;
        ``grad_modified``, ``dtype_changed``, ``shape_changed``: where a side condition broke first;
        ``forbidden``: the calls to torch's optimiser kernels (``tripwire``), if any.
    """
    params, grads, pristine = _inputs(case)
    states: list[dict] = [{} for _ in params]
    observation: dict[str, Any] = {
        "trajectory": [[flat(param) for param in params]],
        "error": None,
        "returned": None,
        "grad_modified": None,
        "dtype_changed": None,
        "shape_changed": None,
    }
    with torch.no_grad(), tripwire.watching(step_fn) as observation["forbidden"]:
        for step in range(1, case.steps + 1):
            for index, param in enumerate(params):
                grad = grads[step - 1][index]
                dtype, shape = param.dtype, param.shape
                where = {"step": step, "param": index}
                try:
                    returned = step_fn(param, grad, states[index], **case.hyper)
                except Exception as error:  # the student's error is an observation
                    observation["error"] = describe_error(error, **where)
                    return observation
                if returned is not None and observation["returned"] is None:
                    observation["returned"] = {"repr": repr(returned)[:MAX_REPR], **where}
                if observation["grad_modified"] is None and not torch.equal(
                    grad,
                    pristine[step - 1][index],  # what grad held before this call
                ):
                    observation["grad_modified"] = where
                if param.dtype != dtype and observation["dtype_changed"] is None:
                    observation["dtype_changed"] = {"got": str(param.dtype), **where}
                if param.shape != shape and observation["shape_changed"] is None:
                    observation["shape_changed"] = {"got": list(param.shape), **where}
            observation["trajectory"].append([flat(param) for param in params])
    if observation["grad_modified"] is None:
        observation["grad_modified"] = _earlier_grad_modified(grads, pristine)
    return observation


def _earlier_grad_modified(grads, pristine) -> dict | None:
    """Where a gradient changed after its call returned: ``state`` kept a reference to ``grad``
    (``state["b"] = grad`` without ``clone()``) and a later call updated it in place."""
    for step, (row, saved) in enumerate(zip(grads, pristine), start=1):
        for index, (grad, before) in enumerate(zip(row, saved)):
            if not torch.equal(grad, before):
                return {"step": step, "param": index, "after": True}
    return None


def _grad_when(modified: dict) -> str:
    if not modified.get("after"):
        return f"at step {modified['step']}"
    return (
        f"of step {modified['step']}, parameter {modified['param']}, after that call returned: "
        "`state` probably keeps a reference to `grad` (store grad.clone()) and a later call "
        "changed it"
    )


def judge(
    test: TestSpec,
    cases: list[StepCase],
    observations: list[Observation],
    expected: list[Observation],
) -> list[Finding]:
    """Findings for a step function, first failing case first."""
    findings = []
    for case, got, want in zip(cases, observations, expected):
        relative = compare.bias_correction_allowance(case.hyper, case.steps, case.dtype)
        mismatch = compare.first_update_mismatch(
            got["trajectory"], want["trajectory"], case.dtype, case.shapes, relative
        )
        label = f"Case {case.id!r} ({case.dtype}, shapes {list(case.shapes)}, {case.hyper})"
        if got.get("forbidden"):
            findings.append(tripwire.finding(test, case.id, got["forbidden"]))
        elif mismatch is not None:
            findings.append(
                Finding(
                    "mismatch",
                    f"{label}: {mismatch.describe()}",
                    case.id,
                    mismatch.__dict__ | {"index": list(mismatch.index)},
                )
            )
        elif got["error"] is not None:
            findings.append(error_finding(test, case.id, got["error"]))
        elif got["returned"] is not None:
            returned = got["returned"]
            findings.append(
                Finding(
                    "side_condition",
                    f"{label}: `{test.answer}` returned {returned['repr']} "
                    f"at step {returned['step']}; "
                    "it must update `param` in place and return None.",
                    case.id,
                    returned,
                )
            )
        elif got["grad_modified"] is not None:
            findings.append(
                Finding(
                    "side_condition",
                    f"{label}: `{test.answer}` modified `grad` "
                    f"{_grad_when(got['grad_modified'])}; "
                    "treat it as read-only (use out-of-place operations on it, or clone it first).",
                    case.id,
                    got["grad_modified"],
                )
            )
        for key, what in (("dtype_changed", "dtype"), ("shape_changed", "shape")):
            if got.get(key) and not findings:
                findings.append(
                    Finding(
                        "side_condition",
                        f"{label}: the {what} of `param` changed to {got[key]['got']}; "
                        "update it in place without changing its dtype or shape.",
                        case.id,
                        got[key],
                    )
                )
    return findings
