"""Does every CORRECT implementation, however it is written, get full marks?

A corpus of right answers in the styles students actually use: the textbook velocity form of
momentum, out-of-place arithmetic copied back (``param.copy_``, ``param.data = ...``,
``param -= ...``), other state keys, state held as Python numbers or torch tensors, float64
arithmetic for float32 parameters, ``lerp``-based moving averages, Adam's bias correction split
across the square root, ``torch.where`` for the first call. Each must score full marks on the
public cases and on the hidden ones the instructor grades with. (The mistakes' side of the same
coin is ``tests/test_mistakes.py``.)
"""

from __future__ import annotations

import math

import pytest
import torch

from autograder.spec import BY_NAME
from autograder.verdict import engine, expect, judges
from autograder.verdict.sources import Sources
from solutions.reference import adam_step

SOURCES = Sources.discover()  # this checkout: the instructor's side


SCOPES = [False, True] if SOURCES.module("hidden_cases") is not None else [False]


# --- Step functions -------------------------------------------------------------------------------


def sgd_minus_equals(param, grad, state, *, lr):
    param -= lr * grad


def sgd_copy_back(param, grad, state, *, lr):
    param.copy_(param - lr * grad)


def sgd_data_assignment(param, grad, state, *, lr):
    param.data = param.data - lr * grad


def sgd_out_argument(param, grad, state, *, lr):
    torch.sub(param, grad, alpha=lr, out=param)


def momentum_velocity(param, grad, state, *, lr, momentum):
    """The textbook form: v ← μv − lr·g, θ ← θ + v (v = −lr·b)."""
    velocity = state.get("velocity")
    velocity = -lr * grad if velocity is None else momentum * velocity - lr * grad
    state["velocity"] = velocity
    param += velocity


def momentum_where(param, grad, state, *, lr, momentum):
    """b = g on the first call, chosen with torch.where; buffer rebound out of place."""
    first = "b" not in state
    previous = state.get("b", torch.zeros_like(grad))
    state["b"] = torch.where(torch.tensor(first), grad, momentum * previous + grad)
    param.sub_(lr * state["b"])


def momentum_float64(param, grad, state, *, lr, momentum):
    """Float64 arithmetic whatever the parameter's dtype, written back in its dtype."""
    g = grad.double()
    buf = state["buf"] = g.clone() if "buf" not in state else momentum * state["buf"] + g
    param.copy_((param.double() - lr * buf).to(param.dtype))


def nesterov_velocity(param, grad, state, *, lr, momentum):
    """Bengio et al.'s form: v ← μv − lr·g; θ ← θ − μ·v_old + (1 + μ)·v (v starts at 0)."""
    old = state.get("v", torch.zeros_like(grad))
    new = state["v"] = momentum * old - lr * grad
    param.add_(-momentum * old + (1 + momentum) * new)


def nesterov_lookahead(param, grad, state, *, lr, momentum):
    """b ← μb + g (b = g first), then a step by g + μb; another key, written through ``.data``."""
    if "momentum" in state:
        state["momentum"].mul_(momentum).add_(grad)
    else:
        state["momentum"] = grad.clone()
    param.data -= lr * (grad + momentum * state["momentum"])


def adagrad_python_start(param, grad, state, *, lr, eps):
    """The sum starts as the Python number 0 and becomes a tensor by broadcasting."""
    state["G"] = state.get("G", 0.0) + grad**2
    param -= lr * grad / (torch.sqrt(state["G"]) + eps)


def adagrad_float64(param, grad, state, *, lr, eps):
    total = state.setdefault("total", torch.zeros_like(grad, dtype=torch.float64))
    total.add_(grad.double() ** 2)
    update = lr * grad.double() / (total.sqrt() + eps)
    param.copy_(param.double() - update)


def rmsprop_lerp(param, grad, state, *, lr, alpha, eps):
    """v ← α·v + (1 − α)·g², written as lerp towards g²."""
    v = state.setdefault("v", torch.zeros_like(grad))
    v.lerp_(grad * grad, 1 - alpha)
    param.addcdiv_(grad, v.sqrt().add(eps), value=-lr)


def rmsprop_out_of_place(param, grad, state, *, lr, alpha, eps):
    state["ms"] = alpha * state.get("ms", torch.zeros_like(grad)) + (1 - alpha) * grad.pow(2)
    param.data = param.data - lr * grad / (state["ms"].sqrt() + eps)


def adam_split_sqrt(param, grad, state, *, lr, beta1, beta2, eps):
    """√v̂ written as √v / √(1 − β₂ᵗ); the count in a Python int under another key."""
    t = state["t"] = state.get("t", 0) + 1
    m = state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * grad
    v = state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * grad * grad
    denom = v.sqrt() / math.sqrt(1 - beta2**t) + eps
    param.sub_(lr * (m / (1 - beta1**t)) / denom)


def adam_lerp_tensor_step(param, grad, state, *, lr, beta1, beta2, eps):
    """torch-style state: the count is a tensor; moments updated with lerp."""
    if not state:
        state.update(step=torch.tensor(0.0), exp_avg=torch.zeros_like(grad))
        state["exp_avg_sq"] = torch.zeros_like(grad)
    state["step"] += 1
    t = state["step"].item()
    state["exp_avg"].lerp_(grad, 1 - beta1)
    state["exp_avg_sq"].lerp_(grad.square(), 1 - beta2)
    m_hat = state["exp_avg"] / (1 - beta1**t)
    v_hat = state["exp_avg_sq"] / (1 - beta2**t)
    param.copy_(param - lr * m_hat / (v_hat.sqrt() + eps))


def adam_float64(param, grad, state, *, lr, beta1, beta2, eps):
    g = grad.double()
    if "m" not in state:
        state.update(t=0, m=torch.zeros_like(g), v=torch.zeros_like(g))
    state["t"] += 1
    state["m"] = beta1 * state["m"] + (1 - beta1) * g
    state["v"] = beta2 * state["v"] + (1 - beta2) * g * g
    m_hat = state["m"] / (1 - beta1 ** state["t"])
    v_hat = state["v"] / (1 - beta2 ** state["t"])
    param.copy_(param.double() - lr * m_hat / (v_hat.sqrt() + eps))


# --- Gradient descent -----------------------------------------------------------------------------


def descent_backward(f, x0, *, lr, steps):
    """backward() with the gradient cleared each step; a preallocated output."""
    out = torch.empty((steps + 1, *x0.shape), dtype=x0.dtype)
    x = x0.clone().detach().requires_grad_(True)
    out[0] = x0
    for k in range(steps):
        x.grad = None
        f(x).backward()
        with torch.no_grad():
            x -= lr * x.grad
        out[k + 1] = x.detach()
    return out


def descent_functional(f, x0, *, lr, steps):
    """A new tensor every step (x = x − lr·∇f), no in-place update at all."""
    xs = [x0.detach()]
    for _ in range(steps):
        x = xs[-1].clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(f(x), [x])
        xs.append((x - lr * grad).detach())
    return torch.stack(xs)


# --- Optimiser classes ----------------------------------------------------------------------------


class SGDData:
    """``param.data`` arithmetic; gradients zeroed in place rather than set to None."""

    def __init__(self, params, lr):
        self.params, self.lr = [p for p in params], lr

    def step(self):
        for p in self.params:
            if p.grad is not None:
                p.data -= self.lr * p.grad.data

    def zero_grad(self):
        for p in self.params:
            if p.grad is not None:
                p.grad.detach_()
                p.grad.zero_()


class AdamFiltered(torch.optim.Optimizer):
    """Defaults as a dict literal, frozen parameters filtered, the closure's loss returned."""

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-08):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        with torch.no_grad():
            for group in self.param_groups:
                for p in filter(lambda p: p.grad is not None, group["params"]):
                    b1, b2 = group["betas"]
                    adam_step(p, p.grad, self.state[p], lr=group["lr"], beta1=b1, beta2=b2,
                              eps=group["eps"])  # fmt: skip
        return loss


CORRECT = [
    ("sgd", sgd_minus_equals),
    ("sgd", sgd_copy_back),
    ("sgd", sgd_data_assignment),
    ("sgd", sgd_out_argument),
    ("momentum", momentum_velocity),
    ("momentum", momentum_where),
    ("momentum", momentum_float64),
    ("nesterov", nesterov_velocity),
    ("nesterov", nesterov_lookahead),
    ("adagrad", adagrad_python_start),
    ("adagrad", adagrad_float64),
    ("rmsprop", rmsprop_lerp),
    ("rmsprop", rmsprop_out_of_place),
    ("adam", adam_split_sqrt),
    ("adam", adam_lerp_tensor_step),
    ("adam", adam_float64),
    ("gradient_descent", descent_backward),
    ("gradient_descent", descent_functional),
    ("my_sgd", SGDData),
    ("my_adam", AdamFiltered),
]


@pytest.mark.parametrize(("test_name", "answer"), CORRECT, ids=[a.__name__ for _, a in CORRECT])
@pytest.mark.parametrize("hidden", SCOPES, ids=lambda hidden: "hidden" if hidden else "public")
def test_correct_variant_gets_full_marks(test_name, answer, hidden):
    """Does this correct implementation, written another way, score full marks with no finding?"""
    cases = expect.cases(test_name, sources=SOURCES, hidden=hidden)
    observations = engine.run_test(test_name, {BY_NAME[test_name].answer: answer}, cases)
    result = judges.verdict(BY_NAME[test_name], cases, observations, sources=SOURCES, hidden=hidden)
    assert result.feedback == "All cases match the reference."
    assert result.passed and result.score == BY_NAME[test_name].points


def test_corpus_covers_every_code_test():
    """Does the corpus hold a correct variant of every graded code test, and at least two styles
    of every function?"""
    names = [name for name, _ in CORRECT]
    assert {name for name in BY_NAME if name != "flashcards"} <= set(names)
    assert all(names.count(name) >= 2 for name in names if name not in ("my_sgd", "my_adam"))
