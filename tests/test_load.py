"""Does the loader keep what answers need, drop what they do not, and survive hostile files?"""

from __future__ import annotations

import ast
import json

import pytest

from autograder.loading import load, needed
from autograder.loading.syntax import parse

PY_CASES = [
    # (question, source, names that must be defined, names that must not run or exist)
    (
        "a module constant computed with a call, used by an answer",
        "import math\nHALF = math.sqrt(0.25)\n\ndef sgd_step(param, grad, state, *, lr):\n"
        "    param.sub_(2 * HALF * lr * grad)\n",
        {"HALF", "sgd_step"},
        set(),
    ),
    (
        "a constant reached through a helper function",
        "import math\nSCALE = math.exp(0.0)\n\ndef helper(x):\n    return SCALE * x\n\n"
        "def sgd_step(param, grad, state, *, lr):\n    param.sub_(helper(lr * grad))\n",
        {"SCALE", "helper", "sgd_step"},
        set(),
    ),
    (
        "a training run no answer uses",
        "def train():\n    raise SystemExit('training ran')\n\nRESULTS = train()\n\n"
        "def sgd_step(param, grad, state, *, lr):\n    param.sub_(lr * grad)\n",
        {"sgd_step", "train"},
        {"RESULTS"},
    ),
]


@pytest.mark.parametrize(
    ("source", "defined", "absent"),
    [row[1:] for row in PY_CASES],
    ids=[row[0] for row in PY_CASES],
)
def test_keeps_what_answers_need(tmp_path, source, defined, absent):
    """Is {id} handled as nbgrader would grade it, without running what no answer needs?"""
    path = tmp_path / "student.py"
    path.write_text(source)
    submission = load.load_submission(path)
    errors: list[str] = []
    namespace = load.namespace_from(submission, errors)
    assert not errors
    assert defined <= set(namespace)
    assert not absent & set(namespace)


HOSTILE = [
    ("JSON nested past the parser", "erin.ipynb", "[" * 100_000 + "]" * 100_000),
    ("an expression nested past the parser", "frank.py", "x = " + "+".join(["1"] * 200_000)),
    ("a unary chain past the parser", "gina.py", "x = " + "-" * 100_000 + "1\n"),
]


@pytest.mark.parametrize(
    ("name", "text"), [row[1:] for row in HOSTILE], ids=[r[0] for r in HOSTILE]
)
def test_hostile_files_become_problems(tmp_path, name, text):
    """Does a file nested beyond the parsers give a clear problem and no answers, never raise?"""
    path = tmp_path / name
    path.write_text(text)
    submission = load.load_submission(path)
    assert submission.answers == {}
    assert any("could not be read" in problem for problem in submission.problems)


def test_oversized_file_is_not_read(tmp_path, monkeypatch):
    """Is a file over the size limit refused with a message instead of read into memory?"""
    monkeypatch.setattr(load, "MAX_BYTES", 100)
    path = tmp_path / "big.py"
    path.write_text("def sgd_step(param, grad, state, *, lr):\n    pass\n" * 10)
    submission = load.load_submission(path)
    assert submission.answers == {}
    assert any("larger than" in problem for problem in submission.problems)


@pytest.mark.parametrize(
    ("raw", "note"),
    [
        ("# -*- coding: latin-1 -*-\nNAME = 'café'\n".encode("latin-1"), None),
        (b"NAME = 'caf\xe9'\n", "not valid utf-8"),
    ],
    ids=["declared latin-1", "undeclared latin-1"],
)
def test_encodings(tmp_path, raw, note):
    """Is a .py file read in the encoding it declares, and an undecodable one read with a note?"""
    path = tmp_path / "student.py"
    path.write_bytes(raw + b"\ndef sgd_step(param, grad, state, *, lr):\n    pass\n")
    submission = load.load_submission(path)
    namespace = load.namespace_from(submission)
    assert "sgd_step" in submission.answers
    if note is None:
        assert namespace["NAME"] == "café" and not submission.problems
    else:
        assert any(note in problem for problem in submission.problems)


def test_recovering_from_syntax_errors_is_linear(tmp_path, monkeypatch):
    """After a syntax error, is every line parsed a bounded number of times however many
    statements follow it (each used to be parsed again behind all the lines before it)?"""
    text = "x = (\n\n" + "".join(f"def f{i}(x):\n    return x\n\n" for i in range(2000))
    path = tmp_path / "student.py"
    path.write_text(text)
    parsed: list[int] = []
    real = ast.parse
    monkeypatch.setattr(
        ast, "parse", lambda source, *a, **k: parsed.append(len(source)) or real(source, *a, **k)
    )
    parse.cache_clear()
    submission = load.load_submission(path)
    assert submission.chunks[-1].defines == ("f1999",)
    assert submission.chunks[-1].label == f"student.py, line {text.count(chr(10)) - 2}"
    assert sum(parsed) <= 4 * len(text)


def test_keeping_what_answers_need_is_linear(monkeypatch):
    """Is every statement looked at a bounded number of times when each constant an answer needs
    is defined by the one after it (a fixed point once reached one statement per pass)?"""
    count = 3000
    lines = [f"a{i} = abs(a{i + 1})" for i in range(count)] + [f"a{count} = 1"]
    lines.append("def sgd_step(param, grad, state, *, lr):\n    param.sub_(a0 * lr * grad)")
    nodes = ast.parse("\n".join(lines)).body
    looked = []
    real = needed._keeps
    monkeypatch.setattr(
        needed, "_keeps", lambda node, names: looked.append(node) or real(node, names)
    )
    kept = needed.reachable(nodes)
    assert len(kept) == len(nodes)
    assert len(looked) <= 3 * len(nodes)


@pytest.mark.slow
def test_the_batch_grader_parses_no_submission_itself(tmp_path, monkeypatch):
    """Does the batch grader leave parsing to the sandboxed child (where its cost is the
    submission's own), never parsing a student's file in its own process?"""
    from autograder import batch

    def refuse(*args, **kwargs):
        raise AssertionError("parsed in the grader's process")

    monkeypatch.setattr(load, "_collect", refuse)
    path = tmp_path / "student.py"
    path.write_text("def sgd_step(param, grad, state, *, lr):\n    param.sub_(lr * grad)\n")
    out = tmp_path / "out"
    assert batch.main(paths=[path], out=out, hidden=False, timeout=10.0, jobs=1) == 0
    tests = json.loads((out / "student.json").read_text())["tests"]
    assert next(test for test in tests if test["name"] == "sgd")["passed"]
