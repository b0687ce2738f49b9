r"""Short training runs of a small model: the loop, the cases and the comparison behind the
optimiser-class checks (``checks/optimizers``).

A case trains a functional MLP (leaf tensors, float64, built from the case's seed with Python's
``random``) for a few steps in the usual loop (``zero_grad``, forward, ``backward``, ``step``) and
records every parameter after every step. One parameter never enters the loss, so its gradient
stays ``None`` (a frozen parameter must not crash an optimiser). Options: parameter groups,
``step(closure)``, a ``state_dict()`` / ``load_state_dict()`` round trip into a fresh optimiser
mid-training, a scaled loss (tiny gradients, where ``eps`` decides).

Tolerance. A training loop feeds rounding back through the gradients, so a difference of one
rounding per step is carried into later steps through the Jacobian of the loop. The cases keep
the learning rates small and the runs short (the product of ``lr``, the curvature of the loss and
the number of steps stays below one), so that amplification is a small constant, and allow

.. math::
    |\theta^{\text{student}}_{t} - \theta^{\text{ref}}_{t}| \le
        C\, \varepsilon \sum_{k=0}^{t} \left(\max |\theta^{\text{ref}}_k| + 1\right),
        \qquad C = 10^4,

element-wise (:math:`\varepsilon`: float64's machine epsilon; about :math:`10^{-10}` after a run).
``tests/test_checks_optimizers.py`` checks that trajectories perturbed by rounding (other
arithmetic, gradients off by one part in :math:`10^{15}`) stay within a hundredth of that; the
mistakes the checks exist for change parameters by more than :math:`10^{-6}`.
"""

from __future__ import annotations

import copy
import random
from dataclasses import asdict, dataclass, field

import torch

from ..result import Finding
from . import tripwire
from .common import MAX_REPR, describe_error, flat, normal

C_TRAIN = 1e4
SHAPES = {"W1": (3, 4), "b1": (4,), "W2": (4, 2), "b2": (2,), "unused": (3,)}
SAMPLES = 8


@dataclass(frozen=True)
class TrainCase:
    """A short training run of a small MLP.

    Attributes:
        id: names the case in feedback.
        hyper: the optimiser's keyword arguments (``betas`` as a list); empty means defaults.
        steps: how many optimiser steps.
        seed: seeds the parameters and the data.
        groups: ``MyAdam`` only: per-group overrides; parameter ``i`` joins group ``i % len``.
        closure: pass the loss as a closure, ``step(closure)``.
        reload_at: after this step, rebuild the optimiser from ``state_dict()`` (0: never).
        loss_scale: multiplies the loss; tiny values make ``eps`` dominate.
    """

    id: str
    hyper: dict = field(default_factory=dict)
    steps: int = 12
    seed: int = 0
    groups: tuple[dict, ...] = ()
    closure: bool = False
    reload_at: int = 0
    loss_scale: float = 1.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainCase:
        return cls(**{**data, "groups": tuple(data.get("groups", ()))})

    def label(self) -> str:
        parts = [f"{self.steps} steps", str(self.hyper or "default hyperparameters")]
        if self.groups:
            parts.append(f"parameter groups {list(self.groups)}")
        if self.closure:
            parts.append("step(closure)")
        if self.reload_at:
            parts.append(f"rebuilt from state_dict() after step {self.reload_at}")
        if self.loss_scale != 1.0:
            parts.append(f"loss scaled by {self.loss_scale:g}")
        return f"Case {self.id!r} ({', '.join(parts)})"


def build_model(case: TrainCase):
    r"""The parameters (``W1, b1, W2, b2, unused``) and the loss
    :math:`s \cdot \operatorname{mean}\,(\tanh(X W_1 + b_1) W_2 + b_2 - Y)^2`."""
    rng = random.Random(case.seed)
    dtype = torch.float64
    params = [
        normal(rng, shape, 0.1 if name.startswith("b") else 0.8, dtype).requires_grad_(True)
        for name, shape in SHAPES.items()
    ]
    inputs = normal(rng, (SAMPLES, 3), 1.0, dtype)
    targets = normal(rng, (SAMPLES, 2), 1.0, dtype)
    w1, b1, w2, b2, _ = params

    def loss_fn() -> torch.Tensor:
        output = torch.tanh(inputs @ w1 + b1) @ w2 + b2
        return case.loss_scale * ((output - targets) ** 2).mean()

    return params, loss_fn


def constructor_kwargs(hyper: dict) -> dict:
    """The case's hyperparameters as keyword arguments (``betas`` back to a tuple)."""
    return {key: tuple(value) if key == "betas" else value for key, value in hyper.items()}


def _param_spec(params: list[torch.Tensor], case: TrainCase):
    if not case.groups:
        return (param for param in params)  # a generator, as model.parameters()
    count = len(case.groups)
    return [
        {"params": params[g::count], **constructor_kwargs(group)}
        for g, group in enumerate(case.groups)
    ]


def train(make, case: TrainCase, observation: dict) -> None:
    """Run the training loop, recording into ``observation`` (errors included)."""
    params, loss_fn = build_model(case)
    trajectory = observation["trajectory"] = [[flat(param) for param in params]]
    call, step = "the constructor", 0
    try:
        optimizer = make(_param_spec(params, case))
        for step in range(1, case.steps + 1):
            if case.closure:
                losses = []

                def closure(optimizer=optimizer, losses=losses):
                    optimizer.zero_grad()
                    loss = loss_fn()
                    loss.backward()
                    losses.append(loss)
                    return loss

                call = "step(closure)"
                returned = optimizer.step(closure)
                _check_closure(observation, step, returned, losses)
            else:
                call = "zero_grad()"
                optimizer.zero_grad()
                _check_zero_grad(observation, step, params)
                loss_fn().backward()
                call = "step()"
                optimizer.step()
            trajectory.append([flat(param) for param in params])
            if step == case.reload_at:
                call = "state_dict() / load_state_dict()"
                saved = copy.deepcopy(optimizer.state_dict())
                optimizer = make(_param_spec(params, case))
                optimizer.load_state_dict(saved)
    except Exception as error:  # the student's error is an observation
        observation["error"] = describe_error(error, step=step, call=call)


def _check_zero_grad(observation: dict, step: int, params: list[torch.Tensor]) -> None:
    if step == 1 or observation["zero_grad_kept"] is not None:
        return
    for index, param in enumerate(params):
        if param.grad is not None and bool(param.grad.ne(0).any()):
            observation["zero_grad_kept"] = {"step": step, "param": index}
            return


def _check_closure(observation: dict, step: int, returned, losses: list) -> None:
    if observation["closure_return"] is not None or not losses:
        return
    loss = losses[-1]
    same = (
        returned is loss
        or (isinstance(returned, torch.Tensor) and torch.equal(returned, loss))
        or (isinstance(returned, float) and returned == loss.item())  # loss.item(): same value
    )
    if not same:
        observation["closure_return"] = {"step": step, "repr": repr(returned)[:MAX_REPR]}


def new_observation(answer) -> dict:
    is_class = isinstance(answer, type)
    return {
        "trajectory": [],
        "error": None,
        "zero_grad_kept": None,
        "closure_return": None,
        "subclasses_optimizer": is_class and issubclass(answer, torch.optim.Optimizer),
    }


def _allowed(want: torch.Tensor, steps: int) -> torch.Tensor:
    eps = torch.finfo(torch.float64).eps
    return C_TRAIN * eps * (want.abs().amax(dim=1) + 1).cumsum(0)[: steps + 1]


def trajectory_mismatch(case: TrainCase, got: list, want: list) -> Finding | None:
    """The first step, parameter and element where the trajectories differ (module docstring)."""
    steps = min(len(got), len(want)) - 1
    if steps < 0:
        return None
    as_rows = [torch.tensor([_concat(row) for row in t[: steps + 1]]) for t in (got, want)]
    got_rows, want_rows = (rows.to(torch.float64) for rows in as_rows)
    limit = _allowed(want_rows, steps)
    diff = (got_rows - want_rows).abs()
    bad = ~(diff <= limit.unsqueeze(1))  # NaN counts as bad
    if not bad.any():
        return None
    step = int(bad.any(dim=1).nonzero()[0])
    element = int(torch.where(bad[step], diff[step].nan_to_num(float("inf")), -1.0).argmax())
    param, offset = _locate(element)
    name = list(SHAPES)[param]
    index = [int(i) for i in torch.unravel_index(torch.tensor(offset), SHAPES[name])]
    details = {
        "step": step,
        "param": param,
        "name": name,
        "index": index,
        "expected": float(want_rows[step, element]),
        "got": float(got_rows[step, element]),
        "allowed": float(limit[step]),
    }
    message = (
        f"{case.label()}: after step {step}, parameter {param} ({name}), index {tuple(index)}: "
        f"expected {details['expected']:.10g}, got {details['got']:.10g} "
        f"(up to {details['allowed']:.3g} allowed)."
    )
    if step > 0 and torch.equal(got_rows[step], got_rows[step - 1]):
        message += f" No parameter changed at step {step}, while the reference's did."
    if case.reload_at and step > case.reload_at:
        message += " This is the first step after the optimiser was rebuilt from its state_dict."
    return Finding("mismatch", message, case.id, details)


def _concat(row: list[list[float]]) -> list[float]:
    return [value for values in row for value in values]


def _locate(element: int) -> tuple[int, int]:
    for param, shape in enumerate(SHAPES.values()):
        size = int(torch.Size(shape).numel())
        if element < size:
            return param, element
        element -= size
    raise IndexError(element)


def _error(test, case: TrainCase, error: dict) -> Finding:
    return Finding(
        "error",
        f"{case.label()}: `{test.answer}` raised {error['type']} in {error['call']} at training "
        f"step {error['step']}: {error['message']}\n{error.get('traceback', '')}".rstrip(),
        case.id,
        error,
    )


def _case_findings(test, case: TrainCase, got: dict, want: dict) -> Finding | None:
    """The first thing wrong in one case."""
    if got.get("forbidden"):
        return tripwire.finding(test, case.id, got["forbidden"])
    if got["error"] is not None:
        return _error(test, case, got["error"])
    if got["zero_grad_kept"] is not None:
        kept = got["zero_grad_kept"]
        return Finding(
            "side_condition",
            f"{case.label()}: after zero_grad() before step {kept['step']}, parameter "
            f"{kept['param']} ({list(SHAPES)[kept['param']]}) still had a nonzero gradient: "
            "zero_grad() must clear every parameter's .grad (set it to None or zero it).",
            case.id,
            kept,
        )
    if got["closure_return"] is not None:
        returned = got["closure_return"]
        return Finding(
            "side_condition",
            f"{case.label()}: step(closure) returned {returned['repr']} at step "
            f"{returned['step']}; it must return the loss the closure returned.",
            case.id,
            returned,
        )
    return trajectory_mismatch(case, got["trajectory"], want["trajectory"])


def judge_cases(test, cases, observations, expected, class_findings) -> list[Finding]:
    """``class_findings`` (about the class itself), then the first finding of each failing case."""
    findings = list(class_findings)
    for case, got, want in zip(cases, observations, expected):
        finding = _case_findings(test, case, got, want)
        if finding is not None:
            findings.append(finding)
    return findings
