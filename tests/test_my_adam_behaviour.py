"""Is MyAdam judged on what it does: full marks for any class that trains like torch.optim.Adam,
whether or not it calls ``adam_step``, and the reuse of ``adam_step`` only a note?

The classes below compute Adam themselves, in the styles real submissions use; none calls
``adam_step``, so the grader's shim never runs for them and their own arithmetic is compared.
"""

from __future__ import annotations

import pytest

from tests.helpers_engine import grade
from tests.test_checks_optimizers import ADAM_CLASS

# The loop over groups and parameters every class below shares, with one hole: UPDATE, the body
# for one parameter ``p`` with ``lr, beta1, beta2, eps`` and ``state = self.state[p]`` bound.
SCRATCH = """
import math

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
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g, state = p.grad, self.state[p]
UPDATE
        return loss
"""


def _scratch(update: str) -> str:
    body = "\n".join(" " * 16 + line if line else "" for line in update.strip("\n").splitlines())
    return SCRATCH.replace("UPDATE", body)


FROM_SCRATCH = {
    "keys t, m, v; int counter; textbook formulas": _scratch(
        """
if not state:
    state["t"], state["m"], state["v"] = 0, torch.zeros_like(p), torch.zeros_like(p)
state["t"] += 1
state["m"] = beta1 * state["m"] + (1 - beta1) * g
state["v"] = beta2 * state["v"] + (1 - beta2) * g * g
m_hat = state["m"] / (1 - beta1 ** state["t"])
v_hat = state["v"] / (1 - beta2 ** state["t"])
p -= lr * m_hat / (torch.sqrt(v_hat) + eps)
"""
    ),
    "torch-style tensor step counter, lerp_, addcdiv_": _scratch(
        """
if len(state) == 0:
    state["step"] = torch.tensor(0.0)
    state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
    state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
state["step"] += 1
step = state["step"].item()
state["exp_avg"].lerp_(g, 1 - beta1)
state["exp_avg_sq"].mul_(beta2).addcmul_(g, g.conj(), value=1 - beta2)
bias_correction1 = 1 - beta1**step
bias_correction2 = 1 - beta2**step
denom = (state["exp_avg_sq"].sqrt() / math.sqrt(bias_correction2)).add_(eps)
p.addcdiv_(state["exp_avg"], denom, value=-lr / bias_correction1)
"""
    ),
    "float64 tensor counter used as a tensor in the bias correction": _scratch(
        """
if "moment1" not in state:
    state["count"] = torch.zeros((), dtype=torch.float64)
    state["moment1"] = torch.zeros_like(p)
    state["moment2"] = torch.zeros_like(p)
state["count"].add_(1)
state["moment1"].mul_(beta1).add_(g, alpha=1 - beta1)
state["moment2"].mul_(beta2).add_(g.square(), alpha=1 - beta2)
corrected1 = state["moment1"] / (1 - beta1 ** state["count"])
corrected2 = state["moment2"] / (1 - beta2 ** state["count"])
p.sub_(lr * corrected1 / (corrected2.sqrt() + eps))
"""
    ),
    "numpy round trip: state as tensors, arithmetic on their numpy views": _scratch(
        """
import numpy as np
if "mean" not in state:
    state["mean"], state["var"], state["n"] = torch.zeros_like(p), torch.zeros_like(p), 0
state["n"] += 1
a, grad = p.numpy(), g.numpy()
mean, var = state["mean"].numpy(), state["var"].numpy()
mean *= beta1
mean += (1 - beta1) * grad
var *= beta2
var += (1 - beta2) * grad**2
m_hat = mean / (1 - beta1 ** state["n"])
v_hat = var / (1 - beta2 ** state["n"])
a -= lr * m_hat / (np.sqrt(v_hat) + eps)
"""
    ),
}

FOREACH_STYLE = """
class MyAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    def _init_group(self, group, params, grads, avgs, avg_sqs, steps):
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = 0
                state["avg"] = torch.zeros_like(p)
                state["avg_sq"] = torch.zeros_like(p)
            params.append(p)
            grads.append(p.grad)
            avgs.append(state["avg"])
            avg_sqs.append(state["avg_sq"])
            state["step"] += 1
            steps.append(state["step"])

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        with torch.no_grad():
            for group in self.param_groups:
                params, grads, avgs, avg_sqs, steps = [], [], [], [], []
                self._init_group(group, params, grads, avgs, avg_sqs, steps)
                beta1, beta2 = group["betas"]
                torch._foreach_mul_(avgs, beta1)
                torch._foreach_add_(avgs, grads, alpha=1 - beta1)
                torch._foreach_mul_(avg_sqs, beta2)
                torch._foreach_addcmul_(avg_sqs, grads, grads, value=1 - beta2)
                for p, m, v, t in zip(params, avgs, avg_sqs, steps):
                    m_hat = m / (1 - beta1**t)
                    v_hat = v / (1 - beta2**t)
                    p.addcdiv_(m_hat, v_hat.sqrt().add_(group["eps"]), value=-group["lr"])
        return loss
"""
FROM_SCRATCH["foreach-style: lists per group, torch._foreach_ ops"] = FOREACH_STYLE
# float32 zeros, but ``m = beta1 * m + ...`` promotes them to float64 at the first step: correct.
FROM_SCRATCH["float32 zeros promoted by out-of-place arithmetic"] = FROM_SCRATCH[
    "keys t, m, v; int counter; textbook formulas"
].replace("torch.zeros_like(p), torch.zeros_like(p)", "torch.zeros(p.shape), torch.zeros(p.shape)")


@pytest.mark.parametrize("source", FROM_SCRATCH.values(), ids=FROM_SCRATCH.keys())
def test_from_scratch_adam_gets_full_marks_with_a_note(source):
    """Does a MyAdam that computes Adam itself get full marks on public and hidden cases, with
    one note (not scored) suggesting the reuse of adam_step, and nothing else?"""
    result = grade(source, "my_adam")
    assert result.passed, result.feedback
    assert [finding.kind for finding in result.findings] == ["note"], result.feedback
    assert "adam_step" in result.findings[0].message
    assert len(result.findings[0].message.splitlines()) == 1


def test_reusing_adam_step_gets_no_note():
    """Does a MyAdam that calls adam_step get full marks with no note at all?"""
    result = grade(ADAM_CLASS, "my_adam")
    assert result.passed and result.findings == [], result.feedback


def test_a_wrong_from_scratch_adam_leads_with_its_real_problem():
    """Does a wrong from-scratch MyAdam (no bias correction) score 0, its feedback starting with
    what is wrong, and the adam_step suggestion only last, as a note?"""
    source = FROM_SCRATCH["keys t, m, v; int counter; textbook formulas"].replace(
        '/ (1 - beta1 ** state["t"])', ""
    )
    result = grade(source, "my_adam")
    assert result.score == 0
    kinds = [finding.kind for finding in result.findings]
    assert kinds[0] != "note" and kinds[-1] == "note", result.feedback
    assert "adam_step" not in result.findings[0].message


TEXTBOOK = FROM_SCRATCH["keys t, m, v; int counter; textbook formulas"]
# The textbook update, with eps before the bias correction (the older placement).
OLDER_EPS = _scratch(
    """
if not state:
    state["t"], state["m"], state["v"] = 0, torch.zeros_like(p), torch.zeros_like(p)
state["t"] += 1
state["m"].mul_(beta1).add_(g, alpha=1 - beta1)
state["v"].mul_(beta2).addcmul_(g, g, value=1 - beta2)
step_size = lr * math.sqrt(1 - beta2 ** state["t"]) / (1 - beta1 ** state["t"])
p.addcdiv_(state["m"], state["v"].sqrt().add_(eps), value=-step_size)
"""
)

# An in-place update keeps float32 moments float32 (``m = beta1 * m + ...`` would promote them to
# float64 at the first step, and be correct).

# (source, the API finding expected first after any named mistake, words it must say, the
# mistakes that may be named)
API_MISTAKES = {
    "step() takes no closure": (
        ADAM_CLASS.replace("def step(self, closure=None):", "def step(self):").replace(
            "if closure is not None:", "if False:\n            closure = None"
        ),
        "closure-missing",
        ["def step(self, closure=None)"],
        set(),
    ),
    "closure called under no_grad": (
        ADAM_CLASS.replace(
            "            with torch.enable_grad():\n                loss = closure()",
            "            loss = closure()",
        ),
        "closure-under-no-grad",
        ["torch.enable_grad()"],
        set(),
    ),
    "closure never called": (
        ADAM_CLASS.replace(
            "            with torch.enable_grad():\n                loss = closure()",
            "            pass",
        ),
        "closure-not-called",
        ["never called the closure"],
        set(),
    ),
    "step(grads) requires an argument": (
        ADAM_CLASS.replace("def step(self, closure=None):", "def step(self, grads):").replace(
            "if closure is not None:", "if False:\n            closure = None"
        ),
        "step-requires-arguments",
        ["`grads`", "def step(self, closure=None)"],
        set(),
    ),
    "groups keep beta1/beta2 instead of betas": (
        ADAM_CLASS.replace(
            "dict(lr=lr, betas=betas, eps=eps)",
            "dict(lr=lr, beta1=betas[0], beta2=betas[1], eps=eps)",
        ).replace('beta1, beta2 = group["betas"]', 'beta1, beta2 = group["beta1"], group["beta2"]'),
        "groups-ignored",
        ["`beta1`, `beta2` instead of `betas`"],
        set(),
    ),
    "groups short for b1/b2, read whole": (
        ADAM_CLASS.replace(
            "dict(lr=lr, betas=betas, eps=eps)", "dict(lr=lr, b1=betas[0], b2=betas[1], eps=eps)"
        ).replace(
            'beta1, beta2 = group["betas"]',
            'hyper = {**group}\n            beta1, beta2 = hyper["b1"], hyper["b2"]',
        ),
        "groups-ignored",
        ["`betas`", "`b1`, `b2`"],
        set(),
    ),
    "lr read from self.defaults": (
        ADAM_CLASS.replace('lr=group["lr"]', 'lr=self.defaults["lr"]'),
        "groups-ignored",
        ["never reads `lr`"],
        {"my_adam/ignores-groups"},
    ),
    "state in a dict of its own": (
        ADAM_CLASS.replace("self.state[p]", "self.mine.setdefault(p, {})").replace(
            "        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))",
            "        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))\n"
            "        self.mine = {}",
        ),
        "state-outside-optimizer",
        ["self.state[param]"],
        {"my_adam/state-outside-optimizer"},
    ),
    "float32 moments for float64 parameters": (
        OLDER_EPS.replace(
            "torch.zeros_like(p), torch.zeros_like(p)", "torch.zeros(p.shape), torch.zeros(p.shape)"
        ).replace(
            'step_size = lr * math.sqrt(1 - beta2 ** state["t"]) / (1 - beta1 ** state["t"])\n'
            '                p.addcdiv_(state["m"], state["v"].sqrt().add_(eps), value=-step_size)',
            'm_hat = state["m"] / (1 - beta1 ** state["t"])\n'
            '                v_hat = state["v"] / (1 - beta2 ** state["t"])\n'
            "                p.addcdiv_(m_hat, v_hat.sqrt().add_(eps), value=-lr)",
        ),
        "float32-state",
        ["`m`, `v`", "torch.zeros_like(param)"],
        {"my_adam/formula-float32-state"},
    ),
}


@pytest.mark.parametrize(
    ("source", "api", "words", "names"), API_MISTAKES.values(), ids=API_MISTAKES.keys()
)
def test_api_mistake_is_told_what_to_change(source, api, words, names):
    """Does a MyAdam with this API mistake score 0, the first finding after any named mistake
    being the direct check that says what to change, with no wrong mistake named?"""
    result = grade(source, "my_adam")
    assert result.score == 0
    rest = [finding for finding in result.findings if finding.kind != "mistake"]
    assert rest[0].details.get("api") == api, result.feedback
    for word in words:
        assert word in rest[0].message, rest[0].message
    named = {f.details["mistake"] for f in result.findings if f.kind == "mistake"}
    assert named <= names, result.feedback


def test_older_eps_placement_is_named():
    """Is a from-scratch MyAdam with eps added to √v before the bias correction named as the
    older eps placement, and nothing else?"""
    result = grade(OLDER_EPS, "my_adam")
    assert result.score == 0
    named = [f.details["mistake"] for f in result.findings if f.kind == "mistake"]
    assert named == ["my_adam/formula-folded-correction"], result.feedback
    assert "older eps placement" in result.findings[0].message
