"""The self-check's diet (``autograder.loading.needed``): only the code the answers reach runs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.loading.load import load_submission, namespace_from
from autograder.loading.needed import needed_only

IMPORTS = """\
from __future__ import annotations
import math
import matplotlib.pyplot as plt
import torch
from torch import nn as neural
"""
HELPERS = """\
FIGSIZE = (4, 3)


def plot_path(points):
    fig, ax = plt.subplots(figsize=FIGSIZE)
    ax.plot(points)


SCALE = 2.0


def scaled(grad):
    return SCALE * grad
"""
SGD_STEP = """\
if math.pi > 3:
    LOADED = True


def sgd_step(param, grad, state, *, lr):
    param.sub_(scaled(grad), alpha=lr / SCALE)
"""
MY_SGD = """\
class MySGD:
    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr
"""


def notebook(tmp_path: Path) -> Path:
    """A notebook like the course's: imports, helpers, two answer cells."""

    def answer(source: str, grade_id: str):
        return new_code_cell(source, metadata={"nbgrader": {"grade_id": grade_id}})

    cells = [
        new_code_cell(IMPORTS),
        new_code_cell(HELPERS),
        answer(SGD_STEP, "sgd_step"),
        answer(MY_SGD, "MySGD"),
    ]
    path = tmp_path / "answers.ipynb"
    nbformat.write(new_notebook(cells=cells), path)
    return path


@pytest.fixture
def slim(tmp_path):
    return needed_only(load_submission(notebook(tmp_path)))


@pytest.mark.parametrize(
    ("name", "stays"),
    [
        ("sgd_step", True),  # an answer
        ("MySGD", True),  # an answer
        ("scaled", True),  # a helper an answer calls
        ("SCALE", True),  # a constant the helper reads
        ("torch", False),  # imported, but no kept code mentions it
        ("plt", False),  # matplotlib: only a plot helper nobody needs uses it
        ("plot_path", False),
        ("FIGSIZE", False),
        ("neural", False),
        ("math", True),  # read by an `if` of an answer cell, which always stays
        ("LOADED", True),
        ("annotations", True),  # `from __future__` always stays
    ],
)
def test_only_what_answers_reach_is_kept(slim, name, stays):
    """Does a name survive exactly when an answer (or a statement that always runs) needs it?"""
    assert (name in namespace_from(slim)) == stays, slim.source
    assert "matplotlib" not in slim.source


def test_line_numbers_survive(tmp_path):
    """Do kept statements keep their line numbers, so tracebacks point at the right line?"""
    full = load_submission(notebook(tmp_path))
    slim = needed_only(full)
    (before,) = [chunk for chunk in full.chunks if "scaled" in chunk.defines]
    (after,) = [chunk for chunk in slim.chunks if "scaled" in chunk.defines]
    lines = before.code.splitlines()
    first_kept = lines.index("SCALE = 2.0")
    assert after.code.splitlines() == [""] * first_kept + lines[first_kept:]
    assert after.defines == ("SCALE", "scaled")


def test_statements_sharing_a_line_stay_together(tmp_path):
    """Does a dropped import on the line of a kept statement stay (rather than break the line)?"""
    path = tmp_path / "answers.ipynb"
    cells = [new_code_cell("import torch; import matplotlib\nsgd_step = lambda *a, **k: torch")]
    nbformat.write(new_notebook(cells=cells), path)
    names = set(namespace_from(needed_only(load_submission(path))))
    assert {"torch", "matplotlib", "sgd_step"} <= names
