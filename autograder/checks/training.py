r"""Short training runs: the loop, the cases and the comparison behind the optimiser-class checks
(``checks/optimizers``).

A case trains five leaf tensors (float64, one 0-dim, two of one shape, built from the case's seed
with Python's ``random``) for a few steps in the usual loop (``zero_grad``, forward,
``backward``, ``step``) and records every parameter after every step. Every one of them enters
the loss, so every one has a gradient, as in the course text (``MySGD`` may skip a parameter
whose ``.grad`` is None, and need not). Options: a sixth parameter that never enters the loss,
whose gradient stays ``None`` (``frozen``: ``MyAdam`` must skip it, as ``torch.optim.Adam``
does), parameter groups, ``step(closure)``, a ``state_dict()`` / ``load_state_dict()`` round
trip into a fresh optimiser mid-training, a scaled loss (tiny gradients, where ``eps`` decides).

The loss. Separable, element by element, with coefficient tensors :math:`C, A, D` per parameter:

.. math::
    L(\theta) = \sum_{\text{params}} \sum_i C_i\,(\theta_i - A_i)^2 + D_i\,\theta_i^4,
    \qquad
    \frac{\partial L}{\partial \theta_i} = 2\,C_i(\theta_i - A_i) + 4\,D_i\,\theta_i^2\,\theta_i .

It is written with explicit products (no ``**``, no ``tanh``, no matrix product), so autograd's
backward is elementwise products and sums of two operands: every gradient element is
``2*fl(C*fl(θ-A)) + 4*fl(fl(D*fl(θ*θ))*θ)``, each operation correctly rounded (IEEE 754), the
doublings exact, the order of autograd's accumulation fixed by the graph. It depends on its
own coordinate only, so it is the same bit for bit on every CPU, BLAS, vector width and thread
count (the loss *value* is a sum whose order may differ; it is never compared: ``step(closure)``
must return the closure's own loss, checked by identity).

Coefficients per coordinate: :math:`\theta_0 \sim U(-1, 1)`;
:math:`A = \theta_0 \pm \delta` with :math:`\delta \sim U(2, 3)` (the minimum is far away);
curvature :math:`C = s\,k\,c` with :math:`c \sim U(\frac14, 2)` and a scale
:math:`k \in \{1, 10^{-3}, 10^{-6}, 10^{-9}\}` (some coordinates have tiny gradients, where
``eps`` decides); :math:`D = r\,C`, :math:`r \sim U(0, 0.005)`, so the curvature
:math:`h = 2C(1 + 6 r \theta^2)` changes along the way; :math:`s` is the case's ``loss_scale``.

Tolerance. With exact gradients, a correct optimiser differs from the reference only by its own
rounding (other arithmetic, a fused multiply-add on another CPU) and by what that rounding does
to the next gradients. The comparison is the step functions' (``compare.first_update_mismatch``,
float64): update by update, :math:`\Delta_t = \theta_t - \theta_{t-1}`,

.. math::
    |\Delta^{\text{student}}_t - \Delta^{\text{ref}}_t| \le
        c_{\text{acc}}\, t\, \varepsilon\, \max_{s \le t} |\Delta^{\text{ref}}_s|
        + c_{\text{store}}\, \varepsilon\, (|\theta_t| + |\theta_{t-1}|).

A step's own rounding, :math:`\rho \le 2 \varepsilon |\theta|` (the update formed, then
stored), is within the second term. It feeds back: a parameter off by :math:`\delta` moves the
gradient by :math:`h \delta`, and the next update by :math:`\gamma \delta`. For SGD
:math:`\gamma = \mathrm{lr}\, h < 1` on every case, so the loop contracts the error
(:math:`\delta_{t+1} = (1 - \mathrm{lr}\,h)\,\delta_t + \rho_t`) and the feedback adds at most
about one step's rounding. For Adam :math:`\gamma \approx \mathrm{lr}\, h / (\sqrt{\hat v} +
\epsilon) \lesssim \mathrm{lr} / |\theta - \theta^\ast|` (far from the minimum
:math:`\theta^\ast`, :math:`|g| \approx h |\theta - \theta^\ast|`), and the cases keep
:math:`\sum_t \gamma_t \le 1` over a run: the feedback adds at most :math:`\rho \sum_t
\gamma_t \le \rho`. So a correct class stays within half of the allowance.
``tests/test_checks_optimizers.py`` checks the closed form bit for bit, both conditions on
every case, and that rounding perturbations (out-of-place arithmetic, a gradient off by
:math:`10^{-15}`, every parameter one ulp off after each step) stay within a quarter of the
allowance; ``tests/test_mistakes.py`` that every catalogued mistake still leaves it.
"""

from __future__ import annotations

import copy
import random
from dataclasses import asdict, dataclass, field

import torch

from autograder.checks import tripwire
from autograder.checks.common import MAX_REPR, describe_error, flat
from autograder.reports.result import Finding
from autograder.verdict import compare

# The parameters, in order: two of one shape (state kept per shape, not per parameter, shows).
SHAPES = {
    "weight": (3, 4),
    "bias": (4,),
    "matrix": (4, 2),
    "scalar": (),
    "shift": (4,),
}
# Added last in a ``frozen`` case: a parameter that never enters the loss (its gradient stays None).
FROZEN = {"unused": (3,)}
# The scale k of a coordinate's curvature: mostly 1, some tiny (module docstring).
CURVATURE_SCALES = (1.0, 1.0, 1.0, 1e-3, 1e-6, 1e-9)


@dataclass(frozen=True)
class TrainCase:
    """A short training run on a separable loss (module docstring).

    Attributes:
        id: names the case in feedback.
        hyper: the optimiser's keyword arguments (``betas`` as a list); empty means defaults.
        steps: how many optimiser steps.
        seed: seeds the starting point and the coefficients of the loss.
        groups: ``MyAdam`` only: per-group overrides; parameter ``i`` joins group ``i % len``.
        closure: pass the loss as a closure, ``step(closure)``.
        reload_at: after this step, rebuild the optimiser from ``state_dict()`` (0: never).
        loss_scale: multiplies the loss; tiny values make ``eps`` dominate.
        frozen: add a parameter that never enters the loss (its ``.grad`` stays None).
    """

    id: str
    hyper: dict = field(default_factory=dict)
    steps: int = 12
    seed: int = 0
    groups: tuple[dict, ...] = ()
    closure: bool = False
    reload_at: int = 0
    loss_scale: float = 1.0
    frozen: bool = False

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
        if self.frozen:
            parts.append("one parameter without a gradient")
        return f"Case {self.id!r} ({', '.join(parts)})"


Terms = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # C, A, D of one parameter


def shapes(case: TrainCase) -> dict[str, tuple[int, ...]]:
    """The parameters of a case by name, in order: ``SHAPES``, then ``FROZEN`` if it has one."""
    return {**SHAPES, **FROZEN} if case.frozen else dict(SHAPES)


def landscape(case: TrainCase) -> tuple[list[torch.Tensor], list[Terms | None]]:
    """The starting values of the parameters and their coefficients ``(C, A, D)`` (``None`` for
    the unused parameter), from the case's seed (module docstring)."""
    rng = random.Random(case.seed)
    starts, terms = [], []
    for name, shape in shapes(case).items():
        rows = [_coordinate(rng, case.loss_scale) for _ in range(int(torch.Size(shape).numel()))]
        start, curvature, target, quartic = (
            torch.tensor([row[j] for row in rows], dtype=torch.float64).reshape(shape)
            for j in range(4)
        )
        starts.append(start)
        terms.append(None if name in FROZEN else (curvature, target, quartic))
    return starts, terms


def _coordinate(rng: random.Random, scale: float) -> tuple[float, float, float, float]:
    start = rng.uniform(-1.0, 1.0)
    target = start + rng.choice((-1.0, 1.0)) * rng.uniform(2.0, 3.0)
    curvature = scale * rng.choice(CURVATURE_SCALES) * rng.uniform(0.25, 2.0)
    return start, curvature, target, rng.uniform(0.0, 0.005) * curvature


def build_model(case: TrainCase):
    r"""The parameters and the loss :math:`\sum C(\theta - A)^2 + D\theta^4` (module docstring):
    explicit products, so that every gradient element is exact IEEE arithmetic on its own
    coordinate, the same on every platform."""
    starts, terms = landscape(case)
    params = [start.clone().requires_grad_(True) for start in starts]

    def loss_fn() -> torch.Tensor:
        total = torch.zeros((), dtype=torch.float64)
        for param, term in zip(params, terms):
            if term is not None:
                curvature, target, quartic = term
                diff = param - target
                square = param * param
                total = total + (curvature * diff * diff + quartic * square * square).sum()
        return total

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


def train(make, case: TrainCase, observation: dict, watch=None) -> None:
    """Run the training loop, recording into ``observation`` (errors included); ``watch``, if
    given, is called with the optimiser and the step after building it (0) and after each step
    (``checks/adam_api``)."""
    params, loss_fn = build_model(case)
    trajectory = observation["trajectory"] = [[flat(param) for param in params]]
    call, step = "the constructor", 0
    try:
        optimizer = make(_param_spec(params, case))
        # What was built, not only what was called: a function named like the class may return
        # a torch.optim.Optimizer (``type()``, which no ``__class__`` property changes).
        if issubclass(type(optimizer), torch.optim.Optimizer):
            observation["subclasses_optimizer"] = True
        if watch is not None:
            watch(optimizer, 0)
        for step in range(1, case.steps + 1):
            if case.closure:
                losses: list[torch.Tensor] = []

                def closure(optimizer=optimizer, losses=losses, step=step):
                    if not torch.is_grad_enabled() and observation["closure_no_grad"] is None:
                        observation["closure_no_grad"] = step
                    optimizer.zero_grad()
                    loss = loss_fn()
                    loss.backward()
                    losses.append(loss)
                    return loss

                call = "step(closure)"
                returned = optimizer.step(closure)
                if not losses and observation["closure_not_called"] is None:
                    observation["closure_not_called"] = step
                _check_closure(observation, step, returned, losses)
            else:
                call = "zero_grad()"
                optimizer.zero_grad()
                _check_zero_grad(observation, step, params)
                loss_fn().backward()
                call = "step()"
                optimizer.step()
            trajectory.append([flat(param) for param in params])
            if watch is not None:
                watch(optimizer, step)
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
        "closure_no_grad": None,
        "closure_not_called": None,
        "subclasses_optimizer": is_class and issubclass(answer, torch.optim.Optimizer),
    }


def trajectory_mismatch(case: TrainCase, got: list, want: list) -> Finding | None:
    """The first step, parameter and element where the updates differ (module docstring)."""
    named = shapes(case)
    mismatch = compare.first_update_mismatch(got, want, "float64", tuple(named.values()))
    if mismatch is None:
        return None
    step, param = mismatch.step, mismatch.param
    name = list(named)[param]
    offset = _offset(mismatch.index, named[name])
    value_want, value_got = want[step][param][offset], got[step][param][offset]
    details = {
        "step": step,
        "param": param,
        "name": name,
        "index": list(mismatch.index),
        "expected": mismatch.expected,
        "got": mismatch.got,
        "allowed": mismatch.allowed,
    }
    message = (
        f"{case.label()}: after step {step}, parameter {param} ({name}), index "
        f"{tuple(mismatch.index)}: expected {value_want:.10g}, got {value_got:.10g}; step "
        f"{step} moved it by {mismatch.got:.10g} where the reference moved it by "
        f"{mismatch.expected:.10g} (up to {mismatch.allowed:.3g} apart allowed)."
    )
    if all(row == before for row, before in zip(got[step], got[step - 1])):
        message += f" No parameter changed at step {step}, while the reference's did."
    if case.reload_at and step > case.reload_at:
        message += " This is the first step after the optimiser was rebuilt from its state_dict."
    return Finding("mismatch", message, case.id, details)


def _offset(index: tuple[int, ...], shape: tuple[int, ...]) -> int:
    offset = 0
    for i, size in zip(index, shape):
        offset = offset * size + i
    return offset


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
            f"{kept['param']} ({list(shapes(case))[kept['param']]}) still had a nonzero gradient: "
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
