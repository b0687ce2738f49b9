# ATTACK (redteam3 #5): MySGD built on torch.optim.Optimizer, against the contract, scores 2/2.
# The contract: MySGD is written "without torch.optim.Optimizer", and the child records
# subclasses_optimizer = isinstance(answer, type) and issubclass(answer, Optimizer) (training.py).
# A factory FUNCTION named MySGD returning an instance of a private Optimizer subclass is not a
# type, so the flag is False and my_sgd passes (the check never looks at the object it built).
# Also (d, feedback): this file answers 10 of the 14 cards; it earns 10/14 of the points, but the
# feedback says "`FLASHCARD_ANSWERS` is not defined" (grade._explained replaces every finding when
# one has kind "missing", and flashcards.read uses that kind for "No answer for cards ...").
# Got: my_sgd 2/2, flashcards 1.43/2 with the wrong message; 24.4/25 in all.

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


class _SGD(torch.optim.Optimizer):
    def __init__(self, params, lr):
        super().__init__(params, {"lr": lr})

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                p -= group["lr"] * p.grad


def MySGD(params, lr):
    return _SGD(params, lr)


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
                adam_step(
                    p, p.grad, self.state[p], lr=group["lr"], beta1=b1, beta2=b2, eps=group["eps"]
                )
        return loss


# The flash-card quiz: the names may be written as people write them.
FLASHCARD_ANSWERS = {
    "rule-6xr4": "AdaGrad",
    "rule-djjb": "Nesterov momentum",
    "rule-g736": "Gradient Descent",
    "rule-w6m9": "Adam",
    "rule-z3h9": "stochastic gradient descent",
    "path-335m": "adam",
    "path-crjm": "sgd",
    "path-fpwd": "adagrad",
    "path-vp7f": "gradient-descent",
    "path-wqk3": "nesterov",
}
