"""Are parametric and compound mistakes named in students' own words of code, and is nothing
named where no behaviour can be recognised (NaN everywhere)?"""

from __future__ import annotations

import pytest

from tests.helpers_engine import grade

ADAM = """
def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    if not state:
        state["t"] = 0
        state["m"] = torch.zeros_like(param)
        state["v"] = torch.zeros_like(param)
    state["t"] += 1
    t = state["t"]
    state["m"] = beta1 * state["m"] + (1 - beta1) * grad
    state["v"] = beta2 * state["v"] + (1 - beta2) * grad * grad
    m_hat = state["m"] / (1 - beta1 ** t)
    v_hat = state["v"] / (1 - beta2 ** t)
    param -= lr * m_hat / (torch.sqrt(v_hat) + eps)
"""

NAMED = {
    "eps hard-coded at 1e-7": (
        ADAM.replace("+ eps)", "+ 1e-7)"),
        "adam",
        "adam/hard-coded-eps-1e-7",
        "behaves like 1e-7 whatever eps is passed",
    ),
    "step count never advances": (
        ADAM.replace('    state["t"] += 1\n', ""),
        "adam",
        None,  # t = 0: 1 - beta**0 = 0, NaN everywhere: nothing to name
        None,
    ),
    "step count stuck at 1": (
        ADAM.replace('state["t"] = 0', 'state["t"] = 1').replace('    state["t"] += 1\n', ""),
        "adam",
        "adam/step-stuck-at-1",
        "never advances",
    ),
    "no bias correction and eps inside the square root": (
        ADAM.replace(" / (1 - beta1 ** t)", "")
        .replace(" / (1 - beta2 ** t)", "")
        .replace("(torch.sqrt(v_hat) + eps)", "torch.sqrt(v_hat + eps)"),
        "adam",
        "adam/no-bias-correction+eps-inside-sqrt",
        "Adam without bias correction, and also eps inside the square root",
    ),
    "learning rate applied twice": (
        ADAM.replace("param -= lr *", "param -= lr * lr *"),
        "adam",
        "adam/lr-twice",
        "applied twice",
    ),
    "rmsprop: no (1 - alpha) and eps inside, numpy round trip": (
        """
def rmsprop_step(param, grad, state, *, lr, alpha, eps):
    p, g = param.numpy(), grad.numpy()
    if "v" not in state:
        state["v"] = np.zeros_like(p)
    state["v"] = alpha * state["v"] + g ** 2
    p -= lr * g / np.sqrt(state["v"] + eps)
""",
        "rmsprop",
        "rmsprop/missing-one-minus-alpha+eps-inside-sqrt",
        "and also",
    ),
    "param.fill_(nan)": (
        "def adam_step(param, grad, state, *, lr, beta1, beta2, eps):\n"
        "    param.fill_(float('nan'))\n",
        "adam",
        None,
        None,
    ),
}


@pytest.mark.parametrize(("source", "test", "mistake", "words"), NAMED.values(), ids=NAMED.keys())
def test_named_as_this_mistake_or_none(source, test, mistake, words):
    """Does this wrong function score 0 and get exactly this name (or none at all)?"""
    result = grade("import numpy as np\n" + source, test)
    assert result.score == 0
    named = [f.details["mistake"] for f in result.findings if f.kind == "mistake"]
    assert named == ([mistake] if mistake else []), result.feedback
    if words:
        assert words in result.findings[0].message
