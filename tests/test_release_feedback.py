"""The leak test, student-visible feedback side: what a student reads after grading with the hidden
cases never prints a hidden expectation, reference code or a flash-card answer.

Two paths reach students: the message of a failing nbgrader test cell
(``check(name, globals(), hidden=True)``, shown in nbgrader's feedback HTML) and Gradescope's
``results.json`` written by the autograder zip's ``run_autograder``. Both are fed submissions
written here, independently of ``solutions/`` (so the student's own code quoted back is not a
false alarm):

- *overfit*: step functions correct on exactly the public cases' (lr, shape, dtype) and 25 % off
  elsewhere — they pass the self-check and fail the hidden cases, which is when a grader is
  tempted to explain with hidden numbers;
- *wrong*: step functions off everywhere, every flash card answered "adam".

Both have ``gradient_descent`` and ``MySGD`` 25 % off everywhere.

A hidden expectation is any float or update of the reference's observations on the hidden cases
(to 5 significant digits, round numbers aside) that is neither in the public expectations nor
among the submission's own observations (a student may be shown what their code did).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from leakscan import (
    code_lines,
    flashcard_key,
    floats,
    instructor_sources,
    is_round,
    numbers_in,
    significant,
    updates,
)

from autograder.checks.step import PUBLIC_STEP_HYPERS
from autograder.notebook import check
from autograder.reports import gradescope
from autograder.verdict import engine, expect
from autograder.verdict.sources import Sources

SOURCES = Sources.discover()  # this checkout: the instructor's side

STEP_TESTS = tuple(PUBLIC_STEP_HYPERS)
# Written below 25 % off everywhere (MyAdam is left out: it scores 0 as missing).
CODE_TESTS = (*STEP_TESTS, "gradient_descent", "my_sgd")

# Textbook updates, written here (not copied from solutions/), each wrapped by `_graded`.
SUBMISSION = """
import torch

PUBLIC = {public!r}
WRONG_EVERYWHERE = {wrong_everywhere!r}


def _graded(test, update):
    def step(param, grad, state, **hyper):
        before = param.clone()
        update(param, grad, state, **hyper)
        key = (hyper["lr"], tuple(param.shape), str(param.dtype).rsplit(".", 1)[-1])
        if WRONG_EVERYWHERE or key not in PUBLIC[test]:
            param.copy_(before + 1.25 * (param - before))
    return step


def _sgd(param, grad, state, *, lr):
    param -= lr * grad


def _momentum(param, grad, state, *, lr, momentum, look_ahead=False):
    velocity = state["v"] = momentum * state["v"] + grad if "v" in state else grad.clone()
    param -= lr * (grad + momentum * velocity if look_ahead else velocity)


def _adagrad(param, grad, state, *, lr, eps):
    state["G"] = state.get("G", torch.zeros_like(grad)) + grad * grad
    param -= lr * grad / (state["G"].sqrt() + eps)


def _rmsprop(param, grad, state, *, lr, alpha, eps):
    state["v"] = alpha * state.get("v", torch.zeros_like(grad)) + (1 - alpha) * grad * grad
    param -= lr * grad / (state["v"].sqrt() + eps)


def _adam(param, grad, state, *, lr, beta1, beta2, eps):
    t = state["t"] = state.get("t", 0) + 1
    state["m"] = beta1 * state.get("m", torch.zeros_like(grad)) + (1 - beta1) * grad
    state["v"] = beta2 * state.get("v", torch.zeros_like(grad)) + (1 - beta2) * grad * grad
    m_hat, v_hat = state["m"] / (1 - beta1**t), state["v"] / (1 - beta2**t)
    param -= lr * m_hat / (v_hat.sqrt() + eps)


def _nesterov(param, grad, state, *, lr, momentum):
    _momentum(param, grad, state, lr=lr, momentum=momentum, look_ahead=True)


def gradient_descent(f, x0, *, lr, steps):
    points = [x0.detach().clone()]
    for _ in range(steps):
        x = points[-1].clone().requires_grad_(True)
        (slope,) = torch.autograd.grad(f(x), x)
        points.append(x.detach() - 1.25 * lr * slope)
    return torch.stack(points)


class MySGD:
    def __init__(self, params, lr):
        self.tensors, self.lr = list(params), lr

    def step(self):
        with torch.no_grad():
            for tensor in self.tensors:
                if tensor.grad is not None:
                    tensor -= 1.25 * self.lr * tensor.grad

    def zero_grad(self):
        for tensor in self.tensors:
            tensor.grad = None


sgd_step = _graded("sgd", _sgd)
momentum_step = _graded("momentum", _momentum)
nesterov_step = _graded("nesterov", _nesterov)
adagrad_step = _graded("adagrad", _adagrad)
rmsprop_step = _graded("rmsprop", _rmsprop)
adam_step = _graded("adam", _adam)

FLASHCARD_ANSWERS = {cards!r}
"""


def _public_keys() -> dict[str, set[tuple]]:
    from autograder.verdict.cases import public_cases

    return {
        test: {
            (case.hyper["lr"], tuple(shape), case.dtype)
            for case in public_cases(test)
            for shape in case.shapes
        }
        for test in STEP_TESTS
    }


def _cards() -> list[str]:
    return sorted(path.stem for path in Path("assets/flashcards").glob("*.png"))


def _submission(kind: str) -> str:
    cards = dict.fromkeys(_cards(), "adam") if kind == "wrong" else {}
    return SUBMISSION.format(public=_public_keys(), wrong_everywhere=kind == "wrong", cards=cards)


def _namespace(source: str) -> dict:
    namespace: dict = {"__name__": "submission"}
    exec(compile(source, "<submission>", "exec"), namespace)
    return namespace


# --- what must not show ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def hidden():
    """Code test name -> its hidden cases only (the cases after the public ones)."""
    return {
        name: expect.cases(name, sources=SOURCES, hidden=True)[
            len(expect.cases(name, sources=SOURCES, hidden=False)) :
        ]
        for name in CODE_TESTS
    }


def _secret_numbers(hidden: dict, namespace: dict) -> set[str]:
    """Hidden expectations no public expectation or student observation explains."""

    def numbers(observations) -> set[str]:
        return {significant(x) for x in (*floats(observations), *updates(observations))}

    secret, known = set(), set()
    for name in CODE_TESTS:
        cases = hidden[name]
        secret |= numbers(expect.expected(name, cases, sources=SOURCES, hidden=True))
        known |= numbers(engine.run_test(name, namespace, cases))
        public = expect.cases(name, sources=SOURCES, hidden=False)
        known |= numbers(expect.expected(name, public, sources=SOURCES, hidden=False))
        known |= numbers(engine.run_test(name, namespace, public))  # quoted as "got"
    return {value for value in secret - known if not is_round(value)}


def _assert_no_leak(text: str, hidden: dict, source: str, root: Path) -> None:
    secret = _secret_numbers(hidden, _namespace(source))
    assert secret, "no hidden expectation to look for: the test would prove nothing"
    shown = sorted(numbers_in(text) & secret)
    lines = [line for line in text.splitlines() if numbers_in(line) & secret]
    assert not shown, f"hidden expectations in student feedback: {shown[:10]}\n" + "\n".join(
        lines[:5]
    )
    own = {line.strip() for line in source.splitlines()}
    reference = {line for line in code_lines(instructor_sources(root)) if line not in own}
    quoted = sorted(line for line in reference if line in text)
    assert not quoted, f"reference code in student feedback: {quoted}"
    key = flashcard_key(root)
    for line in text.splitlines():
        answered = [card for card, algorithm in key.items() if card in line and algorithm in line]
        assert not answered, f"feedback gives the answer of cards {answered}: {line!r}"


# --- nbgrader's test cells -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["overfit", "wrong"])
def test_hidden_cell_messages_do_not_leak(kind, hidden, root, capsys):
    """Does a failing hidden test cell's message (nbgrader's feedback) hide hidden expectations,
    reference code and card answers?"""
    source = _submission(kind)
    namespace = _namespace(source)
    messages = []
    for name in (*CODE_TESTS, "flashcards"):
        try:
            check(name, namespace, hidden=True)
        except AssertionError as error:
            messages.append(str(error))
    assert len(messages) >= len(CODE_TESTS), "the submission should fail its hidden cases"
    messages.append(capsys.readouterr().out)  # partial credit explains itself on stdout
    _assert_no_leak("\n".join(messages), hidden, source, root)


def test_overfit_submission_passes_the_public_cases():
    """Does the overfit submission pass every step test on the public cases (so the hidden
    cases, and only they, fail it)?"""
    results = engine.grade_namespace(
        _namespace(_submission("overfit")), sources=SOURCES, tests=STEP_TESTS
    )
    assert all(result.passed for result in results), [r.feedback for r in results]


# --- Gradescope ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gradescope_zip(tmp_path_factory) -> Path:
    return gradescope.build_autograder_zip(out_dir=tmp_path_factory.mktemp("gradescope"))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["overfit", "wrong"])
def test_gradescope_output_does_not_leak(kind, gradescope_zip, hidden, root, tmp_path):
    """Does Gradescope's results.json, from run_autograder on a failing submission, hide hidden
    expectations, reference code and card answers?"""
    pytest.importorskip("autograder.batch", reason="the batch grader is not written yet")
    fake = tmp_path / "autograder"
    with zipfile.ZipFile(gradescope_zip) as archive:
        archive.extractall(fake / "source")
    (fake / "submission").mkdir()
    source = _submission(kind)
    (fake / "submission" / "answers.py").write_text(source)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AUTOGRADER"))}
    command = [sys.executable, "-m", "autograder.reports.gradescope", str(fake)]
    done = subprocess.run(command, cwd=fake / "source", env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    data = json.loads((fake / "results" / "results.json").read_text())
    scores = {test["name"]: test["score"] for test in data["tests"]}
    assert all(scores[name] == 0 for name in CODE_TESTS), scores
    visible = [data.get("output", "")] + [test.get("output", "") for test in data["tests"]]
    _assert_no_leak("\n".join(visible), hidden, source, root)
