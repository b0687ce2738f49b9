"""The solution notebook against its sources of truth, and what nbgrader's stubs leave of it.

``course.authoring`` regenerates the notebook's answer cells from ``solutions/reference`` and
its test cells from ``autograder.spec``; these tests fail whenever the committed notebook drifts.
"""

from __future__ import annotations

import ast
import copy
import inspect
from collections.abc import Callable, Iterable
from pathlib import Path

import nbformat
import pytest
import torch
from nbgrader.preprocessors import ClearSolutions
from traitlets.config.loader import PyFileConfigLoader

from autograder.checks.step import PUBLIC_STEP_HYPERS
from autograder.course import authoring
from autograder.spec import BY_NAME, TESTS

FLASHCARDS = authoring.FLASHCARD_ANSWER


@pytest.fixture(scope="module")
def solutions(root: Path) -> Path:
    return root / "solutions"


@pytest.fixture(scope="module")
def notebook(solutions: Path) -> nbformat.NotebookNode:
    return nbformat.read(solutions / authoring.NOTEBOOK_NAME, as_version=4)


@pytest.fixture(scope="module")
def nbgrader_config(root: Path):
    return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()


def cells_by_id(notebook) -> dict[str, nbformat.NotebookNode]:
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell
        for cell in notebook.cells
        if "grade_id" in cell.metadata.get("nbgrader", {})
    }


def test_notebook_matches_its_sources(notebook, solutions):
    """Are the answer cells the reference solutions, and the test cells the spec's?"""
    assert authoring.drift(notebook, solutions) == []


def _edit_source(cells):
    cells["adam_step"].source = cells["adam_step"].source.replace("beta1**step", "beta1**(step+1)")


def _edit_points(cells):
    cells["adam"].metadata["nbgrader"]["points"] = 3


def _hide_test(cells):
    cells["nesterov"].source = cells["nesterov"].source.replace("hidden=True", "hidden=False")


def _unmark_solution(cells):
    cells["MySGD"].metadata["nbgrader"]["solution"] = False


@pytest.mark.parametrize(
    ("edit", "grade_id"),
    [
        (_edit_source, "adam_step"),
        (_edit_points, "adam"),
        (_hide_test, "nesterov"),
        (_unmark_solution, "MySGD"),
    ],
    ids=["hand-edited answer", "wrong points", "hidden test edited", "not a solution cell"],
)
def test_drift_is_noticed_and_sync_repairs_it(notebook, solutions, edit, grade_id):
    """Does a cell that differs from its source of truth show as drift, and does update() fix it?"""
    edited = copy.deepcopy(notebook)
    edit(cells_by_id(edited))
    problems = authoring.drift(edited, solutions)
    assert problems and all(repr(grade_id) in problem for problem in problems)
    assert authoring.update(edited, solutions) == 1
    assert authoring.drift(edited, solutions) == []


def test_a_missing_or_duplicated_cell_is_drift(notebook, solutions):
    """Is a deleted answer cell, or a grade_id used twice, reported?"""
    edited = copy.deepcopy(notebook)
    cells = cells_by_id(edited)
    edited.cells.remove(cells["rmsprop_step"])
    edited.cells.append(copy.deepcopy(cells["sgd_step"]))
    problems = authoring.drift(edited, solutions)
    assert "no cell has grade_id 'rmsprop_step'" in problems
    assert "grade_id 'sgd_step' appears twice" in problems
    with pytest.raises(LookupError, match="rmsprop_step"):
        authoring.update(edited, solutions)


def test_grade_ids_follow_the_contract(notebook):
    """Is every answer cell named after its answer, every test cell after its test, with points?"""
    cells = cells_by_id(notebook)
    for test in TESTS:
        answer, check = cells[test.answer], cells[authoring.test_cell_id(test)]
        assert answer.metadata["nbgrader"]["solution"] and not answer.metadata["nbgrader"]["grade"]
        assert check.metadata["nbgrader"]["grade"] and check.metadata["nbgrader"]["locked"]
        assert check.metadata["nbgrader"]["points"] == test.points
        assert f'check("{test.name}", globals())' in check.source
    assert "test_gradient_descent" in cells and "gradient_descent" in cells
    assert len(cells) == 2 * len(TESTS)


def run(source: str, namespace: dict) -> None:
    """Exec a cell as the notebook would (without this module's ``from __future__`` flags)."""
    exec(compile(source, "<cell>", "exec", dont_inherit=True), namespace)


def released(notebook, config) -> dict[str, str]:
    """The answer cells as nbgrader's ClearSolutions (with our config) leaves them."""
    stripped, _ = ClearSolutions(config=config).preprocess(copy.deepcopy(notebook), {})
    return {
        grade_id: cell.source
        for grade_id, cell in cells_by_id(stripped).items()
        if cell.metadata["nbgrader"]["solution"]
    }


def stub_message(config) -> str:
    """The message of the stub's NotImplementedError, from nbgrader_config.py."""
    stub = config.ClearSolutions.code_stub["python"]
    with pytest.raises(NotImplementedError) as raised:
        run(stub, {})
    return str(raised.value)


def test_stub_message_is_helpful(nbgrader_config):
    """Does the stub say what to do and how to check it?"""
    message = stub_message(nbgrader_config)
    assert "Replace this line" in message
    assert "test cell" in message and "pytest" in message


# Arguments that reach each stub's body: the stub must raise before using them.
CALLS: dict[str, Callable[[object], object]] = {
    "gradient_descent": lambda f: f(lambda x: (x**2).sum(), torch.zeros(2), lr=0.1, steps=1),
    "MySGD": lambda cls: cls([torch.zeros(2, requires_grad=True)], lr=0.1),
    "MyAdam": lambda cls: cls([torch.zeros(2, requires_grad=True)]),
    **{
        test.answer: lambda f, hyper=PUBLIC_STEP_HYPERS[test.name][0]: f(
            torch.zeros(3), torch.ones(3), {}, **dict.fromkeys(hyper, 0.5)
        )
        for test in TESTS
        if test.kind == "step"
    },
}


@pytest.mark.parametrize("name", [test.answer for test in TESTS if test.answer != FLASHCARDS])
def test_stubs_keep_signature_and_docstring_and_raise(notebook, nbgrader_config, reference, name):
    """Does each released answer cell still define its name, with the reference's signature and
    docstring, and raise NotImplementedError with the stub's message when used?"""
    namespace = {"torch": torch, "Callable": Callable, "Iterable": Iterable}
    source = released(notebook, nbgrader_config)[name]
    assert "BEGIN SOLUTION" not in source
    run(source, namespace)
    answer, expected = namespace[name], getattr(reference, name)
    assert inspect.getdoc(answer) == inspect.getdoc(expected)
    assert str(inspect.signature(answer)) == str(inspect.signature(expected))
    with pytest.raises(NotImplementedError) as raised:
        CALLS[name](answer)
    assert str(raised.value) == stub_message(nbgrader_config)


def test_flashcard_stub_runs_once_edited_as_it_asks(notebook, nbgrader_config):
    """Does the released FLASHCARD_ANSWERS cell hold no answer key and nothing to fill in above
    the stub's ``raise`` (a dict there was filled in and the ``raise`` left under it), and does
    the edit the stub asks for, the printed template pasted in place of its two lines, run?"""
    source = released(notebook, nbgrader_config)[FLASHCARDS]
    stub = nbgrader_config.ClearSolutions.code_stub["python"]
    assert all(name not in source for name in ('"adam"', "'adam'", "rmsprop'", 'rmsprop"'))
    above = source[: source.index(stub)]
    assert not ast.parse(above).body, f"something to fill in above the stub: {above!r}"
    with pytest.raises(NotImplementedError):
        run(source, {})
    template = 'FLASHCARD_ANSWERS = {\n    "rule-w6m9": "adam",\n}'
    namespace: dict = {}
    run(source.replace(stub, template), namespace)
    assert namespace[FLASHCARDS] == {"rule-w6m9": "adam"}


def test_the_class_stubs_keep_their_methods(notebook, nbgrader_config):
    """Do MySGD and MyAdam keep every method (only the bodies are hidden)?"""
    sources = released(notebook, nbgrader_config)
    for name, methods in {"MySGD": ("step", "zero_grad"), "MyAdam": ("step",)}.items():
        namespace = {"torch": torch, "Callable": Callable, "Iterable": Iterable}
        run(sources[name], namespace)
        assert all(method in vars(namespace[name]) for method in methods)
    assert BY_NAME["my_adam"].answer == "MyAdam"


@pytest.mark.slow
def test_sync_check_passes_on_the_repository(capsys):
    """Does ``autograder sync --check`` find the notebook and the public expectations up to date?"""
    assert authoring.main(check=True) == 0, capsys.readouterr().out


def test_sync_check_fails_without_solutions(monkeypatch, tmp_path, capsys):
    """Does ``sync`` refuse to run (exit 1) where the instructor's solutions/ is absent?"""
    monkeypatch.setenv("AUTOGRADER_SOLUTIONS", str(tmp_path))
    assert authoring.main(check=True) == 1
    assert "solutions/" in capsys.readouterr().out
