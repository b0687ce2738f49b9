r"""Optimiser classes: ``MySGD`` and ``MyAdam`` train a small model (``checks/training``).

- ``my_sgd``: the parameters arrive as a *generator*, as ``model.parameters()`` does (keeping it
  without ``list()`` updates nothing after the first step); ``zero_grad()`` must clear the
  gradients; ``MySGD`` must not subclass ``torch.optim.Optimizer`` (the contract). Every
  parameter has a gradient, as in the course text: a ``step()`` that skips a parameter whose
  ``.grad`` is None is correct, one that does not is too. What it does on such a parameter is
  probed apart and told in a note that costs nothing.
- ``my_adam``: ``MyAdam`` must subclass ``torch.optim.Optimizer`` and keep the contract's
  defaults; cases use parameter groups with their own ``lr`` and ``betas``, ``step(closure)``
  (which must return the closure's loss), a ``state_dict()`` / ``load_state_dict()`` round trip
  into a fresh optimiser mid-training, tiny gradients (where ``eps`` decides), and a parameter
  without a gradient, which it must skip as ``torch.optim.Adam`` does.

``MyAdam`` "uses ``adam_step``", and a test never affects another: while ``my_adam`` is checked,
the name ``adam_step`` in the globals of ``MyAdam``'s methods is replaced by a shim that applies
*torch's own* single-tensor Adam kernel to that one parameter (keeping torch's state keys) and
counts the calls. The reference runs through the same shim, so no reference code runs in the
sandbox; a wrong ``adam_step`` does not sink ``my_adam``. A ``MyAdam`` that computes Adam
itself is judged on its trajectory like any other (the contract: equally correct), and gets a
note, never scored, suggesting the reuse. The name is restored afterwards.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable

import torch
from torch.optim.adam import _single_tensor_adam

from autograder.checks import adam_api, tripwire
from autograder.checks.common import MAX_REPR
from autograder.checks.kind import Observation
from autograder.checks.training import (
    TrainCase,
    constructor_kwargs,
    judge_cases,
    new_observation,
    train,
)
from autograder.checks.training import (
    trajectory_mismatch as trajectory_mismatch,  # re-exported for diagnose
)
from autograder.reports.result import Finding
from autograder.spec import TestSpec

ADAM_DEFAULTS = {"lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8}


def _skip_dynamo_import() -> None:
    """Spare the first ``Optimizer`` a second-long ``import torch._dynamo``.

    ``Optimizer.add_param_group``, ``zero_grad``, ``state_dict`` and ``load_state_dict`` are
    wrapped by ``torch._disable_dynamo``, which imports ``torch._dynamo`` on first use only to build
    a version of the function that ``torch.compile`` will not trace. Nothing is compiled while
    grading, so the plain function is that version; done only if dynamo is not loaded yet.
    """
    if "torch._dynamo" in sys.modules:
        return
    for name in ("add_param_group", "zero_grad", "state_dict", "load_state_dict"):
        function = getattr(getattr(torch.optim.Optimizer, name), "__wrapped__", None)
        if function is not None and getattr(function, "__dynamo_disable", None) is None:
            setattr(function, "__dynamo_disable", function)


def run_my_sgd(MySGD: type, case: TrainCase) -> Observation:
    """Train with the student's ``MySGD``; plain data out (see ``_train``)."""
    observation = new_observation(MySGD)
    with tripwire.watching(MySGD) as observation["forbidden"]:

        def make(spec):
            return MySGD(spec, **constructor_kwargs(case.hyper))

        train(make, case, observation)
        if observation["error"] is None:
            observation["none_grad"] = _none_grad_probe(make)
    return observation


def _none_grad_probe(make) -> dict | None:
    """Not scored: the error ``step()`` raises when one of its parameters has no gradient."""
    with_grad, without = (torch.ones(2, dtype=torch.float64, requires_grad=True) for _ in "ab")
    with_grad.grad = torch.ones_like(with_grad)
    try:
        make([with_grad, without]).step()
    except Exception as error:  # the student's error is an observation
        return {"type": type(error).__name__, "message": str(error)[:MAX_REPR]}
    return None


class _AdamStepShim:
    """Stands in for the student's ``adam_step``: torch's own Adam kernel on one parameter, and
    counts the calls. In a sandboxed child without the kernel (``sandbox.kernels``: no correct
    Adam where a step function is graded) it calls the student's own ``adam_step``; the grader runs
    ``my_adam`` again beside the kernel only when that one is wrong (``grade.shim_rerun``)."""

    # None in a child without torch's Adam kernels (``sandbox.child``)
    kernel: Callable[..., None] | None = staticmethod(_single_tensor_adam)
    # Marks a state dict the shim has initialised. The student's MyAdam may fill ``state`` before
    # calling adam_step (torch's own keys with ``step = 0`` an int, or keys of its own): those are
    # initial values for the student's adam_step, which the shim replaces, so they are replaced too.
    OWNED = "_autograder_adam_step_shim"

    def __init__(self, own=None):
        self.calls = 0
        self.own = own  # the student's adam_step, if any

    def __call__(self, param, grad, state, *, lr, beta1, beta2, eps):
        self.calls += 1
        if self.kernel is None:
            if self.own is None:
                raise NameError("name 'adam_step' is not defined")
            return self.own(param, grad, state, lr=lr, beta1=beta1, beta2=beta2, eps=eps)
        if not state.get(self.OWNED):  # torch.optim.Adam's keys, so that its subclasses work too
            state[self.OWNED] = True
            state["step"] = torch.tensor(0.0)
            state["exp_avg"] = torch.zeros_like(param)
            state["exp_avg_sq"] = torch.zeros_like(param)
        moments = [state["exp_avg"]], [state["exp_avg_sq"]]
        kernel = tripwire.original(self.kernel)
        with torch.no_grad(), tripwire.suspended():
            kernel(
                [param], [grad], *moments, [], [state["step"]], None, None,
                amsgrad=False, has_complex=False, beta1=beta1, beta2=beta2, lr=lr,
                weight_decay=0.0, eps=eps, maximize=False, capturable=False,
                differentiable=False, decoupled_weight_decay=False,
            )  # fmt: skip


def _defaults(MyAdam) -> dict:
    """The signature's defaults for ``lr``, ``betas`` and ``eps`` (those it declares)."""
    try:
        parameters = inspect.signature(MyAdam).parameters
    except (TypeError, ValueError):
        return {}
    found = {}
    for name in ADAM_DEFAULTS:
        default = parameters[name].default if name in parameters else inspect.Parameter.empty
        if default is not inspect.Parameter.empty:
            found[name] = list(default) if isinstance(default, tuple | list) else default
            if not isinstance(found[name], float | int | list):
                found[name] = repr(default)[:MAX_REPR]
    return found


def run_my_adam(MyAdam: type, case: TrainCase) -> Observation:
    """Train with the student's ``MyAdam``, ``adam_step`` replaced by the shim; plain data out."""
    _skip_dynamo_import()
    observation = new_observation(MyAdam)
    observation["defaults"] = _defaults(MyAdam)
    namespaces = tripwire.namespaces_of(MyAdam)
    own = next((ns["adam_step"] for ns in namespaces if callable(ns.get("adam_step"))), None)
    shim = _AdamStepShim(own)
    saved = [(namespace, namespace.get("adam_step", shim)) for namespace in namespaces]
    for namespace in namespaces:
        namespace["adam_step"] = shim
    try:
        with tripwire.watching(MyAdam) as observation["forbidden"]:
            observation["step_signature"] = adam_api.probe(MyAdam)
            train(
                lambda spec: MyAdam(spec, **constructor_kwargs(case.hyper)),
                case,
                observation,
                adam_api.watcher(observation, groups=bool(case.groups)),
            )
    finally:
        for namespace, value in saved:
            if value is shim:
                namespace.pop("adam_step", None)
            else:
                namespace["adam_step"] = value
    observation["adam_step_calls"] = shim.calls
    return observation


def _class_finding(kind: str, message: str, details: dict | None = None) -> Finding:
    return Finding(kind, message, None, details or {})


def judge_my_sgd(
    test: TestSpec,
    cases: list[TrainCase],
    observations: list[Observation],
    expected: list[Observation],
) -> list[Finding]:
    """Findings for ``MySGD``: the class itself, then one per failing case, then a note (not
    scored) when ``step()`` fails on a parameter without a gradient."""
    first = observations[0] if observations else {}
    class_findings = []
    if first.get("subclasses_optimizer"):
        class_findings.append(
            _class_finding(
                "side_condition",
                "`MySGD` subclasses torch.optim.Optimizer; the exercise is to write it from "
                "scratch: keep list(params) and lr yourself, and write step() and zero_grad().",
            )
        )
    findings = judge_cases(test, cases, observations, expected, class_findings)
    probed = next((obs["none_grad"] for obs in observations if obs.get("none_grad")), None)
    if probed:
        findings.append(
            _class_finding(
                "note",
                f"Not scored: your step() raises {probed['type']} when a parameter has no "
                "gradient (`.grad` is None, e.g. a layer the loss does not use). torch.optim "
                "skips such parameters: `if param.grad is None: continue`.",
                probed,
            )
        )
    return findings


def judge_my_adam(
    test: TestSpec,
    cases: list[TrainCase],
    observations: list[Observation],
    expected: list[Observation],
) -> list[Finding]:
    """Findings for ``MyAdam``: the class itself, then one per failing case."""
    first = observations[0] if observations else {}
    class_findings = []
    if observations and not first.get("subclasses_optimizer"):
        class_findings.append(
            _class_finding(
                "side_condition",
                "`MyAdam` must subclass torch.optim.Optimizer (call super().__init__(params, "
                "defaults)), so that parameter groups and state_dict() work as in torch.",
            )
        )
    for name, value in first.get("defaults", {}).items():
        if value != ADAM_DEFAULTS[name]:
            class_findings.append(
                _class_finding(
                    "side_condition",
                    f"`MyAdam`'s default {name} is {value}; the contract says "
                    f"{ADAM_DEFAULTS[name]}.",
                    {"name": name, "got": value, "expected": ADAM_DEFAULTS[name]},
                )
            )
    class_findings += adam_api.always(observations)
    findings = judge_cases(test, cases, observations, expected, class_findings)
    failing = {finding.case for finding in findings if finding.case is not None}
    explained = adam_api.when_failing(cases, observations, failing)
    findings[len(class_findings) : len(class_findings)] = explained
    ran = [obs for obs in observations if obs.get("error") is None and obs.get("trajectory")]
    if ran and not any(obs.get("adam_step_calls") for obs in ran):
        findings.append(
            _class_finding(
                "note",
                "Not scored: your `MyAdam` computes the update itself; the exercise suggests "
                "calling your `adam_step(param, param.grad, self.state[param], ...)` instead.",
            )
        )
    return findings


def public_sgd_cases(test: str = "my_sgd") -> list[TrainCase]:
    """The public cases of ``MySGD``."""
    return [
        TrainCase(f"{test}/lr=0.1", {"lr": 0.1}, 12, 21),
        TrainCase(f"{test}/lr=0.02", {"lr": 0.02}, 8, 22),
    ]


def public_adam_cases(test: str = "my_adam") -> list[TrainCase]:
    """The public cases of ``MyAdam``: defaults with tiny gradients, groups, closure, reload."""
    groups: tuple[dict[str, object], ...] = ({"lr": 0.02, "betas": [0.8, 0.99]}, {})
    return [
        TrainCase(f"{test}/defaults, tiny gradients", {}, 6, 31, loss_scale=1e-9, frozen=True),
        TrainCase(
            f"{test}/two groups",
            {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8},
            10,
            32,
            groups,
            frozen=True,
        ),
        TrainCase(f"{test}/closure", {"lr": 0.01}, 8, 33, closure=True, frozen=True),
        TrainCase(
            f"{test}/state_dict round trip",
            {"lr": 0.01, "eps": 1e-6},
            10,
            34,
            reload_at=4,
            frozen=True,
        ),
    ]
