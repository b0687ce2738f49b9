"""Does the loader keep what answers need, drop what they do not, and survive hostile files?"""

from __future__ import annotations

import pytest

from autograder import load

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
