"""Do the reference solutions do exactly what torch.optim does?

One table drives every check: each row pairs a step function with the torch.optim class and the
keyword mapping that make them the same algorithm.
"""

from dataclasses import dataclass

import pytest
import torch

from autograder.checks.step import StepCase, step_inputs
from solutions import reference


@dataclass(frozen=True)
class Pair:
    name: str
    step: object
    optimizer: type
    to_torch: object  # our keyword arguments -> torch.optim's


PAIRS = [
    Pair("sgd", reference.sgd_step, torch.optim.SGD, lambda h: {"lr": h["lr"]}),
    Pair(
        "momentum",
        reference.momentum_step,
        torch.optim.SGD,
        lambda h: {"lr": h["lr"], "momentum": h["momentum"]},
    ),
    Pair(
        "nesterov",
        reference.nesterov_step,
        torch.optim.SGD,
        lambda h: {"lr": h["lr"], "momentum": h["momentum"], "nesterov": True},
    ),
    Pair(
        "adagrad",
        reference.adagrad_step,
        torch.optim.Adagrad,
        lambda h: {"lr": h["lr"], "eps": h["eps"]},
    ),
    Pair(
        "rmsprop",
        reference.rmsprop_step,
        torch.optim.RMSprop,
        lambda h: {"lr": h["lr"], "alpha": h["alpha"], "eps": h["eps"]},
    ),
    Pair(
        "adam",
        reference.adam_step,
        torch.optim.Adam,
        lambda h: {"lr": h["lr"], "betas": (h["beta1"], h["beta2"]), "eps": h["eps"]},
    ),
]

# A grid per algorithm: typical settings, eps-dominated settings, extreme decay rates.
GRID = {
    "sgd": [{"lr": 0.1}, {"lr": 1e-4}, {"lr": 2.0}],
    "momentum": [{"lr": 0.05, "momentum": m} for m in (0.0, 0.5, 0.9, 0.99)],
    # torch.optim.SGD refuses nesterov=True with momentum 0; the identities cover that case.
    "nesterov": [{"lr": 0.05, "momentum": m} for m in (0.1, 0.5, 0.9, 0.99)],
    "adagrad": [{"lr": 0.1, "eps": 1e-10}, {"lr": 0.5, "eps": 0.1}, {"lr": 0.01, "eps": 1e-3}],
    "rmsprop": [
        {"lr": 0.01, "alpha": 0.99, "eps": 1e-8},
        {"lr": 0.05, "alpha": 0.9, "eps": 0.1},
        {"lr": 0.001, "alpha": 0.5, "eps": 1e-6},
    ],
    "adam": [
        {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        {"lr": 0.05, "beta1": 0.5, "beta2": 0.9, "eps": 0.1},
        {"lr": 0.01, "beta1": 0.0, "beta2": 0.99, "eps": 1e-4},
        {"lr": 0.01, "beta1": 0.99, "beta2": 0.9999, "eps": 1e-8},
    ],
}

ROWS = [
    pytest.param(pair, hyper, scale, id=f"{pair.name}-{k}-g{scale:g}")
    for pair in PAIRS
    for k, hyper in enumerate(GRID[pair.name])
    for scale in (1.0, 1e-6)
]
SHAPES = ((), (7,), (3, 4), (2, 1, 3))


def run_ours(pair, case):
    params, grads = step_inputs(case)
    states = [{} for _ in params]
    with torch.no_grad():
        for row in grads:
            for param, grad, state in zip(params, row, states):
                pair.step(param, grad, state, **case.hyper)
    return params


def run_torch(pair, case):
    params, grads = step_inputs(case)
    params = [param.requires_grad_(True) for param in params]
    optimizer = pair.optimizer(params, foreach=False, **pair.to_torch(case.hyper))
    for row in grads:
        for param, grad in zip(params, row):
            param.grad = grad.clone()
        optimizer.step()
    return [param.detach() for param in params]


def max_relative_difference(ours, theirs) -> float:
    worst = 0.0
    for a, b in zip(ours, theirs):
        scale = b.abs().clamp_min(1e-300)
        worst = max(worst, float(((a - b).abs() / scale).max()))
    return worst


@pytest.mark.parametrize(("pair", "hyper", "scale"), ROWS)
def test_float64_matches_torch_optim(pair, hyper, scale):
    """Does every step function follow torch.optim to 1e-12 over 120 steps in float64?"""
    case = StepCase("ref", hyper, SHAPES, "float64", steps=120, seed=7, grad_scale=scale)
    assert max_relative_difference(run_ours(pair, case), run_torch(pair, case)) <= 1e-12


@pytest.mark.parametrize(("pair", "hyper", "scale"), ROWS)
def test_float32_matches_torch_optim(pair, hyper, scale):
    """Does every step function follow torch.optim in float32, within torch.testing's defaults?"""
    case = StepCase("ref", hyper, SHAPES, "float32", steps=120, seed=8, grad_scale=scale)
    for ours, theirs in zip(run_ours(pair, case), run_torch(pair, case)):
        assert ours.dtype == torch.float32
        torch.testing.assert_close(ours, theirs)


IDENTITIES = [
    # (name, left step, left hyper, right step, right hyper)
    ("momentum 0 is SGD", reference.momentum_step, {"momentum": 0.0}, reference.sgd_step, {}),
    ("Nesterov 0 is SGD", reference.nesterov_step, {"momentum": 0.0}, reference.sgd_step, {}),
    (
        "Adam with beta1=0 and beta2=alpha is bias-corrected RMSProp at step 1",
        reference.adam_step,
        {"beta1": 0.0, "beta2": 0.9, "eps": 1e-8},
        reference.rmsprop_step,
        {"alpha": 0.0, "eps": 1e-8},
    ),
]


@pytest.mark.parametrize(
    ("left", "left_hyper", "right", "right_hyper"),
    [i[1:] for i in IDENTITIES],
    ids=[i[0] for i in IDENTITIES],
)
def test_identities(left, left_hyper, right, right_hyper):
    """Do the algorithms reduce to one another where the theory says they do?"""
    steps = 1 if "alpha" in right_hyper else 50
    params_l, grads = step_inputs(StepCase("id", {}, SHAPES, steps=steps, seed=3))
    params_r = [param.clone() for param in params_l]
    states_l, states_r = [{} for _ in params_l], [{} for _ in params_r]
    with torch.no_grad():
        for row in grads:
            for k, grad in enumerate(row):
                left(params_l[k], grad, states_l[k], lr=0.1, **left_hyper)
                right(params_r[k], grad, states_r[k], lr=0.1, **right_hyper)
    for a, b in zip(params_l, params_r):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def ill_conditioned(x):
    return 0.5 * (x[0] ** 2 + 100 * x[1] ** 2)


CONVERGENCE = [
    # (step function, hyper, function, start, steps, tolerance on the distance to the minimum)
    (reference.sgd_step, {"lr": 0.009}, ill_conditioned, (1.0, 1.0), 2000, 1e-6),
    (
        reference.momentum_step,
        {"lr": 0.009, "momentum": 0.9},
        ill_conditioned,
        (1.0, 1.0),
        800,
        1e-6,
    ),
    (
        reference.nesterov_step,
        {"lr": 0.009, "momentum": 0.9},
        ill_conditioned,
        (1.0, 1.0),
        800,
        1e-6,
    ),
    (reference.adagrad_step, {"lr": 0.5, "eps": 1e-10}, ill_conditioned, (1.0, 1.0), 2000, 1e-6),
    (
        reference.rmsprop_step,
        {"lr": 1e-3, "alpha": 0.99, "eps": 1e-8},
        ill_conditioned,
        (1.0, 1.0),
        3000,
        1e-2,
    ),
    (
        reference.adam_step,
        {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        ill_conditioned,
        (1.0, 1.0),
        3000,
        1e-3,
    ),
    (reference.momentum_step, {"lr": 1e-3, "momentum": 0.9}, rosenbrock, (-1.0, 1.0), 20000, 1e-3),
    (reference.nesterov_step, {"lr": 1e-3, "momentum": 0.9}, rosenbrock, (-1.0, 1.0), 20000, 1e-3),
    (
        reference.adam_step,
        {"lr": 0.02, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        rosenbrock,
        (-1.0, 1.0),
        20000,
        1e-2,
    ),
]


@pytest.mark.parametrize(
    ("step", "hyper", "f", "start", "steps", "tolerance"),
    CONVERGENCE,
    ids=[f"{row[0].__name__}-{row[2].__name__}" for row in CONVERGENCE],
)
def test_convergence(step, hyper, f, start, steps, tolerance):
    """Does every optimiser reach the minimum of an ill-conditioned quadratic and of Rosenbrock?"""
    minimum = (
        torch.zeros(2, dtype=torch.float64)
        if f is ill_conditioned
        else torch.ones(2, dtype=torch.float64)
    )
    x = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    state = {}
    for _ in range(steps):
        (grad,) = torch.autograd.grad(f(x), x)
        with torch.no_grad():
            step(x, grad, state, **hyper)
    assert float((x.detach() - minimum).norm()) <= tolerance


@pytest.mark.parametrize("f", [ill_conditioned, rosenbrock])
def test_gradient_descent_iterates(f):
    """Does gradient_descent return x0 and every iterate, leave x0 alone, and descend?"""
    x0 = torch.tensor([-1.0, 1.0], dtype=torch.float64)
    path = reference.gradient_descent(f, x0, lr=1e-3, steps=500)
    assert path.shape == (501, 2)
    assert torch.equal(path[0], x0) and torch.equal(
        x0, torch.tensor([-1.0, 1.0], dtype=torch.float64)
    )
    values = [float(f(x)) for x in path]
    assert values[-1] < values[0]
    x = x0.clone()
    for k in range(1, 4):
        xr = x.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(f(xr), xr)
        x = x - 1e-3 * grad
        torch.testing.assert_close(path[k], x, rtol=0, atol=1e-15)


def test_gradient_descent_zero_dim_and_zero_steps():
    """Does gradient_descent handle a 0-dim start and zero steps?"""
    x0 = torch.tensor(3.0, dtype=torch.float64)
    assert reference.gradient_descent(lambda x: x**2, x0, lr=0.1, steps=0).shape == (1,)
    path = reference.gradient_descent(lambda x: x**2, x0, lr=0.1, steps=3)
    torch.testing.assert_close(path, torch.tensor([3.0, 2.4, 1.92, 1.536], dtype=torch.float64))


def make_mlp(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3)
    ).double()


def data(seed: int):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(64, 6, generator=generator, dtype=torch.float64)
    y = torch.randint(0, 3, (64,), generator=generator)
    return x, y


def groups(model, lr_scale=1.0):
    first, second = model[0], model[2]
    return [
        {"params": first.parameters(), "lr": 0.01 * lr_scale},
        {"params": second.parameters(), "lr": 0.002 * lr_scale, "betas": (0.8, 0.99)},
    ]


def train(optimizer_class, model, steps, *, reload_at=None, **kwargs):
    x, y = data(1)
    optimizer = optimizer_class(groups(model), **kwargs)
    losses = []
    for k in range(steps):
        if k == reload_at:
            state = optimizer.state_dict()
            optimizer = optimizer_class(groups(model, lr_scale=7.0), **kwargs)
            optimizer.load_state_dict(state)

        def closure(optimizer=optimizer):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            return loss

        losses.append(float(optimizer.step(closure).detach()))
    return losses


@pytest.mark.parametrize("reload_at", [None, 7])
def test_my_adam_trains_like_torch_adam(reload_at):
    """Does MyAdam train an MLP exactly as torch.optim.Adam, groups and state_dict included?"""
    ours, theirs = make_mlp(0), make_mlp(0)
    losses_ours = train(reference.MyAdam, ours, 25, reload_at=reload_at, eps=1e-8)
    losses_theirs = train(
        torch.optim.Adam, theirs, 25, reload_at=reload_at, eps=1e-8, foreach=False
    )
    assert losses_ours == pytest.approx(losses_theirs, rel=1e-12)
    for a, b in zip(ours.parameters(), theirs.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)
    assert losses_ours[-1] < losses_ours[0]


def test_my_adam_rejects_bad_hyperparameters():
    """Does MyAdam validate its arguments up front, as torch.optim does?"""
    weight = torch.zeros(2, requires_grad=True)
    for kwargs in ({"lr": -1.0}, {"eps": -1e-8}, {"betas": (1.0, 0.999)}):
        with pytest.raises(ValueError, match="Invalid"):
            reference.MyAdam([weight], **kwargs)


def test_my_sgd_trains_like_torch_sgd():
    """Does MySGD, given a generator of parameters, train exactly as torch.optim.SGD?"""
    ours, theirs = make_mlp(2), make_mlp(2)
    x, y = data(3)
    opt_ours = reference.MySGD(ours.parameters(), lr=0.1)
    opt_theirs = torch.optim.SGD(theirs.parameters(), lr=0.1, foreach=False)
    losses = []
    for _ in range(20):
        for model, opt in ((ours, opt_ours), (theirs, opt_theirs)):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            if model is ours:
                losses.append(loss.item())
    for a, b in zip(ours.parameters(), theirs.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-13, atol=1e-15)
    assert not isinstance(opt_ours, torch.optim.Optimizer)
    assert losses[-1] < losses[0]
