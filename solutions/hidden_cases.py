"""Hidden cases: other seeds, shapes, dtypes and hyperparameters than the public ones.

They grade (the public cases only drive the self-check), so a student who hard-codes the public
expectations fails here. Their ids read ``<test>/hidden/...``, never the id of a public case. They
never ship to students. Every case is cheap: all code tests of one submission, public and hidden,
run in a fraction of a second.
"""

from __future__ import annotations

import dataclasses

from autograder.checks.descent import DescentCase
from autograder.checks.step import StepCase, step_cases
from autograder.checks.training import TrainCase
from autograder.spec import BY_NAME

# A 0-dim, a 3-D and a vector parameter, updated in turn.
HIDDEN_SHAPES: tuple[tuple[int, ...], ...] = ((), (2, 2, 3), (7,))

# Per step function: typical, eps-dominated or extreme settings (momentum 0 and 0.99, beta1 = 0).
HIDDEN_STEP_HYPERS: dict[str, list[dict[str, float]]] = {
    "sgd": [{"lr": 0.05}, {"lr": 1.5}],
    "momentum": [{"lr": 0.02, "momentum": 0.99}, {"lr": 0.1, "momentum": 0.0}],
    "nesterov": [{"lr": 0.02, "momentum": 0.99}, {"lr": 0.1, "momentum": 0.0}],
    "adagrad": [{"lr": 0.3, "eps": 1e-6}, {"lr": 0.05, "eps": 1.0}],
    "rmsprop": [
        {"lr": 0.003, "alpha": 0.9, "eps": 1e-6},
        {"lr": 0.02, "alpha": 0.5, "eps": 0.5},
    ],
    "adam": [
        {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6},
        {"lr": 0.02, "beta1": 0.0, "beta2": 0.5, "eps": 1.0},
        {"lr": 0.001, "beta1": 0.99, "beta2": 0.9999, "eps": 1e-8},
    ],
}


def _step(test: str) -> list[StepCase]:
    hypers = HIDDEN_STEP_HYPERS[test]
    seed = 50_000 + 1000 * list(HIDDEN_STEP_HYPERS).index(test)
    cases = step_cases(f"{test}/hidden", hypers, seed=seed, steps=20, shapes=HIDDEN_SHAPES)
    # A long run: state kept (or lost) over 100 steps shows.
    cases.append(
        StepCase(f"{test}/hidden/100 steps", hypers[-1], ((4,),), "float32", 100, seed + 300)
    )
    # Two parameters of one shape: state kept per shape, not per parameter, shows.
    cases.append(
        StepCase(
            f"{test}/hidden/same shapes", hypers[0], ((3,), (3,), ()), "float64", 12, seed + 400
        )
    )
    return cases


def _descent(test: str) -> list[DescentCase]:
    rows = [
        ("quadratic, 3-D", "quadratic", (2, 2, 3), "float32", 0.015, 40, 101, 1.0),
        ("quadratic, 0-dim", "quadratic", (), "float64", 0.015, 10, 102, 3.0),
        ("rosenbrock, float32", "rosenbrock", (2,), "float32", 3e-4, 30, 103, 0.2),
        ("wobble", "wobble", (4,), "float64", 0.6, 15, 104, 2.0),
        ("log-cosh, 100 steps", "log_cosh", (5,), "float64", 0.25, 100, 105, 3.0),
        ("one step", "quadratic", (3,), "float64", 0.01, 1, 106, 1.0),
    ]
    return [DescentCase(f"{test}/hidden/{name}", *row) for name, *row in rows]


def _my_sgd(test: str) -> list[TrainCase]:
    return [
        TrainCase(f"{test}/hidden/lr=0.05, 15 steps", {"lr": 0.05}, 15, 121),
        TrainCase(f"{test}/hidden/lr=0.1", {"lr": 0.1}, 6, 122),
    ]


def _my_adam(test: str) -> list[TrainCase]:
    three = ({"lr": 0.03, "eps": 1e-3}, {"betas": [0.5, 0.9]}, {"lr": 0.001})
    cases = [
        TrainCase(f"{test}/hidden/defaults, tiny gradients", {}, 5, 131, loss_scale=3e-9),
        TrainCase(f"{test}/hidden/three groups", {"lr": 0.01, "betas": [0.9, 0.99]}, 8, 132, three),
        TrainCase(
            f"{test}/hidden/closure and round trip",
            {"lr": 0.02, "betas": [0.0, 0.9]},
            8,
            133,
            closure=True,
            reload_at=3,
        ),
        TrainCase(f"{test}/hidden/lr=0.05", {"lr": 0.05, "eps": 1e-4}, 12, 134),
    ]
    # A parameter without a gradient in every case: MyAdam skips it, as torch.optim.Adam does.
    return [dataclasses.replace(case, frozen=True) for case in cases]


_BY_KIND = {"step": _step, "descent": _descent, "my_sgd": _my_sgd, "my_adam": _my_adam}

# The id of every test's fresh case (``fresh_cases``): hidden, and never a public id.
FRESH = "hidden/fresh"


def fresh_cases(test_name: str, seed: int) -> list:
    """Cases whose inputs are drawn from ``seed`` (``verdict.cases.fresh_seed``: the course
    secret and the submission's digest), so that no table of answers built from an earlier
    grading can pass them.

    Their job is that one, not finding mistakes (the fixed hidden cases do that, and name them):
    a few steps on inputs nobody could know beforehand, with settings drawn from the hidden ones,
    are as unknowable as a hundred. So they are short, since the grader runs the reference on
    them for every submission: 8 steps of every shape for a step function, 8 of gradient descent,
    3 of training (where a step is a forward and a backward pass).
    """
    kind = BY_NAME[test_name].kind
    name = f"{test_name}/{FRESH}"
    if kind == "step":
        hypers = HIDDEN_STEP_HYPERS[test_name]
        hyper, dtype = hypers[seed % len(hypers)], ("float64", "float32")[seed // 7 % 2]
        return [StepCase(name, hyper, ((), (3,), (2, 2)), dtype, 8, seed)]
    if kind == "descent":
        return [DescentCase(name, "quadratic", (3,), "float64", 0.015, 8, seed, 1.0)]
    if kind == "my_sgd":
        return [TrainCase(name, {"lr": 0.05}, 3, seed)]
    if kind == "my_adam":
        return [TrainCase(name, {"lr": 0.02, "betas": [0.8, 0.99]}, 3, seed)]
    return []


def hidden_cases(test_name: str) -> list:
    """The hidden cases of one test (none for tests graded without cases, e.g. flash cards)."""
    build = _BY_KIND.get(BY_NAME[test_name].kind)
    return [] if build is None else build(test_name)
