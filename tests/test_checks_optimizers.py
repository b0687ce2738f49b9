"""Do the MySGD and MyAdam checks give every correct class full marks and every wrong one 0?

Variants are submissions written as source; each wrong one must score 0 with a finding of the
expected kind, naming the case and, for a trajectory, the step, parameter and index.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from autograder import batch
from autograder.checks import optimizers, training
from autograder.verdict import compare, expect
from autograder.verdict.sources import Sources
from solutions.hidden_cases import hidden_cases
from tests.helpers_engine import first, grade, namespace_of

SOURCES = Sources.discover()  # this checkout: the instructor's side


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

# The course text's class, word for word but for its name: it does not skip a parameter whose
# .grad is None, which the contract allows (every graded parameter has a gradient).
COURSE_SGD = """
class MySGD:
    def __init__(self, params, lr):
        self.params = list(params)
        self.lr = lr

    def step(self):
        with torch.no_grad():
            for param in self.params:
                param -= self.lr * param.grad

    def zero_grad(self):
        for param in self.params:
            if param.grad is None:
                continue
            param.grad = torch.zeros_like(param)
"""
SGD_CORRECT["the course text's class (no skip of a None gradient)"] = COURSE_SGD

SGD_ON_OPTIMIZER = """
class MySGD(torch.optim.Optimizer):
    def __init__(self, params, lr):
        super().__init__(params, {"lr": lr})

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-group["lr"])
"""
SGD_WRONG = {
    "params kept as a generator (missing list())": (
        SGD_PLAIN.replace("list(params)", "params"),
        "side_condition",
    ),
    "zero_grad does nothing": (
        SGD_PLAIN.replace("            p.grad = None", "            pass"),
        "side_condition",
    ),
    "subclasses torch.optim.Optimizer": (SGD_ON_OPTIMIZER, "side_condition"),
    # What was built counts, not only what was called (a third red team's MySGD).
    "a function returning a torch.optim.Optimizer": (
        SGD_ON_OPTIMIZER.replace("class MySGD(", "class _Built(")
        + "\n\ndef MySGD(params, lr):\n    return _Built(params, lr)\n",
        "side_condition",
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
    "Adam inlined in a helper, adam_step never called": ADAM_CLASS.replace(
        "adam_step(p,", "inline(p,"
    )
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


def test_course_text_sgd_gets_full_marks_and_only_a_note():
    """Does the course text's own SGD class get full marks on public and hidden cases, with one
    note (not scored) that its step() fails on a parameter without a gradient?"""
    result = grade(COURSE_SGD, "my_sgd")
    assert result.passed, result.feedback
    assert [finding.kind for finding in result.findings] == ["note"]
    assert "Not scored" in result.findings[0].message
    assert "TypeError" in result.findings[0].message


def test_no_my_sgd_case_has_a_parameter_without_gradient():
    """Does every my_sgd case, public and hidden, give every parameter a gradient?"""
    for case in expect.cases("my_sgd", sources=SOURCES, hidden=True):
        params, loss_fn = training.build_model(case)
        loss_fn().backward()
        assert all(param.grad is not None for param in params), case.id


def test_skipping_sgd_gets_no_note():
    """Does a MySGD that skips a None gradient get full marks with no note at all?"""
    result = grade(SGD_PLAIN, "my_sgd")
    assert result.passed and result.findings == [], result.feedback


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
    from autograder.verdict import engine

    adam, my_adam = engine.grade_namespace(
        namespace, sources=SOURCES, tests=["adam", "my_adam"], hidden=True
    )
    assert adam.score == 0
    assert my_adam.passed, my_adam.feedback
    assert namespace["adam_step"].__code__.co_filename == "<student>"  # restored afterwards


def test_my_adam_passes_without_any_adam_step_defined():
    """Does MyAdam pass when adam_step is missing altogether (the shim stands in)?"""
    result = grade(ADAM_CLASS, "my_adam")
    assert result.passed, result.feedback


# After every step, each parameter moved by one unit in the last place: another CPU's rounding.
NUDGE = """
        with torch.no_grad():
            for group in self.param_groups:
                for q in group["params"]:
                    q.copy_(torch.nextafter(q, q + 1))
"""

ROUNDING_PERTURBED = {
    "MySGD, out-of-place arithmetic copied back": (
        "my_sgd",
        SGD_CORRECT["tuple, out-of-place arithmetic copied back, grad zeroed"],
    ),
    "MySGD, every parameter one ulp off after each step": (
        "my_sgd",
        SGD_PLAIN.replace(
            "p.add_(p.grad, alpha=-self.lr)",
            "p.add_(p.grad, alpha=-self.lr)\n                p.copy_(torch.nextafter(p, p + 1))",
        ),
    ),
    "MyAdam, gradients off by one part in 1e15": (
        "my_adam",
        ADAM_CLASS.replace("adam_step(p, p.grad,", "adam_step(p, p.grad * (1 + 1e-15),"),
    ),
    "MyAdam, every parameter one ulp off after each step": (
        "my_adam",
        ADAM_CLASS.replace("        return loss\n", NUDGE + "        return loss\n"),
    ),
}


@pytest.mark.parametrize(
    ("name", "source"), ROUNDING_PERTURBED.values(), ids=ROUNDING_PERTURBED.keys()
)
def test_tolerance_covers_rounding_with_margin(monkeypatch, name, source):
    """Does a trajectory perturbed by rounding stay within a quarter of the allowance, on every
    public and hidden case?"""
    monkeypatch.setattr(compare, "C_ACCUMULATE", compare.C_ACCUMULATE / 4)
    monkeypatch.setattr(compare, "C_STORE", compare.C_STORE / 4)
    result = grade(source, name)
    assert result.passed, result.feedback


def _hyper(case: training.TrainCase, index: int) -> dict:
    """The hyperparameters parameter ``index`` trains with (defaults, case, its group)."""
    hyper = {**optimizers.ADAM_DEFAULTS, **case.hyper}
    if case.groups:
        hyper.update(case.groups[index % len(case.groups)])
    return hyper


def _feedback_gain(test: str, case: training.TrainCase, trajectory: list) -> float:
    r"""The largest gain of the loop over coordinates (``checks/training`` docstring): SGD's
    :math:`\max_t \mathrm{lr}\, h_t`, Adam's :math:`\sum_t \mathrm{lr}\, h_t /
    (\sqrt{\hat v_t} + \epsilon)`, along the reference's trajectory."""
    _, terms = training.landscape(case)
    gains = []
    for index, term in enumerate(terms):
        if term is None:
            continue
        curvature, target, quartic = (tensor.reshape(-1) for tensor in term)
        hyper = _hyper(case, index)
        theta = torch.tensor([row[index] for row in trajectory[:-1]], dtype=torch.float64)
        grads = 2 * curvature * (theta - target) + 4 * quartic * theta**3
        gain = hyper["lr"] * (2 * curvature + 12 * quartic * theta**2)
        if test == "my_sgd":
            gains.append(float(gain.max()))
            continue
        beta2, eps = hyper["betas"][1], hyper["eps"]
        t = torch.arange(1, len(theta) + 1, dtype=torch.float64).unsqueeze(1)
        weights = (1 - beta2) * beta2 ** (t - t.T).clamp(min=0) * (t >= t.T)
        v_hat = (weights @ grads**2) / (1 - beta2**t)
        gains.append(float((gain / (v_hat.sqrt() + eps)).sum(dim=0).max()))
    return max(gains)


@pytest.mark.parametrize("test", ["my_sgd", "my_adam"])
def test_cases_keep_the_loops_feedback_small(test):
    """Does every case (public and hidden) keep the training loop from amplifying rounding: SGD's
    lr·h below 1 (the loop contracts), Adam's summed gain below 1?"""
    cases = expect.cases(test, sources=SOURCES, hidden=True)
    for case, observation in zip(cases, expect.expected(test, cases, sources=SOURCES, hidden=True)):
        assert _feedback_gain(test, case, observation["trajectory"]) < 1, case.id


def _bits(value: float) -> int:
    return struct.unpack("<q", struct.pack("<d", value))[0]


def test_gradients_are_exact_elementwise_arithmetic():
    """Is every gradient element, bit for bit, the closed form 2·C(θ − A) + 4·(D·θ²)·θ computed
    in Python floats (correctly rounded, so the same on every platform and thread count)?"""
    for case in hidden_cases("my_adam") + hidden_cases("my_sgd"):
        params, loss_fn = training.build_model(case)
        with torch.no_grad():  # somewhere along the way, not the start only
            for param in params:
                param.add_(
                    torch.linspace(-0.7, 0.9, param.numel(), dtype=torch.float64).view_as(param)
                )
        loss_fn().backward()
        _, terms = training.landscape(case)
        for param, term in zip(params, terms):
            if term is None:
                assert param.grad is None
                continue
            columns = [param.detach(), *term, param.grad]
            for theta, c, a, d, got in zip(*(column.reshape(-1).tolist() for column in columns)):
                want = 2 * (c * (theta - a)) + 4 * ((d * (theta * theta)) * theta)
                assert _bits(got) == _bits(want), (case.id, theta, got, want)


# What the loss and its backward may run: correctly rounded elementwise arithmetic, the value's
# sum (its backward is ``expand``), and tensors made or viewed without arithmetic.
EXACT_OPS = {
    "aten.add.Tensor",
    "aten.sub.Tensor",
    "aten.mul.Tensor",
    "aten.sum.default",
    "aten.expand.default",
    "aten.ones_like.default",
    "aten.zeros.default",
    "aten.detach.default",
}


class _RecordOps(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.ops: set[str] = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ops.add(str(func))
        return func(*args, **(kwargs or {}))


def test_loss_and_backward_run_only_exact_elementwise_operations():
    """Does computing the gradients run no matrix product, reduction into a gradient or
    transcendental function: nothing whose result depends on the kernel, the CPU or threads?"""
    for case in hidden_cases("my_adam")[:2]:
        _, loss_fn = training.build_model(case)
        with _RecordOps() as recorded:
            loss_fn().backward()
        assert recorded.ops <= EXACT_OPS, recorded.ops - EXACT_OPS
        assert "aten.mul.Tensor" in recorded.ops  # the recorder saw the arithmetic


THREADS_PROBE = """
import json, sys, torch
torch.set_num_threads(int(sys.argv[1]))
from autograder.verdict import expect
from autograder.verdict.sources import Sources
sources = Sources.discover()
out = {}
for test in ("my_sgd", "my_adam"):
    cases = expect.cases(test, sources=sources, hidden=True)
    observed = expect.expected(test, cases, sources=sources, hidden=True)
    out[test] = [obs["trajectory"] for obs in observed]
print(json.dumps(out))
"""


@pytest.mark.slow
def test_reference_trajectories_do_not_depend_on_the_thread_count(root):
    """Are the reference's trajectories on every case bit-identical with 1 and with 2 threads
    (OpenMP, MKL and torch's own setting), as in the sandbox's child and its parent?"""
    outputs = []
    for threads in ("1", "2"):
        env = {
            **os.environ,
            "OMP_NUM_THREADS": threads,
            "MKL_NUM_THREADS": threads,
            "OPENBLAS_NUM_THREADS": threads,
            "PYTHONPATH": str(root),
        }
        completed = subprocess.run(
            [sys.executable, "-c", THREADS_PROBE, threads],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=root,
        )
        outputs.append(json.loads(completed.stdout))
    assert outputs[0] == outputs[1]  # floats from JSON compare exactly (repr round-trips)
    assert len(outputs[0]["my_adam"]) == len(hidden_cases("my_adam")) + 4


@pytest.mark.slow
def test_batch_grader_gives_a_correct_my_adam_full_marks(tmp_path):
    """Does a correct MyAdam, graded in the sandbox with --jobs 2 (child and parent on different
    thread counts), get full marks on public and hidden cases?"""
    submission = tmp_path / "alice.py"
    submission.write_text("import torch\n" + ADAM_CLASS)
    out, threads = tmp_path / "out", torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        assert batch.main(paths=[submission], out=out, jobs=2, hidden=True) == 0
    finally:
        torch.set_num_threads(threads)
    tests = {test["name"]: test for test in json.loads((out / "alice.json").read_text())["tests"]}
    assert tests["my_adam"]["passed"], tests["my_adam"]["feedback"]


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
