"""Do the MySGD and MyAdam checks give every correct class full marks and every wrong one 0?

Variants are submissions written as source; each wrong one must score 0 with a finding of the
expected kind, naming the case and, for a trajectory, the step, parameter and index.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from autograder.checks import optimizers, training
from solutions.hidden_cases import hidden_cases
from tests.helpers_engine import first, grade, namespace_of

SGD_CORRECT = {
    "list, add_ with alpha, grad set to None": """
class MySGD:
    def __init__(self, params, lr):
        self.params = list(params)
        self.lr = lr

    @torch.no_grad()
    def step(self):
        for p in self.params:
            if p.grad is not None:
                p.add_(p.grad, alpha=-self.lr)

    def zero_grad(self):
        for p in self.params:
            p.grad = None
""",
    "tuple, out-of-place arithmetic copied back, grad zeroed": """
class MySGD:
    def __init__(self, params, lr):
        self.params = tuple(params)
        self.lr = lr

    def step(self):
        for p in self.params:
            if p.grad is None:
                continue
            p.data = p.data - self.lr * p.grad

    def zero_grad(self):
        for p in self.params:
            if p.grad is not None:
                p.grad.detach_()
                p.grad.zero_()
""",
    "sub_ of a product, list comprehension": """
class MySGD:
    def __init__(self, params, lr):
        self.params = [p for p in params]
        self.lr = lr

    def step(self):
        with torch.no_grad():
            for p in [q for q in self.params if q.grad is not None]:
                p -= self.lr * p.grad

    def zero_grad(self):
        for p in self.params:
            if p.grad is not None:
                p.grad.zero_()
""",
}

SGD_PLAIN = SGD_CORRECT["list, add_ with alpha, grad set to None"]

SGD_WRONG = {
    "params kept as a generator (missing list())": (
        SGD_PLAIN.replace("list(params)", "params"),
        "side_condition",
    ),
    "zero_grad does nothing": (
        SGD_PLAIN.replace("            p.grad = None", "            pass"),
        "side_condition",
    ),
    "subclasses torch.optim.Optimizer": (
        """
class MySGD(torch.optim.Optimizer):
    def __init__(self, params, lr):
        super().__init__(params, {"lr": lr})

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-group["lr"])
""",
        "side_condition",
    ),
    "crashes on a parameter without gradient": (
        SGD_PLAIN.replace(
            "            if p.grad is not None:\n                p.add_",
            "            if True:\n                p.add_",
        ),
        "error",
    ),
    "gradient ascent": (
        SGD_PLAIN.replace("alpha=-self.lr", "alpha=self.lr"),
        "mismatch",
    ),
    "wraps torch.optim.SGD": (
        """
class MySGD:
    def __init__(self, params, lr):
        self.inner = torch.optim.SGD(list(params), lr=lr)

    def step(self):
        self.inner.step()

    def zero_grad(self):
        self.inner.zero_grad()
""",
        "forbidden",
    ),
}

ADAM_CLASS = """
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
                if p.grad is not None:
                    adam_step(p, p.grad, self.state[p], lr=group["lr"], beta1=beta1,
                              beta2=beta2, eps=group["eps"])
        return loss
"""

ADAM_CORRECT = {
    "reference-like": ADAM_CLASS,
    "closure first, no decorator, defaults by keyword": """
class MyAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-08):
        if lr < 0:
            raise ValueError(lr)
        defaults = {"eps": eps, "betas": tuple(betas), "lr": lr}
        super(MyAdam, self).__init__(params, defaults)

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        with torch.no_grad():
            for group in self.param_groups:
                for p in filter(lambda q: q.grad is not None, group["params"]):
                    state = self.state[p]
                    adam_step(p, p.grad.data, state, lr=group["lr"], beta1=group["betas"][0],
                              beta2=group["betas"][1], eps=group["eps"])
        return loss
""",
    "subclass of torch.optim.Adam that uses adam_step": ADAM_CLASS.replace(
        "class MyAdam(torch.optim.Optimizer):", "class MyAdam(torch.optim.Adam):"
    ).replace(
        "super().__init__(params, dict(lr=lr, betas=betas, eps=eps))",
        "super().__init__(params, lr=lr, betas=betas, eps=eps)",
    ),
}

ADAM_WRONG = {
    "step(closure) returns nothing": (
        ADAM_CLASS.replace("        return loss\n", ""),
        "side_condition",
    ),
    "state outside self.state (lost by state_dict)": (
        ADAM_CLASS.replace("self.state[p]", "self.mine.setdefault(p, {})").replace(
            "        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))",
            "        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))\n"
            "        self.mine = {}",
        ),
        "mismatch",
    ),
    "ignores the groups' hyperparameters": (
        ADAM_CLASS.replace('lr=group["lr"]', 'lr=self.defaults["lr"]'),
        "mismatch",
    ),
    "default eps 1e-6": (ADAM_CLASS.replace("eps=1e-8", "eps=1e-6"), "side_condition"),
    "default lr 0.01": (ADAM_CLASS.replace("lr=1e-3", "lr=0.01"), "side_condition"),
    "not an Optimizer subclass": (
        """
class MyAdam:
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params = list(params)
        self.lr, self.betas, self.eps = lr, betas, eps
        self.state = {}

    @torch.no_grad()
    def step(self, closure=None):
        for p in self.params:
            if p.grad is not None:
                adam_step(p, p.grad, self.state.setdefault(p, {}), lr=self.lr,
                          beta1=self.betas[0], beta2=self.betas[1], eps=self.eps)

    def zero_grad(self):
        for p in self.params:
            p.grad = None
""",
        "side_condition",
    ),
    "wraps torch.optim.Adam": (
        """
class MyAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))
        self.inner = torch.optim.Adam(self.param_groups)

    def step(self, closure=None):
        return self.inner.step(closure)
""",
        "forbidden",
    ),
    "Adam inlined, adam_step never called": (
        ADAM_CLASS.replace("adam_step(p,", "inline(p,")
        + """
def inline(p, g, state, *, lr, beta1, beta2, eps):
    if not state:
        state["t"], state["m"], state["v"] = 0, torch.zeros_like(p), torch.zeros_like(p)
    state["t"] += 1
    state["m"].mul_(beta1).add_(g, alpha=1 - beta1)
    state["v"].mul_(beta2).addcmul_(g, g, value=1 - beta2)
    m_hat = state["m"] / (1 - beta1 ** state["t"])
    v_hat = state["v"] / (1 - beta2 ** state["t"])
    p.sub_(lr * m_hat / (v_hat.sqrt() + eps))
""",
        "side_condition",
    ),
    "zero_grad overridden to do nothing": (
        ADAM_CLASS + "\n    def zero_grad(self, set_to_none=True):\n        pass\n",
        "side_condition",
    ),
}


@pytest.mark.parametrize("source", SGD_CORRECT.values(), ids=SGD_CORRECT.keys())
def test_correct_my_sgd_gets_full_marks(source):
    """Does a correct MySGD written this way get full marks on public+hidden cases?"""
    result = grade(source, "my_sgd")
    assert result.passed, result.feedback


@pytest.mark.parametrize(("source", "kind"), SGD_WRONG.values(), ids=SGD_WRONG.keys())
def test_wrong_my_sgd_gets_zero_with_a_finding(source, kind):
    """Does this wrong MySGD score 0 with a finding of the expected kind?"""
    result = grade(source, "my_sgd")
    assert result.score == 0
    _assert_says_where(first(result, kind))


@pytest.mark.parametrize("source", ADAM_CORRECT.values(), ids=ADAM_CORRECT.keys())
def test_correct_my_adam_gets_full_marks(source):
    """Does a correct MyAdam written this way get full marks on public+hidden cases?"""
    result = grade(source, "my_adam")
    assert result.passed, result.feedback


@pytest.mark.parametrize(("source", "kind"), ADAM_WRONG.values(), ids=ADAM_WRONG.keys())
def test_wrong_my_adam_gets_zero_with_a_finding(source, kind):
    """Does this wrong MyAdam score 0 with a finding of the expected kind?"""
    result = grade(source, "my_adam")
    assert result.score == 0
    _assert_says_where(first(result, kind))


def _assert_says_where(finding) -> None:
    if finding.kind == "mismatch":
        assert finding.case is not None
        assert {"step", "param", "index", "expected", "got", "allowed"} <= set(finding.details)
        assert f"after step {finding.details['step']}" in finding.message


def test_missing_list_is_told_as_gradients_left_behind():
    """Does the generator mistake show at step 2, where zero_grad() no longer sees a parameter?"""
    result = grade(SGD_WRONG["params kept as a generator (missing list())"][0], "my_sgd")
    finding = first(result, "side_condition")
    assert finding.details == {"step": 2, "param": 0}
    assert "zero_grad()" in finding.message


def test_state_dict_mistake_is_told_after_the_rebuild():
    """Does a state kept outside self.state fail right after the rebuild, saying so?"""
    result = grade(ADAM_WRONG["state outside self.state (lost by state_dict)"][0], "my_adam")
    finding = first(result, "mismatch")
    assert "rebuilt from its state_dict" in finding.message


def test_a_wrong_adam_step_does_not_sink_my_adam():
    """Does a correct MyAdam pass when the submission's adam_step is wrong (tests are separate)?"""
    broken = "def adam_step(param, grad, state, *, lr, beta1, beta2, eps):\n    param.sub_(lr)\n"
    namespace = namespace_of(broken + ADAM_CLASS)
    from autograder import engine

    adam, my_adam = engine.grade_namespace(namespace, tests=["adam", "my_adam"], hidden=True)
    assert adam.score == 0
    assert my_adam.passed, my_adam.feedback
    assert namespace["adam_step"].__code__.co_filename == "<student>"  # restored afterwards


def test_my_adam_passes_without_any_adam_step_defined():
    """Does MyAdam pass when adam_step is missing altogether (the shim stands in)?"""
    result = grade(ADAM_CLASS, "my_adam")
    assert result.passed, result.feedback


@pytest.mark.parametrize("name", ["my_sgd", "my_adam"])
def test_tolerance_covers_rounding_with_margin(monkeypatch, name):
    """Do trajectories perturbed by rounding (other arithmetic, a grad off by 1e-15) stay within
    a hundredth of the allowance?"""
    monkeypatch.setattr(training, "C_TRAIN", training.C_TRAIN / 100)
    if name == "my_sgd":
        source = SGD_CORRECT["tuple, out-of-place arithmetic copied back, grad zeroed"]
    else:
        source = ADAM_CLASS.replace("adam_step(p, p.grad,", "adam_step(p, p.grad * (1 + 1e-15),")
    result = grade(source, name)
    assert result.passed, result.feedback


def test_observations_are_plain_data():
    """Is every observation JSON-able, for passing and failing classes?"""
    for source, name in ((ADAM_CLASS, "MyAdam"), (SGD_WRONG["wraps torch.optim.SGD"][0], "MySGD")):
        answer = namespace_of(source)[name]
        run = optimizers.run_my_adam if name == "MyAdam" else optimizers.run_my_sgd
        for case in hidden_cases("my_adam" if name == "MyAdam" else "my_sgd"):
            observation = run(answer, case)
            assert json.loads(json.dumps(observation)) == observation


def test_cases_round_trip_through_dict():
    """Does a case survive to_dict/from_dict (it crosses into the sandbox as JSON)?"""
    for case in hidden_cases("my_adam") + hidden_cases("my_sgd"):
        assert training.TrainCase.from_dict(json.loads(json.dumps(case.to_dict()))) == case


@pytest.mark.slow
def test_checking_my_adam_does_not_import_dynamo():
    """Does checking MyAdam spare the one-second import of torch._dynamo?"""
    code = (
        "import sys, torch\n"
        "from tests.helpers_engine import grade\n"
        "from tests.test_checks_optimizers import ADAM_CLASS\n"
        "assert grade(ADAM_CLASS, 'my_adam', hidden=False).passed\n"
        "print('torch._dynamo' in sys.modules)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "False"
