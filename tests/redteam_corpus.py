"""The red team's corpus: submissions written without looking at the other variant tables.

Each row is ``(answer name, label, correct, source)``: ``source`` is plain student Python
(``torch``, ``math`` and ``numpy as np`` are in scope, as after a notebook's imports) defining
``answer name``.
A correct row must score full marks on public and hidden cases; a wrong one must score 0.
"""

from __future__ import annotations

from textwrap import dedent

CORPUS: list[tuple[str, str, bool, str]] = []


def ok(answer: str, label: str, source: str) -> None:
    CORPUS.append((answer, label, True, dedent(source)))


def bad(answer: str, label: str, source: str) -> None:
    CORPUS.append((answer, label, False, dedent(source)))


# ---------------------------------------------------------------- sgd_step
ok(
    "sgd_step",
    "in-place sub_",
    """
def sgd_step(param, grad, state, *, lr):
    param.sub_(lr * grad)
""",
)
ok(
    "sgd_step",
    "param.data = out of place",
    """
def sgd_step(param, grad, state, *, lr):
    param.data = param.data - lr * grad
""",
)
ok(
    "sgd_step",
    "param[...] = ",
    """
def sgd_step(param, grad, state, *, lr):
    param[...] = param - lr * grad
""",
)
ok(
    "sgd_step",
    "numpy round trip",
    """
def sgd_step(param, grad, state, *, lr):
    p = param.numpy()
    p -= lr * grad.numpy()
""",
)
ok(
    "sgd_step",
    "double internals copied back",
    """
def sgd_step(param, grad, state, *, lr):
    new = param.double() - lr * grad.double()
    param.copy_(new.to(param.dtype))
""",
)
ok(
    "sgd_step",
    "add_ with alpha, returns None explicitly",
    """
def sgd_step(param, grad, state, *, lr):
    param.add_(grad, alpha=-lr)
    return None
""",
)
bad(
    "sgd_step",
    "rebinds param",
    """
def sgd_step(param, grad, state, *, lr):
    param = param - lr * grad
""",
)
bad(
    "sgd_step",
    "sign error",
    """
def sgd_step(param, grad, state, *, lr):
    param.add_(lr * grad)
""",
)
bad(
    "sgd_step",
    "hard-coded lr",
    """
def sgd_step(param, grad, state, *, lr):
    param.sub_(0.1 * grad)
""",
)
bad(
    "sgd_step",
    "slice assignment breaks 0-dim",
    """
def sgd_step(param, grad, state, *, lr):
    param[:] = param - lr * grad
""",
)
bad(
    "sgd_step",
    "float32 internals for float64",
    """
def sgd_step(param, grad, state, *, lr):
    param.copy_(param.float() - lr * grad.float())
""",
)
bad(
    "sgd_step",
    "modifies grad",
    """
def sgd_step(param, grad, state, *, lr):
    grad.mul_(lr)
    param.sub_(grad)
""",
)
bad(
    "sgd_step",
    "lr squared",
    """
def sgd_step(param, grad, state, *, lr):
    param.sub_(lr * lr * grad)
""",
)

# ---------------------------------------------------------------- momentum_step
ok(
    "momentum_step",
    "torch form, clone on first call",
    """
def momentum_step(param, grad, state, *, lr, momentum):
    if "buf" not in state:
        state["buf"] = grad.clone()
    else:
        state["buf"].mul_(momentum).add_(grad)
    param.sub_(lr * state["buf"])
""",
)
ok(
    "momentum_step",
    "textbook velocity",
    """
def momentum_step(param, grad, state, *, lr, momentum):
    if "v" not in state:
        v = -lr * grad
    else:
        v = momentum * state["v"] - lr * grad
    state["v"] = v
    param += v
""",
)
ok(
    "momentum_step",
    "setdefault zeros then b = mu b + g (mu*0 + g = g)",
    """
def momentum_step(param, grad, state, *, lr, momentum):
    b = state.setdefault("b", torch.zeros_like(param))
    b.mul_(momentum).add_(grad)
    param.add_(b, alpha=-lr)
""",
)
bad(
    "momentum_step",
    "numpy scalar breaks 0-dim (from_numpy of np.float64)",
    """
def momentum_step(param, grad, state, *, lr, momentum):
    g = grad.numpy().copy()
    b = g if "b" not in state else momentum * state["b"] + g
    state["b"] = b
    param.copy_(torch.from_numpy(param.numpy() - lr * b))
""",
)
ok(
    "momentum_step",
    "torch.where on first-step flag",
    """
def momentum_step(param, grad, state, *, lr, momentum):
    first = torch.tensor("b" not in state)
    old = state.get("b", torch.zeros_like(grad))
    b = torch.where(first, grad, momentum * old + grad)
    state["b"] = b
    param.data = param.data - lr * b
""",
)
ok(
    "momentum_step",
    "double-precision buffer",
    """
def momentum_step(param, grad, state, *, lr, momentum):
    g = grad.double()
    state["b"] = g if "b" not in state else momentum * state["b"] + g
    param.copy_((param.double() - lr * state["b"]).to(param.dtype))
""",
)
bad(
    "momentum_step",
    "hard-coded momentum 0.9",
    """
def momentum_step(param, grad, state, *, lr, momentum):
    b = grad.clone() if "b" not in state else 0.9 * state["b"] + grad
    state["b"] = b
    param.sub_(lr * b)
""",
)
bad(
    "momentum_step",
    "dampening (1-mu) on g",
    """
def momentum_step(param, grad, state, *, lr, momentum):
    b = grad.clone() if "b" not in state else momentum * state["b"] + (1 - momentum) * grad
    state["b"] = b
    param.sub_(lr * b)
""",
)
bad(
    "momentum_step",
    "updates param with old buffer",
    """
def momentum_step(param, grad, state, *, lr, momentum):
    old = state.get("b", grad)
    state["b"] = momentum * old + grad if "b" in state else grad.clone()
    param.sub_(lr * old)
""",
)
bad(
    "momentum_step",
    "global buffer shared between parameters",
    """
_BUF = {}
def momentum_step(param, grad, state, *, lr, momentum):
    key = param.shape
    _BUF[key] = grad.clone() if key not in _BUF else momentum * _BUF[key] + grad
    param.sub_(lr * _BUF[key])
""",
)
bad(
    "momentum_step",
    "buffer aliases grad (no clone), then in-place",
    """
def momentum_step(param, grad, state, *, lr, momentum):
    if "b" not in state:
        state["b"] = grad
    else:
        state["b"].mul_(momentum).add_(grad)
    param.sub_(lr * state["b"])
""",
)
bad(
    "momentum_step",
    "state not kept (new dict)",
    """
def momentum_step(param, grad, state, *, lr, momentum):
    state = dict(state)
    b = grad.clone() if "b" not in state else momentum * state["b"] + grad
    state["b"] = b
    param.sub_(lr * b)
""",
)

ok(
    "momentum_step",
    "numpy arrays, np.asarray keeps 0-dim",
    """
def momentum_step(param, grad, state, *, lr, momentum):
    g = np.array(grad.numpy(), copy=True)
    b = g if "b" not in state else momentum * state["b"] + g
    state["b"] = np.asarray(b)
    param.copy_(torch.as_tensor(np.asarray(param.numpy() - lr * b)))
""",
)

# ---------------------------------------------------------------- nesterov_step
ok(
    "nesterov_step",
    "torch form",
    """
def nesterov_step(param, grad, state, *, lr, momentum):
    if "b" not in state:
        state["b"] = grad.clone()
    else:
        state["b"] = momentum * state["b"] + grad
    param.sub_(lr * (grad + momentum * state["b"]))
""",
)
ok(
    "nesterov_step",
    "Bengio/Goodfellow velocity form",
    """
def nesterov_step(param, grad, state, *, lr, momentum):
    v_old = state.get("v", torch.zeros_like(param))
    v = momentum * v_old - lr * grad
    state["v"] = v
    param.add_(-momentum * v_old + (1 + momentum) * v)
""",
)
ok(
    "nesterov_step",
    "expanded g(1+mu) + mu^2 b_old",
    """
def nesterov_step(param, grad, state, *, lr, momentum):
    b_old = state.get("b")
    if b_old is None:
        step = (1 + momentum) * grad
        state["b"] = grad.clone()
    else:
        step = (1 + momentum) * grad + momentum * momentum * b_old
        state["b"] = momentum * b_old + grad
    param[...] = param - lr * step
""",
)
ok(
    "nesterov_step",
    "numpy",
    """
def nesterov_step(param, grad, state, *, lr, momentum):
    g = grad.numpy()
    b = g.copy() if "b" not in state else momentum * state["b"] + g
    state["b"] = b
    p = param.numpy()
    p -= lr * (g + momentum * b)
""",
)
ok(
    "nesterov_step",
    "float64 internals, float state counter",
    """
def nesterov_step(param, grad, state, *, lr, momentum):
    state["n"] = state.get("n", 0.0) + 1.0
    g = grad.to(torch.float64)
    b = g if state["n"] == 1.0 else momentum * state["b"] + g
    state["b"] = b
    param.copy_(param.to(torch.float64) - lr * (g + momentum * b))
""",
)
bad(
    "nesterov_step",
    "plain momentum",
    """
def nesterov_step(param, grad, state, *, lr, momentum):
    b = grad.clone() if "b" not in state else momentum * state["b"] + grad
    state["b"] = b
    param.sub_(lr * b)
""",
)
bad(
    "nesterov_step",
    "old buffer in lookahead",
    """
def nesterov_step(param, grad, state, *, lr, momentum):
    old = state.get("b", grad)
    b = grad.clone() if "b" not in state else momentum * old + grad
    state["b"] = b
    param.sub_(lr * (grad + momentum * old))
""",
)
bad(
    "nesterov_step",
    "Goodfellow form with wrong sign on v_old",
    """
def nesterov_step(param, grad, state, *, lr, momentum):
    v_old = state.get("v", torch.zeros_like(param))
    v = momentum * v_old - lr * grad
    state["v"] = v
    param.add_(momentum * v_old + (1 + momentum) * v)
""",
)
bad(
    "nesterov_step",
    "look-ahead scales g by (1 - mu)",
    """
def nesterov_step(param, grad, state, *, lr, momentum):
    b = state.get("b", torch.zeros_like(param)) * momentum + grad
    state["b"] = b
    param.sub_(lr * ((1 - momentum) * grad + momentum * b))
""",
)
bad(
    "nesterov_step",
    "hard-coded momentum default 0.9",
    """
def nesterov_step(param, grad, state, *, lr, momentum=0.9):
    mu = 0.9
    b = grad.clone() if "b" not in state else mu * state["b"] + grad
    state["b"] = b
    param.sub_(lr * (grad + mu * b))
""",
)

# ---------------------------------------------------------------- adagrad_step
ok(
    "adagrad_step",
    "torch form addcmul",
    """
def adagrad_step(param, grad, state, *, lr, eps):
    if "sum" not in state:
        state["sum"] = torch.zeros_like(param)
    state["sum"].addcmul_(grad, grad, value=1)
    param.addcdiv_(grad, state["sum"].sqrt().add(eps), value=-lr)
""",
)
ok(
    "adagrad_step",
    "setdefault, out of place",
    """
def adagrad_step(param, grad, state, *, lr, eps):
    G = state.setdefault("G", torch.zeros_like(param)) + grad ** 2
    state["G"] = G
    param.data = param - lr * grad / (torch.sqrt(G) + eps)
""",
)
ok(
    "adagrad_step",
    "numpy",
    """
def adagrad_step(param, grad, state, *, lr, eps):
    g = grad.numpy()
    state["G"] = state.get("G", 0.0) + g * g
    p = param.numpy()
    p -= lr * g / (np.sqrt(state["G"]) + eps)
""",
)
ok(
    "adagrad_step",
    "double state",
    """
def adagrad_step(param, grad, state, *, lr, eps):
    g = grad.double()
    state["G"] = state.get("G", torch.zeros_like(g)) + g * g
    param.copy_(param.double() - lr * g / (state["G"].sqrt() + eps))
""",
)
ok(
    "adagrad_step",
    "torch.where guards zero gradient",
    """
def adagrad_step(param, grad, state, *, lr, eps):
    G = state.get("G", torch.zeros_like(param)) + grad * grad
    state["G"] = G
    upd = torch.where(grad == 0, torch.zeros_like(grad), lr * grad / (G.sqrt() + eps))
    param.sub_(upd)
""",
)
bad(
    "adagrad_step",
    "eps inside sqrt",
    """
def adagrad_step(param, grad, state, *, lr, eps):
    G = state.get("G", torch.zeros_like(param)) + grad * grad
    state["G"] = G
    param.sub_(lr * grad / torch.sqrt(G + eps))
""",
)
bad(
    "adagrad_step",
    "acts like RMSprop alpha 0.99",
    """
def adagrad_step(param, grad, state, *, lr, eps):
    G = 0.99 * state.get("G", torch.zeros_like(param)) + 0.01 * grad * grad
    state["G"] = G
    param.sub_(lr * grad / (G.sqrt() + eps))
""",
)
bad(
    "adagrad_step",
    "G updated after the step",
    """
def adagrad_step(param, grad, state, *, lr, eps):
    G = state.get("G", grad * grad)
    param.sub_(lr * grad / (G.sqrt() + eps))
    state["G"] = G + grad * grad
""",
)
bad(
    "adagrad_step",
    "no square root",
    """
def adagrad_step(param, grad, state, *, lr, eps):
    G = state.get("G", torch.zeros_like(param)) + grad * grad
    state["G"] = G
    param.sub_(lr * grad / (G + eps))
""",
)
bad(
    "adagrad_step",
    "eps clamp instead of add",
    """
def adagrad_step(param, grad, state, *, lr, eps):
    G = state.get("G", torch.zeros_like(param)) + grad * grad
    state["G"] = G
    param.sub_(lr * grad / G.sqrt().clamp(min=eps))
""",
)
bad(
    "adagrad_step",
    "hard-coded eps 1e-10",
    """
def adagrad_step(param, grad, state, *, lr, eps):
    G = state.get("G", torch.zeros_like(param)) + grad * grad
    state["G"] = G
    param.sub_(lr * grad / (G.sqrt() + 1e-10))
""",
)

# ---------------------------------------------------------------- rmsprop_step
ok(
    "rmsprop_step",
    "torch form",
    """
def rmsprop_step(param, grad, state, *, lr, alpha, eps):
    if "square_avg" not in state:
        state["square_avg"] = torch.zeros_like(param)
    sq = state["square_avg"]
    sq.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
    param.addcdiv_(grad, sq.sqrt().add_(eps), value=-lr)
""",
)
ok(
    "rmsprop_step",
    "lerp",
    """
def rmsprop_step(param, grad, state, *, lr, alpha, eps):
    v = state.setdefault("v", torch.zeros_like(param))
    v.lerp_(grad * grad, 1 - alpha)
    param -= lr * grad / (v.sqrt() + eps)
""",
)
bad(
    "rmsprop_step",
    "numpy scalar breaks 0-dim (from_numpy of np.float64)",
    """
def rmsprop_step(param, grad, state, *, lr, alpha, eps):
    g = grad.numpy()
    v = alpha * state.get("v", 0.0) + (1 - alpha) * g ** 2
    state["v"] = v
    param.copy_(torch.from_numpy(param.numpy() - lr * g / (np.sqrt(v) + eps)))
""",
)
ok(
    "rmsprop_step",
    "double internals",
    """
def rmsprop_step(param, grad, state, *, lr, alpha, eps):
    g = grad.double()
    v = alpha * state.get("v", torch.zeros_like(g)) + (1 - alpha) * g * g
    state["v"] = v
    param.data = (param.double() - lr * g / (v.sqrt() + eps)).to(param.dtype)
""",
)
ok(
    "rmsprop_step",
    "zero-state via first-call flag",
    """
def rmsprop_step(param, grad, state, *, lr, alpha, eps):
    if not state:
        state["v"] = (1 - alpha) * grad * grad
    else:
        state["v"] = alpha * state["v"] + (1 - alpha) * grad * grad
    param[...] = param - lr * grad / (state["v"].sqrt() + eps)
""",
)
bad(
    "rmsprop_step",
    "v initialised to g^2 (no (1-alpha) on first call)",
    """
def rmsprop_step(param, grad, state, *, lr, alpha, eps):
    if not state:
        state["v"] = grad * grad
    else:
        state["v"] = alpha * state["v"] + (1 - alpha) * grad * grad
    param.sub_(lr * grad / (state["v"].sqrt() + eps))
""",
)
bad(
    "rmsprop_step",
    "alpha swapped",
    """
def rmsprop_step(param, grad, state, *, lr, alpha, eps):
    v = (1 - alpha) * state.get("v", torch.zeros_like(param)) + alpha * grad * grad
    state["v"] = v
    param.sub_(lr * grad / (v.sqrt() + eps))
""",
)
bad(
    "rmsprop_step",
    "eps inside sqrt",
    """
def rmsprop_step(param, grad, state, *, lr, alpha, eps):
    v = alpha * state.get("v", torch.zeros_like(param)) + (1 - alpha) * grad * grad
    state["v"] = v
    param.sub_(lr * grad / (v + eps).sqrt())
""",
)
bad(
    "rmsprop_step",
    "acts like Adagrad (sum)",
    """
def rmsprop_step(param, grad, state, *, lr, alpha, eps):
    v = state.get("v", torch.zeros_like(param)) + grad * grad
    state["v"] = v
    param.sub_(lr * grad / (v.sqrt() + eps))
""",
)
bad(
    "rmsprop_step",
    "bias-corrected RMSprop",
    """
def rmsprop_step(param, grad, state, *, lr, alpha, eps):
    t = state.get("t", 0) + 1
    v = alpha * state.get("v", torch.zeros_like(param)) + (1 - alpha) * grad * grad
    state["v"], state["t"] = v, t
    param.sub_(lr * grad / ((v / (1 - alpha ** t)).sqrt() + eps))
""",
)
bad(
    "rmsprop_step",
    "float32 state for float64 params",
    """
def rmsprop_step(param, grad, state, *, lr, alpha, eps):
    v = state.setdefault("v", torch.zeros(param.shape))
    v.mul_(alpha).add_((1 - alpha) * grad * grad)
    param.sub_(lr * grad / (v.sqrt() + eps))
""",
)

ok(
    "rmsprop_step",
    "numpy, torch.tensor(...) back",
    """
def rmsprop_step(param, grad, state, *, lr, alpha, eps):
    g = grad.numpy()
    v = alpha * state.get("v", np.zeros_like(g)) + (1 - alpha) * g ** 2
    state["v"] = v
    param.copy_(torch.tensor(param.numpy() - lr * g / (np.sqrt(v) + eps)))
""",
)

# ---------------------------------------------------------------- adam_step
ok(
    "adam_step",
    "torch-like, math.sqrt bias correction",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    if not state:
        state["step"] = 0
        state["m"] = torch.zeros_like(param)
        state["v"] = torch.zeros_like(param)
    state["step"] += 1
    t = state["step"]
    state["m"].mul_(beta1).add_(grad, alpha=1 - beta1)
    state["v"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    bc1 = 1 - beta1 ** t
    bc2 = 1 - beta2 ** t
    denom = state["v"].sqrt() / math.sqrt(bc2) + eps
    param.addcdiv_(state["m"], denom, value=-lr / bc1)
""",
)
ok(
    "adam_step",
    "textbook m_hat v_hat, out of place",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", torch.zeros_like(param)) + (1 - beta1) * grad
    v = beta2 * state.get("v", torch.zeros_like(param)) + (1 - beta2) * grad ** 2
    state.update(t=t, m=m, v=v)
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    param.data = param - lr * m_hat / (v_hat.sqrt() + eps)
""",
)
ok(
    "adam_step",
    "step counter as a float64 tensor",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    if "t" not in state:
        state["t"] = torch.tensor(0.0, dtype=torch.float64)
        state["m"] = torch.zeros_like(param)
        state["v"] = torch.zeros_like(param)
    state["t"] += 1
    m, v, t = state["m"], state["v"], state["t"]
    m.mul_(beta1).add_((1 - beta1) * grad)
    v.mul_(beta2).add_((1 - beta2) * grad * grad)
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    param.sub_(lr * m_hat / (v_hat.sqrt() + eps))
""",
)
bad(
    "adam_step",
    "numpy scalar breaks 0-dim (from_numpy of np.float64)",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    g = grad.numpy()
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", np.zeros_like(g)) + (1 - beta1) * g
    v = beta2 * state.get("v", np.zeros_like(g)) + (1 - beta2) * g * g
    state["t"], state["m"], state["v"] = t, m, v
    upd = lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    param.copy_(torch.from_numpy(param.numpy() - upd))
""",
)
ok(
    "adam_step",
    "double internals everywhere",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    g = grad.double()
    st = state.setdefault("s", {"t": 0, "m": torch.zeros_like(g), "v": torch.zeros_like(g)})
    st["t"] += 1
    st["m"] = beta1 * st["m"] + (1 - beta1) * g
    st["v"] = beta2 * st["v"] + (1 - beta2) * g * g
    step_size = lr / (1 - beta1 ** st["t"])
    denom = st["v"].sqrt() / math.sqrt(1 - beta2 ** st["t"]) + eps
    param.copy_((param.double() - step_size * st["m"] / denom).to(param.dtype))
""",
)
ok(
    "adam_step",
    "step counter as a tensor of the param's dtype",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    if "step" not in state:
        state["step"] = torch.zeros((), dtype=param.dtype)
        state["exp_avg"] = torch.zeros_like(param)
        state["exp_avg_sq"] = torch.zeros_like(param)
    state["step"] += 1
    t = state["step"]
    state["exp_avg"].lerp_(grad, 1 - beta1)
    state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    m_hat = state["exp_avg"] / (1 - beta1 ** t)
    v_hat = state["exp_avg_sq"] / (1 - beta2 ** t)
    param.sub_(lr * m_hat / (v_hat.sqrt() + eps))
""",
)
ok(
    "adam_step",
    "int64 tensor step counter (torch.tensor(0))",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    if "t" not in state:
        state["t"] = torch.tensor(0)
        state["m"] = torch.zeros_like(param)
        state["v"] = torch.zeros_like(param)
    state["t"] = state["t"] + 1
    m = state["m"] = beta1 * state["m"] + (1 - beta1) * grad
    v = state["v"] = beta2 * state["v"] + (1 - beta2) * grad * grad
    t = int(state["t"])
    param.sub_(lr * (m / (1 - beta1 ** t)) / ((v / (1 - beta2 ** t)).sqrt() + eps))
""",
)
ok(
    "adam_step",
    "torch-style float32 tensor step counter used directly in beta ** t",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    if not state:
        state["step"] = torch.tensor(0.0)
        state["exp_avg"] = torch.zeros_like(param)
        state["exp_avg_sq"] = torch.zeros_like(param)
    state["step"] += 1
    step = state["step"]
    state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
    state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    m_hat = state["exp_avg"] / (1 - beta1 ** step)
    v_hat = state["exp_avg_sq"] / (1 - beta2 ** step)
    param.sub_(lr * m_hat / (v_hat.sqrt() + eps))
""",
)
ok(
    "adam_step",
    "int64 tensor step counter used directly in beta ** t",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    state.setdefault("t", torch.tensor(0))
    state["t"] += 1
    m = state["m"] = beta1 * state.get("m", torch.zeros_like(param)) + (1 - beta1) * grad
    v = state["v"] = beta2 * state.get("v", torch.zeros_like(param)) + (1 - beta2) * grad * grad
    t = state["t"]
    param.sub_(lr * (m / (1 - beta1 ** t)) / ((v / (1 - beta2 ** t)).sqrt() + eps))
""",
)
bad(
    "adam_step",
    "no bias correction",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    m = beta1 * state.get("m", torch.zeros_like(param)) + (1 - beta1) * grad
    v = beta2 * state.get("v", torch.zeros_like(param)) + (1 - beta2) * grad ** 2
    state.update(m=m, v=v)
    param.sub_(lr * m / (v.sqrt() + eps))
""",
)
bad(
    "adam_step",
    "bias correction off by one (t before increment)",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    t = state.get("t", 1)
    state["t"] = t + 1
    m = beta1 * state.get("m", torch.zeros_like(param)) + (1 - beta1) * grad
    v = beta2 * state.get("v", torch.zeros_like(param)) + (1 - beta2) * grad ** 2
    state.update(m=m, v=v)
    t = t + 1 if t > 1 else t
    param.sub_(lr * (m / (1 - beta1 ** t)) / ((v / (1 - beta2 ** t)).sqrt() + eps))
""",
)
bad(
    "adam_step",
    "eps inside sqrt",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", torch.zeros_like(param)) + (1 - beta1) * grad
    v = beta2 * state.get("v", torch.zeros_like(param)) + (1 - beta2) * grad ** 2
    state.update(t=t, m=m, v=v)
    param.sub_(lr * (m / (1 - beta1 ** t)) / (v / (1 - beta2 ** t) + eps).sqrt())
""",
)
bad(
    "adam_step",
    "beta2 used for m",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    t = state.get("t", 0) + 1
    m = beta2 * state.get("m", torch.zeros_like(param)) + (1 - beta2) * grad
    v = beta2 * state.get("v", torch.zeros_like(param)) + (1 - beta2) * grad ** 2
    state.update(t=t, m=m, v=v)
    param.sub_(lr * (m / (1 - beta1 ** t)) / ((v / (1 - beta2 ** t)).sqrt() + eps))
""",
)
bad(
    "adam_step",
    "bias correction frozen after 10 steps",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", torch.zeros_like(param)) + (1 - beta1) * grad
    v = beta2 * state.get("v", torch.zeros_like(param)) + (1 - beta2) * grad ** 2
    state.update(t=t, m=m, v=v)
    tc = min(t, 10)
    param.sub_(lr * (m / (1 - beta1 ** tc)) / ((v / (1 - beta2 ** tc)).sqrt() + eps))
""",
)
bad(
    "adam_step",
    "eps scaled by bias correction (torch's other eps)",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", torch.zeros_like(param)) + (1 - beta1) * grad
    v = beta2 * state.get("v", torch.zeros_like(param)) + (1 - beta2) * grad ** 2
    state.update(t=t, m=m, v=v)
    step = lr * math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
    param.sub_(step * m / (v.sqrt() + eps))
""",
)
bad(
    "adam_step",
    "global step counter",
    """
_T = [0]
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    _T[0] += 1
    t = _T[0]
    m = beta1 * state.get("m", torch.zeros_like(param)) + (1 - beta1) * grad
    v = beta2 * state.get("v", torch.zeros_like(param)) + (1 - beta2) * grad ** 2
    state.update(m=m, v=v)
    param.sub_(lr * (m / (1 - beta1 ** t)) / ((v / (1 - beta2 ** t)).sqrt() + eps))
""",
)
ok(
    "adam_step",
    "m built from grad.mul on the first call",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    if not state:
        state["t"] = 0
        state["m"] = grad.mul(1 - beta1)
        state["v"] = torch.zeros_like(param)
    else:
        state["m"].mul_(beta1).add_(grad, alpha=1 - beta1)
    state["t"] += 1
    t = state["t"]
    state["v"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    m, v = state["m"], state["v"]
    param.sub_(lr * (m / (1 - beta1 ** t)) / ((v / (1 - beta2 ** t)).sqrt() + eps))
""",
)

ok(
    "adam_step",
    "numpy round trip, in place on the shared buffer",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    g = grad.numpy()
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", np.zeros_like(g)) + (1 - beta1) * g
    v = beta2 * state.get("v", np.zeros_like(g)) + (1 - beta2) * g * g
    state["t"], state["m"], state["v"] = t, m, v
    p = param.numpy()
    p -= lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
""",
)
ok(
    "adam_step",
    "all in the param's dtype: step counter a tensor of that dtype",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    if "step" not in state:
        state["step"] = torch.zeros((), dtype=param.dtype)
        state["m"] = torch.zeros_like(param)
        state["v"] = torch.zeros_like(param)
    state["step"] += 1
    t = state["step"]
    b1 = torch.tensor(beta1, dtype=param.dtype)
    b2 = torch.tensor(beta2, dtype=param.dtype)
    state["m"].mul_(b1).add_((1 - b1) * grad)
    state["v"].mul_(b2).add_((1 - b2) * grad * grad)
    param.sub_(lr * (state["m"] / (1 - b1 ** t)) / ((state["v"] / (1 - b2 ** t)).sqrt() + eps))
""",
)

# ---------------------------------------------------------------- gradient_descent
ok(
    "gradient_descent",
    "x.grad with manual zeroing, list + stack",
    """
def gradient_descent(f, x0, *, lr, steps):
    x = x0.detach().clone().requires_grad_(True)
    out = [x.detach().clone()]
    for _ in range(steps):
        f(x).backward()
        with torch.no_grad():
            x -= lr * x.grad
        x.grad.zero_()
        out.append(x.detach().clone())
    return torch.stack(out)
""",
)
ok(
    "gradient_descent",
    "torch.autograd.grad, new leaf each step",
    """
def gradient_descent(f, x0, *, lr, steps):
    xs = [x0.detach().clone()]
    x = x0.detach().clone()
    for _ in range(steps):
        x = x.requires_grad_(True)
        (g,) = torch.autograd.grad(f(x), x)
        x = (x - lr * g).detach()
        xs.append(x)
    return torch.stack(xs)
""",
)
ok(
    "gradient_descent",
    "preallocated output",
    """
def gradient_descent(f, x0, *, lr, steps):
    out = torch.empty((steps + 1, *x0.shape), dtype=x0.dtype)
    out[0] = x0
    x = x0.clone().requires_grad_()
    for k in range(1, steps + 1):
        loss = f(x)
        loss.backward()
        with torch.no_grad():
            x.sub_(lr * x.grad)
            x.grad = None
        out[k] = x.detach()
    return out
""",
)
ok(
    "gradient_descent",
    "grad set to None, returns requires_grad stack",
    """
def gradient_descent(f, x0, *, lr, steps):
    x = x0.clone().detach().requires_grad_(True)
    traj = [x0.clone()]
    for _ in range(steps):
        x.grad = None
        y = f(x)
        y.backward()
        x.data -= lr * x.grad.data
        traj.append(x.data.clone())
    return torch.stack(traj)
""",
)
ok(
    "gradient_descent",
    "numpy accumulation of iterates (float64 output)",
    """
def gradient_descent(f, x0, *, lr, steps):
    x = x0.detach().clone()
    rows = [x0.detach().numpy().copy()]
    for _ in range(steps):
        x.requires_grad_(True)
        g = torch.autograd.grad(f(x), [x])[0]
        x = (x.detach() - lr * g)
        rows.append(x.numpy().copy())
    return torch.from_numpy(np.stack(rows))
""",
)
bad(
    "gradient_descent",
    "steps rows instead of steps+1",
    """
def gradient_descent(f, x0, *, lr, steps):
    x = x0.detach().clone().requires_grad_(True)
    out = []
    for _ in range(steps):
        f(x).backward()
        with torch.no_grad():
            x -= lr * x.grad
        x.grad = None
        out.append(x.detach().clone())
    return torch.stack(out)
""",
)
bad(
    "gradient_descent",
    "gradients accumulate",
    """
def gradient_descent(f, x0, *, lr, steps):
    x = x0.detach().clone().requires_grad_(True)
    out = [x.detach().clone()]
    for _ in range(steps):
        f(x).backward()
        with torch.no_grad():
            x -= lr * x.grad
        out.append(x.detach().clone())
    return torch.stack(out)
""",
)
bad(
    "gradient_descent",
    "aliasing: appends x without clone",
    """
def gradient_descent(f, x0, *, lr, steps):
    x = x0.detach().clone().requires_grad_(True)
    out = [x0.detach()]
    for _ in range(steps):
        f(x).backward()
        with torch.no_grad():
            x -= lr * x.grad
        x.grad = None
        out.append(x.detach())
    return torch.stack(out)
""",
)
bad(
    "gradient_descent",
    "modifies x0",
    """
def gradient_descent(f, x0, *, lr, steps):
    out = [x0.detach().clone()]
    x = x0.requires_grad_(True)
    for _ in range(steps):
        (g,) = torch.autograd.grad(f(x), x)
        with torch.no_grad():
            x -= lr * g
        out.append(x.detach().clone())
    return torch.stack(out)
""",
)
bad(
    "gradient_descent",
    "float32 output for float64 input",
    """
def gradient_descent(f, x0, *, lr, steps):
    x = x0.detach().clone().float().requires_grad_(True)
    out = [x.detach().clone()]
    for _ in range(steps):
        (g,) = torch.autograd.grad(f(x), x)
        x = (x - lr * g).detach().requires_grad_(True)
        out.append(x.detach().clone())
    return torch.stack(out)
""",
)
bad(
    "gradient_descent",
    "omits x0 and repeats the last",
    """
def gradient_descent(f, x0, *, lr, steps):
    x = x0.detach().clone().requires_grad_(True)
    out = []
    for _ in range(steps):
        (g,) = torch.autograd.grad(f(x), x)
        x = (x - lr * g).detach().requires_grad_(True)
        out.append(x.detach().clone())
    out.append(out[-1])
    return torch.stack(out)
""",
)
bad(
    "gradient_descent",
    "uses fixed 10 steps when steps > 10",
    """
def gradient_descent(f, x0, *, lr, steps):
    x = x0.detach().clone()
    out = [x.clone()]
    for k in range(steps):
        if k < 30:
            x.requires_grad_(True)
            (g,) = torch.autograd.grad(f(x), x)
            x = (x - lr * g).detach()
        out.append(x.clone())
    return torch.stack(out)
""",
)

# ---------------------------------------------------------------- MySGD
ok(
    "MySGD",
    "list params, grad None",
    """
class MySGD:
    def __init__(self, params, lr):
        self.params = list(params)
        self.lr = lr

    def step(self):
        with torch.no_grad():
            for p in self.params:
                if p.grad is not None:
                    p -= self.lr * p.grad

    def zero_grad(self):
        for p in self.params:
            p.grad = None
""",
)
ok(
    "MySGD",
    "zero_grad zeros in place",
    """
class MySGD:
    def __init__(self, params, lr):
        self.params = [p for p in params]
        self.lr = lr

    @torch.no_grad()
    def step(self):
        for p in self.params:
            if p.grad is None:
                continue
            p.add_(p.grad, alpha=-self.lr)

    def zero_grad(self):
        for p in self.params:
            if p.grad is not None:
                p.grad.detach_()
                p.grad.zero_()
""",
)
ok(
    "MySGD",
    "param.data arithmetic, tuple params",
    """
class MySGD:
    def __init__(self, params, lr=0.01):
        self.params = tuple(params)
        self.lr = lr

    def step(self):
        for p in self.params:
            if p.grad is not None:
                p.data = p.data - self.lr * p.grad.data

    def zero_grad(self):
        for p in self.params:
            if p.grad is not None:
                p.grad.data.zero_()
""",
)
ok(
    "MySGD",
    "uses sgd_step-like helper inside, grads zeroed with mul_(0)",
    """
class MySGD:
    def __init__(self, params, lr):
        self.groups = [{"params": list(params), "lr": lr}]

    def step(self):
        for group in self.groups:
            for p in group["params"]:
                if p.grad is not None:
                    with torch.no_grad():
                        p.copy_(p - group["lr"] * p.grad)

    def zero_grad(self):
        for group in self.groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad.mul_(0)
""",
)
ok(
    "MySGD",
    "step returns None and accepts closure",
    """
class MySGD:
    def __init__(self, params, lr):
        self.params = list(params)
        self.lr = lr

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        with torch.no_grad():
            for p in self.params:
                if p.grad is not None:
                    p.sub_(self.lr * p.grad)
        return loss

    def zero_grad(self, set_to_none=True):
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()
""",
)
bad(
    "MySGD",
    "keeps the generator",
    """
class MySGD:
    def __init__(self, params, lr):
        self.params = params
        self.lr = lr

    def step(self):
        with torch.no_grad():
            for p in self.params:
                if p.grad is not None:
                    p -= self.lr * p.grad

    def zero_grad(self):
        for p in self.params:
            p.grad = None
""",
)
bad(
    "MySGD",
    "zero_grad does nothing",
    """
class MySGD:
    def __init__(self, params, lr):
        self.params = list(params)
        self.lr = lr

    def step(self):
        with torch.no_grad():
            for p in self.params:
                if p.grad is not None:
                    p -= self.lr * p.grad

    def zero_grad(self):
        pass
""",
)
ok(
    "MySGD",
    "no skip of a parameter without a gradient (every graded one has a gradient)",
    """
class MySGD:
    def __init__(self, params, lr):
        self.params = list(params)
        self.lr = lr

    def step(self):
        with torch.no_grad():
            for p in self.params:
                p -= self.lr * p.grad

    def zero_grad(self):
        for p in self.params:
            p.grad = None
""",
)
bad(
    "MySGD",
    "rebinds p (no update)",
    """
class MySGD:
    def __init__(self, params, lr):
        self.params = list(params)
        self.lr = lr

    def step(self):
        with torch.no_grad():
            for p in self.params:
                if p.grad is not None:
                    p = p - self.lr * p.grad

    def zero_grad(self):
        for p in self.params:
            p.grad = None
""",
)
bad(
    "MySGD",
    "hard-coded lr default used",
    """
class MySGD:
    def __init__(self, params, lr=0.1):
        self.params = list(params)
        self.lr = 0.1

    def step(self):
        with torch.no_grad():
            for p in self.params:
                if p.grad is not None:
                    p -= self.lr * p.grad

    def zero_grad(self):
        for p in self.params:
            p.grad = None
""",
)
bad(
    "MySGD",
    "subclasses Optimizer",
    """
class MySGD(torch.optim.Optimizer):
    def __init__(self, params, lr):
        super().__init__(params, dict(lr=lr))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-group["lr"])
""",
)

# ---------------------------------------------------------------- MyAdam (adam_step is in scope)
ADAM_STEP = """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", torch.zeros_like(param)) + (1 - beta1) * grad
    v = beta2 * state.get("v", torch.zeros_like(param)) + (1 - beta2) * grad ** 2
    state.update(t=t, m=m, v=v)
    param.sub_(lr * (m / (1 - beta1 ** t)) / ((v / (1 - beta2 ** t)).sqrt() + eps))
"""

ok(
    "MyAdam",
    "textbook, no_grad decorator",
    ADAM_STEP
    + """
class MyAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                adam_step(p, p.grad, self.state[p], lr=group["lr"], beta1=beta1,
                          beta2=beta2, eps=group["eps"])
        return loss
""",
)
ok(
    "MyAdam",
    "no decorator, torch.no_grad block, defaults dict",
    ADAM_STEP
    + """
class MyAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8):
        defaults = {"lr": lr, "betas": betas, "eps": eps}
        super(MyAdam, self).__init__(params, defaults)

    def step(self, closure=None):
        loss = closure() if closure else None
        with torch.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        b1, b2 = group["betas"]
                        adam_step(p, p.grad, self.state[p], lr=group["lr"], beta1=b1,
                                  beta2=b2, eps=group["eps"])
        return loss
""",
)
ok(
    "MyAdam",
    "torch-style state pre-initialised with exp_avg keys and int step",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    state["step"] += 1
    t = state["step"]
    state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
    state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    denom = (state["exp_avg_sq"] / (1 - beta2 ** t)).sqrt() + eps
    param.addcdiv_(state["exp_avg"], denom, value=-lr / (1 - beta1 ** t))


class MyAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

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
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                adam_step(p, p.grad, state, lr=group["lr"], beta1=group["betas"][0],
                          beta2=group["betas"][1], eps=group["eps"])
        return loss
""",
)
ok(
    "MyAdam",
    "pre-initialised state with own keys m, v, t",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    state["t"] += 1
    t = state["t"]
    state["m"] = beta1 * state["m"] + (1 - beta1) * grad
    state["v"] = beta2 * state["v"] + (1 - beta2) * grad * grad
    param.sub_(lr * state["m"] / (1 - beta1 ** t) / ((state["v"] / (1 - beta2 ** t)).sqrt() + eps))


class MyAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        with torch.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    st = self.state[p]
                    if not st:
                        st.update(t=0, m=torch.zeros_like(p), v=torch.zeros_like(p))
                    adam_step(p, p.grad, st, lr=group["lr"], beta1=group["betas"][0],
                              beta2=group["betas"][1], eps=group["eps"])
        return loss
""",
)
ok(
    "MyAdam",
    "pre-initialised torch keys with tensor step (like torch.optim.Adam)",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    state["step"] += 1
    t = float(state["step"])
    state["exp_avg"].lerp_(grad, 1 - beta1)
    state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    denom = state["exp_avg_sq"].sqrt() / math.sqrt(1 - beta2 ** t) + eps
    param.addcdiv_(state["exp_avg"], denom, value=-lr / (1 - beta1 ** t))


class MyAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    state = self.state[p]
                    if "step" not in state:
                        state["step"] = torch.tensor(0.0)
                        state["exp_avg"] = torch.zeros_like(p)
                        state["exp_avg_sq"] = torch.zeros_like(p)
                    b1, b2 = group["betas"]
                    adam_step(p, p.grad, state, lr=group["lr"], beta1=b1, beta2=b2,
                              eps=group["eps"])
        return loss
""",
)
ok(
    "MyAdam",
    "grads collected first, zip over params",
    ADAM_STEP
    + """
class MyAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, defaults=dict(lr=lr, betas=tuple(betas), eps=eps))

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            grads = [p.grad for p in params]
            with torch.no_grad():
                for p, g in zip(params, grads):
                    adam_step(p, g, self.state[p], lr=group["lr"], beta1=group["betas"][0],
                              beta2=group["betas"][1], eps=group["eps"])
        return loss
""",
)
bad(
    "MyAdam",
    "ignores per-group lr",
    ADAM_STEP
    + """
class MyAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))
        self.lr = lr

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    adam_step(p, p.grad, self.state[p], lr=self.lr, beta1=group["betas"][0],
                              beta2=group["betas"][1], eps=group["eps"])
        return loss
""",
)
bad(
    "MyAdam",
    "state in a plain attribute dict (lost on load_state_dict)",
    ADAM_STEP
    + """
class MyAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))
        self.my_state = {}

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    st = self.my_state.setdefault(id(p), {})
                    adam_step(p, p.grad, st, lr=group["lr"], beta1=group["betas"][0],
                              beta2=group["betas"][1], eps=group["eps"])
        return loss
""",
)
bad(
    "MyAdam",
    "closure loss not returned",
    ADAM_STEP
    + """
class MyAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        if closure is not None:
            with torch.enable_grad():
                closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    adam_step(p, p.grad, self.state[p], lr=group["lr"],
                              beta1=group["betas"][0], beta2=group["betas"][1], eps=group["eps"])
""",
)
bad(
    "MyAdam",
    "wrong default lr 1e-2",
    ADAM_STEP
    + """
class MyAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-2, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    adam_step(p, p.grad, self.state[p], lr=group["lr"],
                              beta1=group["betas"][0], beta2=group["betas"][1], eps=group["eps"])
        return loss
""",
)
bad(
    "MyAdam",
    "one state shared by all parameters of a group",
    ADAM_STEP
    + """
class MyAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            shared = self.state[group["params"][0]]
            for p in group["params"]:
                if p.grad is not None:
                    st = shared.setdefault(p.shape, {})
                    adam_step(p, p.grad, st, lr=group["lr"], beta1=group["betas"][0],
                              beta2=group["betas"][1], eps=group["eps"])
        return loss
""",
)
bad(
    "MyAdam",
    "betas swapped",
    ADAM_STEP
    + """
class MyAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                if p.grad is not None:
                    adam_step(p, p.grad, self.state[p], lr=group["lr"], beta1=b2, beta2=b1,
                              eps=group["eps"])
        return loss
""",
)
bad(
    "MyAdam",
    "ignores per-group betas (uses defaults)",
    ADAM_STEP
    + """
class MyAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        b1, b2 = self.defaults["betas"]
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    adam_step(p, p.grad, self.state[p], lr=group["lr"], beta1=b1, beta2=b2,
                              eps=group["eps"])
        return loss
""",
)
