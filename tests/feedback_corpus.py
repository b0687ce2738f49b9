"""A corpus of wrong implementations, written in the styles students use (numpy round trips,
velocity forms, loops over elements, classes), to measure the feedback: how many are named, how
many named wrongly (the goal is none).

Each row is ``(answer name, family, expected mistake id or None, source)``. ``None`` means no name
is expected (nothing in the catalogue makes this mistake): a name given there would be wrong.
``torch``, ``math`` and ``numpy as np`` are in scope. ``tests/test_feedback_corpus.py`` grades
every row; ``tests/benchmarks/bench_feedback.py`` prints the shares per family.
"""

from __future__ import annotations

from textwrap import dedent

ROWS: list[tuple[str, str, str | None, str]] = []


def row(answer: str, family: str, expected: str | None, source: str) -> None:
    ROWS.append((answer, family, expected, dedent(source)))


# ------------------------------------------------------------------ Adam, step functions
ADAM_NUMPY = """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    p, g = param.numpy(), grad.numpy()
    if "m" not in state:
        state["m"], state["v"], state["t"] = np.zeros_like(p), np.zeros_like(p), 0
    state["t"] += 1
    t = state["t"]
    state["m"] = beta1 * state["m"] + (1 - beta1) * g
    state["v"] = beta2 * state["v"] + (1 - beta2) * g * g
    m_hat = state["m"] / (1 - beta1 ** t)
    v_hat = state["v"] / (1 - beta2 ** t)
    p -= lr * m_hat / (np.sqrt(v_hat) + eps)
"""
ADAM_LOOP = """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    if not state:
        state["step"] = 0
        state["m"] = [0.0] * param.numel()
        state["v"] = [0.0] * param.numel()
    state["step"] += 1
    t = state["step"]
    flat_p, flat_g = param.view(-1), grad.reshape(-1)
    for i in range(param.numel()):
        g = float(flat_g[i])
        state["m"][i] = beta1 * state["m"][i] + (1 - beta1) * g
        state["v"][i] = beta2 * state["v"][i] + (1 - beta2) * g * g
        m_hat = state["m"][i] / (1 - beta1 ** t)
        v_hat = state["v"][i] / (1 - beta2 ** t)
        flat_p[i] -= lr * m_hat / (math.sqrt(v_hat) + eps)
"""
ADAM_TORCH = """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    if len(state) == 0:
        state["step"] = 0
        state["exp_avg"] = torch.zeros_like(param)
        state["exp_avg_sq"] = torch.zeros_like(param)
    state["step"] += 1
    state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
    state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    bias1 = 1 - beta1 ** state["step"]
    bias2 = 1 - beta2 ** state["step"]
    denom = (state["exp_avg_sq"] / bias2).sqrt().add_(eps)
    param.addcdiv_(state["exp_avg"] / bias1, denom, value=-lr)
"""

for source in (ADAM_NUMPY, ADAM_LOOP, ADAM_TORCH):
    no_bias = (
        source.replace(" / (1 - beta1 ** t)", "")
        .replace(" / (1 - beta2 ** t)", "")
        .replace(" / bias1", "")
        .replace(" / bias2", "")
    )
    row("adam_step", "adam: no bias correction", "adam/no-bias-correction", no_bias)
    eps_in = (
        source.replace("(np.sqrt(v_hat) + eps)", "np.sqrt(v_hat + eps)")
        .replace("(math.sqrt(v_hat) + eps)", "math.sqrt(v_hat + eps)")
        .replace("(state[\"exp_avg_sq\"] / bias2).sqrt().add_(eps)",
                 "(state[\"exp_avg_sq\"] / bias2 + eps).sqrt()")
    )  # fmt: skip
    row("adam_step", "adam: eps inside the square root", "adam/eps-inside-sqrt", eps_in)
    ahead = source.replace(
        'state["t"] = np.zeros_like(p), np.zeros_like(p), 0',
        'state["t"] = np.zeros_like(p), np.zeros_like(p), 1',
    )
    ahead = ahead.replace('state["step"] = 0', 'state["step"] = 1')
    row("adam_step", "adam: step count one ahead", "adam/step-from-two", ahead)
    eps7 = source.replace("+ eps)", "+ 1e-7)").replace(".add_(eps)", ".add_(1e-7)")
    row("adam_step", "adam: eps hard-coded", "adam/hard-coded-eps-1e-7", eps7)
    row(
        "adam_step",
        "adam: two mistakes at once",
        "adam/no-bias-correction+eps-inside-sqrt",
        no_bias.replace("(np.sqrt(v_hat) + eps)", "np.sqrt(v_hat + eps)")
        .replace("(math.sqrt(v_hat) + eps)", "math.sqrt(v_hat + eps)")
        .replace('(state["exp_avg_sq"]).sqrt().add_(eps)', '(state["exp_avg_sq"] + eps).sqrt()'),
    )

row(
    "adam_step",
    "adam: step count never advances",
    "adam/step-stuck-at-1",
    ADAM_TORCH.replace('state["step"] = 0', 'state["step"] = 1').replace(
        '    state["step"] += 1\n', ""
    ),
)
row(
    "adam_step",
    "adam: Kingma and Ba's form with eps inside",
    "adam/folded-correction+eps-inside-sqrt",
    """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    if not state:
        state.update(t=0, m=torch.zeros_like(param), v=torch.zeros_like(param))
    state["t"] += 1
    state["m"] = beta1 * state["m"] + (1 - beta1) * grad
    state["v"] = beta2 * state["v"] + (1 - beta2) * grad ** 2
    alpha_t = lr * math.sqrt(1 - beta2 ** state["t"]) / (1 - beta1 ** state["t"])
    param -= alpha_t * state["m"] / torch.sqrt(state["v"] + eps)
""",
)
row(
    "adam_step",
    "adam: NaN everywhere",
    None,
    "def adam_step(param, grad, state, *, lr, beta1, beta2, eps):\n    param.fill_(float('nan'))\n",
)

# ------------------------------------------------------------------ momentum and Nesterov
row(
    "momentum_step",
    "momentum: hard-coded",
    "momentum/hard-coded-momentum",
    """
def momentum_step(param, grad, state, *, lr, momentum):
    v = state.get("v")
    v = grad.clone() if v is None else 0.9 * v + grad
    state["v"] = v
    param -= lr * v
""",
)
row(
    "momentum_step",
    "momentum: buffer not kept",
    "momentum/state-not-kept",
    """
def momentum_step(param, grad, state, *, lr, momentum):
    velocity = torch.zeros_like(param)
    velocity = momentum * velocity - lr * grad
    param += velocity
""",
)
row(
    "momentum_step",
    "momentum: damped moving average (velocity form)",
    "momentum/moving-average",
    """
def momentum_step(param, grad, state, *, lr, momentum):
    if "v" not in state:
        state["v"] = torch.zeros_like(param)
    state["v"] = momentum * state["v"] + (1 - momentum) * grad
    param.sub_(lr * state["v"])
""",
)
row(
    "nesterov_step",
    "nesterov: plain momentum",
    "nesterov/is-momentum",
    """
def nesterov_step(param, grad, state, *, lr, momentum):
    buf = state.get("buf")
    buf = grad.clone() if buf is None else buf.mul_(momentum).add_(grad)
    state["buf"] = buf
    param.add_(buf, alpha=-lr)
""",
)
row(
    "nesterov_step",
    "nesterov: learning rate twice",
    "nesterov/lr-twice",
    """
def nesterov_step(param, grad, state, *, lr, momentum):
    if "b" not in state:
        state["b"] = grad.clone()
    else:
        state["b"] = momentum * state["b"] + grad
    param -= lr * lr * (grad + momentum * state["b"])
""",
)
row(
    "nesterov_step",
    "nesterov: numpy, only the 0-dim parameter wrong",
    None,
    """
def nesterov_step(param, grad, state, *, lr, momentum):
    p, g = param.numpy(), grad.numpy()
    if "b" not in state:
        state["b"] = g.copy()
    else:
        state["b"] = momentum * state["b"] + g
    if p.ndim == 0:
        p -= lr * state["b"]
    else:
        p -= lr * (g + momentum * state["b"])
""",
)

# ------------------------------------------------------------------ AdaGrad and RMSProp
row(
    "adagrad_step",
    "adagrad: eps inside the square root (loop)",
    "adagrad/eps-inside-sqrt",
    """
def adagrad_step(param, grad, state, *, lr, eps):
    if "G" not in state:
        state["G"] = torch.zeros_like(param)
    flat, g, G = param.view(-1), grad.reshape(-1), state["G"].view(-1)
    for i in range(flat.numel()):
        G[i] += g[i] * g[i]
        flat[i] -= lr * g[i] / torch.sqrt(G[i] + eps)
""",
)
row(
    "adagrad_step",
    "adagrad: float32 sum",
    "adagrad/float32-state",
    """
def adagrad_step(param, grad, state, *, lr, eps):
    if "sum" not in state:
        state["sum"] = torch.zeros(param.shape)
    state["sum"].add_(grad * grad)
    param.sub_(lr * grad / (state["sum"].sqrt() + eps))
""",
)
row(
    "rmsprop_step",
    "rmsprop: eps inside the square root (numpy)",
    "rmsprop/eps-inside-sqrt",
    """
def rmsprop_step(param, grad, state, *, lr, alpha, eps):
    p, g = param.numpy(), grad.numpy()
    v = state.setdefault("v", np.zeros_like(p))
    v *= alpha
    v += (1 - alpha) * g ** 2
    p -= lr * g / np.sqrt(v + eps)
""",
)
row(
    "rmsprop_step",
    "rmsprop: eps hard-coded",
    "rmsprop/hard-coded-eps-1e-6",
    """
def rmsprop_step(param, grad, state, *, lr, alpha, eps):
    if "sq" not in state:
        state["sq"] = torch.zeros_like(param)
    state["sq"] = alpha * state["sq"] + (1 - alpha) * grad * grad
    param -= lr * grad / (state["sq"].sqrt() + 1e-6)
""",
)
row(
    "rmsprop_step",
    "rmsprop: two mistakes at once",
    "rmsprop/missing-one-minus-alpha+eps-inside-sqrt",
    """
def rmsprop_step(param, grad, state, *, lr, alpha, eps):
    state["v"] = alpha * state.get("v", 0) + grad ** 2
    param -= lr * grad / torch.sqrt(state["v"] + eps)
""",
)

# ------------------------------------------------------------------ MyAdam classes
CLASS = """
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
                state = self.state[p]
                if not state:
                    state["t"] = 0
                    state["m"] = torch.zeros_like(p)
                    state["v"] = torch.zeros_like(p)
                state["t"] += 1
                state["m"].mul_(beta1).add_(p.grad, alpha=1 - beta1)
                state["v"].mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                m_hat = state["m"] / (1 - beta1 ** state["t"])
                v_hat = state["v"] / (1 - beta2 ** state["t"])
                p.addcdiv_(m_hat, v_hat.sqrt().add_(group["eps"]), value=-group["lr"])
        return loss
"""
row(
    "MyAdam",
    "my_adam: no bias correction",
    "my_adam/formula-no-bias-correction",
    CLASS.replace(' / (1 - beta1 ** state["t"])', "").replace(' / (1 - beta2 ** state["t"])', ""),
)
row(
    "MyAdam",
    "my_adam: older eps placement",
    "my_adam/formula-folded-correction",
    CLASS.replace(
        """                m_hat = state["m"] / (1 - beta1 ** state["t"])
                v_hat = state["v"] / (1 - beta2 ** state["t"])
                p.addcdiv_(m_hat, v_hat.sqrt().add_(group["eps"]), value=-group["lr"])""",
        """                size = group["lr"] * math.sqrt(1 - beta2 ** state["t"])
                size /= 1 - beta1 ** state["t"]
                p.addcdiv_(state["m"], state["v"].sqrt().add_(group["eps"]), value=-size)""",
    ),
)
row(
    "MyAdam",
    "my_adam: step count one ahead",
    "my_adam/formula-step-from-two",
    CLASS.replace('state["t"] = 0', 'state["t"] = 1'),
)
row(
    "MyAdam",
    "my_adam: closure under no_grad",
    None,
    CLASS.replace(
        "            with torch.enable_grad():\n                loss = closure()",
        "            loss = closure()",
    ),
)
row(
    "MyAdam",
    "my_adam: group keys beta1/beta2",
    None,
    CLASS.replace(
        "dict(lr=lr, betas=betas, eps=eps)", "dict(lr=lr, beta1=betas[0], beta2=betas[1], eps=eps)"
    ).replace('beta1, beta2 = group["betas"]', 'beta1, beta2 = group["beta1"], group["beta2"]'),
)
row(
    "MyAdam",
    "my_adam: step(grads)",
    None,
    CLASS.replace("def step(self, closure=None):", "def step(self, grads):").replace(
        "if closure is not None:", "if False:\n            closure = None"
    ),
)
row(
    "MyAdam",
    "my_adam: state outside self.state",
    "my_adam/state-outside-optimizer",
    CLASS.replace("state = self.state[p]", "state = self.moments.setdefault(p, {})").replace(
        "super().__init__(params, dict(lr=lr, betas=betas, eps=eps))",
        "super().__init__(params, dict(lr=lr, betas=betas, eps=eps))\n        self.moments = {}",
    ),
)
