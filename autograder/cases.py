"""The table of cases: what every check feeds the student's code.

A case is plain data (it crosses into the sandbox as JSON) and its inputs are generated from its
seed with Python's ``random`` module, whose stream is fixed across versions and platforms, so the
student's machine, the sandbox and the instructor's machine all build the same tensors.

Public cases live here and drive the self-check; hidden cases (other seeds, shapes, dtypes and
hyperparameters) live in ``solutions/hidden_cases.py`` and exist only where the instructor grades.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass

import torch

DTYPES = {"float32": torch.float32, "float64": torch.float64}

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


def _normal(rng: random.Random, shape: tuple[int, ...], scale: float, dtype) -> torch.Tensor:
    count = 1
    for size in shape:
        count *= size
    values = [scale * rng.gauss(0.0, 1.0) for _ in range(count)]
    return torch.tensor(values, dtype=dtype).reshape(shape)


def step_inputs(case: StepCase) -> tuple[list[torch.Tensor], list[list[torch.Tensor]]]:
    """The initial parameters and the gradient of every parameter at every step.

    About one gradient entry in ten is exactly zero, and the gradients drift in sign from step to
    step, so momentum, per-coordinate scaling and ``eps`` all show in the trajectory.
    """
    rng = random.Random(case.seed)
    dtype = DTYPES[case.dtype]
    params = [_normal(rng, shape, 1.0, dtype) for shape in case.shapes]
    drift = [_normal(rng, shape, case.grad_scale, dtype) for shape in case.shapes]
    grads = []
    for _ in range(case.steps):
        row = []
        for shape, mean in zip(case.shapes, drift):
            grad = mean + _normal(rng, shape, case.grad_scale, dtype)
            keep = torch.tensor([rng.random() > 0.1 for _ in range(grad.numel())]).reshape(shape)
            row.append(torch.where(keep, grad, torch.zeros_like(grad)))
        grads.append(row)
    return params, grads


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


def public_step_cases(test: str) -> list[StepCase]:
    """The public cases of one step function (the self-check runs these)."""
    seed = 1000 * (1 + list(PUBLIC_STEP_HYPERS).index(test))
    return step_cases(test, PUBLIC_STEP_HYPERS[test], seed=seed)


def public_cases(test: str) -> list:
    """The public cases of any test, by name."""
    if test in PUBLIC_STEP_HYPERS:
        return public_step_cases(test)
    raise KeyError(f"No public cases for {test!r} yet")
