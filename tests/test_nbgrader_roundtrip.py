"""The real nbgrader commands on this repository's assignment, in a temporary course directory.

``generate_assignment``, then ``autograde`` of the solution notebook submitted as is, the untouched
release, the solution with one function broken, one with a correct variant, a known mistake and a
partly right quiz, and the example submissions as notebooks; then ``generate_feedback``, and the
batch grader on the same submitted/ folder. Scores are read from nbgrader's own gradebook. Run
with ``-s`` to see how long ``autograde`` takes per submission.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder.loading.load import load_submission
from autograder.spec import BY_NAME, TEST_NAMES
from autograder.verdict.sources import Sources

SOURCES = Sources.discover()  # this checkout: the instructor's side


pytestmark = pytest.mark.slow

ASSIGNMENT = "optimisation"
NOTEBOOK = "optimisation"
# The function the "broken" student gets wrong, and how.
BROKEN_TEST = "sgd"
BROKEN = {
    "sgd_step": "def sgd_step(param, grad, state, *, lr):\n"
    "    param.add_(grad, alpha=lr)  # climbs instead of descending\n"
}
# Another student, for the batch grader's agreement: a correct variant and a known mistake.
VARIANTS = {
    "momentum_step": "def momentum_step(param, grad, state, *, lr, momentum):\n"
    "    # the textbook form: v <- mu v - lr g, theta <- theta + v\n"
    "    if 'velocity' not in state:\n"
    "        state['velocity'] = -lr * grad\n"
    "    else:\n"
    "        state['velocity'].mul_(momentum).sub_(lr * grad)\n"
    "    param.add_(state['velocity'])\n",
    "adam_step": "def adam_step(param, grad, state, *, lr, beta1, beta2, eps):\n"
    "    # no bias correction\n"
    "    m = state.setdefault('m', torch.zeros_like(param))\n"
    "    v = state.setdefault('v', torch.zeros_like(param))\n"
    "    m.mul_(beta1).add_(grad, alpha=1 - beta1)\n"
    "    v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)\n"
    "    param.addcdiv_(m, v.sqrt().add_(eps), value=-lr)\n",
}
WRONG_CARDS = 3
# The bundled example submissions (.py files) whose code is safe to run unsandboxed, as notebooks.
EXAMPLES = ("alice", "bob", "carol")
STUDENTS = ("solution", "untouched", "broken", "variants", *EXAMPLES)
# Every nbgrader command must finish well within this (a kernel per notebook on 2 shared cores).
COMMAND_TIMEOUT = 900


def environment(root: Path) -> dict:
    """This checkout's ``autograder`` importable, and this interpreter's tools on PATH."""
    return {
        **os.environ,
        # nbgrader runs `alembic` (the gradebook's migrations) from PATH: this interpreter's.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }


def nbgrader(course: Path, root: Path, *args: str) -> subprocess.CompletedProcess:
    """Run one nbgrader command in ``course``."""
    completed = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
        cwd=course,
        env=environment(root),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed


def submit(course: Path, student: str, notebook: nbformat.NotebookNode) -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / f"{NOTEBOOK}.ipynb")


def partly_right_quiz() -> dict[str, str]:
    """A flash-card answer cell with three cards wrong and the others in people's spellings."""
    from autograder.cards import key as answer_key

    spelled = {"momentum": "SGD with momentum", "rmsprop": "RMSprop", "adagrad": "AdaGrad"}
    answers = {
        card: spelled.get(algorithm, algorithm.replace("_", " ").title())
        for card, algorithm in answer_key.answers(answer_key.load_key(SOURCES)).items()
    }
    for card in sorted(answers)[:WRONG_CARDS]:
        answers[card] = "Adam" if answers[card] != "Adam" else "SGD"
    return {"FLASHCARD_ANSWERS": f"FLASHCARD_ANSWERS = {answers!r}\n"}


def with_answers(notebook: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of the notebook whose answer cells for ``answers`` hold the given sources."""
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    for answer, source in answers.items():
        (cell,) = [cell for cell in notebook.cells if _grade_id(cell) == answer]
        cell.source = source
    return notebook


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def contract_name(grade_id: str) -> str:
    """The contract's name of a test cell's grade_id (``test_gradient_descent`` is one)."""
    return grade_id.removeprefix("test_")


def scores(course: Path, student: str) -> dict[str, tuple[float, float]]:
    """(score, max score) of every autograded test cell, by test name, from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
        return {
            contract_name(grade.name): (grade.score, grade.max_score)
            for grade in notebook.grades
            if contract_name(grade.name) in BY_NAME
        }


@pytest.fixture(scope="module")
def course(tmp_path_factory, root: Path) -> dict:
    """A course directory after generate_assignment, autograde and generate_feedback."""
    course = tmp_path_factory.mktemp("course")
    shutil.copy(root / "nbgrader_config.py", course)
    shutil.copytree(
        root / "solutions" / ASSIGNMENT,
        course / "solutions" / ASSIGNMENT,
        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc", "*.db"),
    )
    source = nbformat.read(course / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    nbgrader(course, root, "generate_assignment", ASSIGNMENT, "--force")
    release = nbformat.read(course / "assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    submit(course, "solution", source)
    submit(course, "untouched", release)
    submit(course, "broken", with_answers(source, BROKEN))
    submit(course, "variants", with_answers(source, {**VARIANTS, **partly_right_quiz()}))
    for student in EXAMPLES:
        answers = load_submission(root / "examples" / "submissions" / f"{student}.py").answers
        submit(course, student, with_answers(source, answers))
    start = time.perf_counter()
    nbgrader(course, root, "autograde", ASSIGNMENT, "--force")
    per_submission = (time.perf_counter() - start) / len(STUDENTS)
    print(f"\nnbgrader autograde: {per_submission:.1f} s per submission")
    nbgrader(course, root, "generate_feedback", ASSIGNMENT, "--force")
    return {"path": course, "autograde_seconds": per_submission}


def test_release_carries_the_self_check(course):
    """Does the release hold the notebook and the pytest self-check, and no reference code?"""
    release = course["path"] / "assignments" / ASSIGNMENT
    assert {"optimisation.ipynb", "test_optimisation.py", "conftest.py"} <= {
        path.name for path in release.iterdir()
    }
    text = (release / f"{NOTEBOOK}.ipynb").read_text()
    assert "BEGIN HIDDEN TESTS" not in text
    assert "hidden=True" not in text


def test_every_contract_test_is_a_graded_cell(course):
    """Does nbgrader grade one test cell per contract test name, with the contract's points?"""
    graded = scores(course["path"], "solution")
    assert sorted(graded) == sorted(TEST_NAMES)
    assert {name: points for name, (_, points) in graded.items()} == {
        name: BY_NAME[name].points for name in TEST_NAMES
    }


def test_solution_scores_full_marks(course):
    """Does the solution notebook, submitted as a student, get every point?"""
    graded = scores(course["path"], "solution")
    assert graded
    assert {name: score for name, (score, _) in graded.items()} == {
        name: points for name, (_, points) in graded.items()
    }


def test_passing_test_cells_are_silent(course):
    """Does every test cell of the solution print nothing at all — the quiz's cell showing only
    its score, for nbgrader's partial credit?"""
    autograded = course["path"] / "autograded" / "solution" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    notebook = nbformat.read(autograded, as_version=4)
    outputs = {
        contract_name(_grade_id(cell)): [output.output_type for output in cell.outputs]
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code"
    }
    assert outputs == {name: ["execute_result"] if name == "flashcards" else [] for name in outputs}


def test_untouched_release_scores_zero(course):
    """Does the untouched release score 0 on every autograded test?"""
    graded = scores(course["path"], "untouched")
    assert graded
    assert {name: score for name, (score, _) in graded.items()} == dict.fromkeys(graded, 0.0)


def test_one_broken_function_fails_only_its_test(course):
    """Does breaking one function zero its test, and only its test?"""
    graded = scores(course["path"], "broken")
    expected = {
        name: (0.0 if name == BROKEN_TEST else points) for name, (_, points) in graded.items()
    }
    assert {name: score for name, (score, _) in graded.items()} == expected


def test_feedback_html_names_the_mistake(course):
    """Does the feedback HTML carry the autograder's feedback for the broken test?"""
    page = course["path"] / "feedback" / "broken" / ASSIGNMENT / f"{NOTEBOOK}.html"
    text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
    points = BY_NAME[BROKEN_TEST].points
    assert f"{BROKEN_TEST}: 0/{points:g} points." in text
    assert "expected update" in text


def test_quiz_gets_partial_credit(course):
    """Does nbgrader give the quiz partial credit, one share of the points per right card?"""
    from autograder.cards import key as answer_key

    cards = len(answer_key.answers(answer_key.load_key(SOURCES)))
    score, points = scores(course["path"], "variants")["flashcards"]
    assert score == pytest.approx(points * (cards - WRONG_CARDS) / cards)


def test_batch_grader_agrees_with_nbgrader(course, root, tmp_path):
    """Does ``autograder grade`` on nbgrader's submitted/ folder give every student, test by test,
    the score nbgrader's test cells gave?"""
    out, submitted = tmp_path / "grades", course["path"] / "submitted"
    completed = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(submitted), "--out", str(out)],
        env=environment(root),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    for student in STUDENTS:
        tests = json.loads((out / f"{student}.json").read_text())["tests"]
        batch = {test["name"]: test["score"] for test in tests}
        graded = {name: score for name, (score, _) in scores(course["path"], student).items()}
        assert batch == pytest.approx(graded, abs=1e-9), student
