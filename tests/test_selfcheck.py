"""The student-facing graders: nbgrader's test-cell API (``autograder.notebook.check``), the
``check`` command (``autograder.selfcheck``) and the assignment's ``pytest`` self-check."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from autograder import notebook, selfcheck
from autograder.cards import key as answer_key
from autograder.reports.result import Finding, TestResult
from autograder.spec import BY_NAME, TEST_NAMES
from autograder.verdict import engine
from autograder.verdict.sources import Sources

SOURCES = Sources.discover()  # this checkout: the instructor's side

WRONG_SGD = "def sgd_step(param, grad, state, *, lr):\n    param.add_(grad, alpha=lr)\n"
# A correct SGD step that is noisy while it runs: every kind of output a grader must swallow.
NOISY_SGD = """
import os, sys, warnings
import torch

def sgd_step(param, grad, state, *, lr):
    print("debugging", param)
    print("to stderr", file=sys.stderr)
    os.write(2, b"straight to file descriptor 2\\n")
    warnings.warn("a warning of the student's own")
    with torch.enable_grad():  # harmless autograd on the side
        torch.tensor([1.0], requires_grad=True).sum().backward()
    torch.tensor([1.0]).new_tensor(torch.tensor([2.0]))  # torch's own UserWarning
    param.add_(grad, alpha=-lr)
"""


def complete_source(root: Path) -> str:
    """Every answer as one ``.py`` submission: the reference modules, plus the flash-card key."""
    parts = []
    for module in sorted((root / "solutions" / "reference").glob("[!_]*.py")):
        text = module.read_text()
        parts.append("\n".join(line for line in text.splitlines() if not line.startswith("from .")))
    parts.append(f"FLASHCARD_ANSWERS = {answer_key.answers(answer_key.load_key(SOURCES))!r}")
    return "\n\n".join(parts) + "\n"


@pytest.fixture(scope="module")
def complete(tmp_path_factory, root: Path) -> Path:
    path = tmp_path_factory.mktemp("submission") / "complete.py"
    path.write_text(complete_source(root))
    return path


@pytest.fixture(scope="module")
def wrong_sgd(tmp_path_factory, root: Path) -> Path:
    """The complete submission with ``sgd_step`` climbing instead of descending."""
    path = tmp_path_factory.mktemp("submission") / "wrong_sgd.py"
    path.write_text(complete_source(root) + "\n" + WRONG_SGD)
    return path


# --- nbgrader's test cells -------------------------------------------------------------------


def namespace_of(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "<answer>", "exec"), namespace)
    return namespace


def test_check_is_silent_on_success_however_noisy_the_code(capfd):
    """Does a passing check write nothing at all, even when the student's code prints and warns?"""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning escaping the check would raise here
        assert notebook.check("sgd", namespace_of(NOISY_SGD)) is None
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_check_fails_with_the_feedback():
    """Does a failing check raise AssertionError whose message is the score and what went wrong?"""
    with pytest.raises(AssertionError) as failure:
        notebook.check("sgd", namespace_of(WRONG_SGD))
    message = str(failure.value)
    assert message.startswith("sgd: 0/2 points.\n")
    assert "expected update" in message


def test_check_quotes_the_warnings_of_a_failing_answer():
    """Does the feedback of a failing answer quote the warnings it raised (once each)?"""
    source = NOISY_SGD.replace("alpha=-lr", "alpha=lr")
    with pytest.raises(AssertionError, match="a warning of the student's own") as failure:
        notebook.check("sgd", namespace_of(source))
    assert str(failure.value).count("a warning of the student's own") == 1


def test_one_error_in_every_case_is_said_once():
    """Does a stub that raises in every case get one message and a count, not one per case?"""
    stub = "def sgd_step(param, grad, state, *, lr):\n    raise NotImplementedError('write me')\n"
    with pytest.raises(AssertionError) as failure:
        notebook.check("sgd", namespace_of(stub))
    message = str(failure.value)
    cases = len(engine.expect.cases("sgd", sources=SOURCES, hidden=False))
    assert message.count("write me") == 1
    assert f"The same error in {cases - 1} other cases." in message


def test_check_names_a_missing_answer():
    """Does a check whose answer is not defined say which cell to write and run?"""
    with pytest.raises(AssertionError, match=r"`adam_step` is not defined.*grade_id `adam_step`"):
        notebook.check("adam", {})
    with pytest.raises(AssertionError, match=r"^adam: 0/4 points\.\n"):  # led by the score
        notebook.check("adam", {})


def test_check_refuses_an_unknown_test():
    """Does a misspelt test name fail loudly, listing the real ones?"""
    with pytest.raises(ValueError, match=r"Unknown test 'adams'.*my_adam"):
        notebook.check("adams", {})


def test_hidden_check_needs_the_solutions(monkeypatch, tmp_path):
    """Does ``hidden=True`` on a student's machine (no solutions/) say so clearly?"""
    monkeypatch.setenv("AUTOGRADER_SOLUTIONS", str(tmp_path / "nowhere"))
    with pytest.raises(RuntimeError, match="Hidden tests run only where the instructor grades"):
        notebook.check("sgd", namespace_of(WRONG_SGD), hidden=True)


@pytest.mark.parametrize(
    ("score", "returns", "prints"),
    [(2.0, 2.0, False), (1.25, 1.25, True), (0.0, None, False)],
    ids=["full marks", "partial credit", "zero"],
)
def test_flashcards_give_partial_credit(monkeypatch, capfd, score, returns, prints):
    """Does the flash-card check return its score for nbgrader's partial credit, say why on stdout
    (never stderr) when it is partial, and raise when it is zero?"""
    points = BY_NAME["flashcards"].points
    findings = [] if score == points else [Finding("mismatch", "3 of 8 cards are wrong.")]
    result = TestResult("flashcards", score, points, findings)
    monkeypatch.setattr(engine, "grade_namespace", lambda *args, **kwargs: [result])
    namespace = {"FLASHCARD_ANSWERS": {}}
    if returns is None:
        with pytest.raises(AssertionError, match="3 of 8 cards are wrong"):
            notebook.check("flashcards", namespace)
    else:
        assert notebook.check("flashcards", namespace) == returns
    out, err = capfd.readouterr()
    assert err == ""
    assert ("3 of 8 cards are wrong" in out) == prints


def ungraded(readable: int, *others: Finding) -> TestResult:
    """The flash cards on a student's machine (no answer key): ``readable`` of 14 cards named."""
    note = Finding("ungraded", "Checked when your instructor grades.", None)
    note.details = {"readable": readable, "cards": 14}
    return TestResult("flashcards", 0.0, BY_NAME["flashcards"].points, [*others, note])


@pytest.mark.parametrize(
    ("result", "fails"),
    [
        (ungraded(14), False),
        (ungraded(13, Finding("missing", "Card rule-x has no answer.")), True),
    ],
    ids=["well formed", "a card unanswered"],
)
def test_flashcards_without_the_key(monkeypatch, capfd, result, fails):
    """Without the answer key, does a well-formed answer pass with a note on stdout (no score
    shown as nbgrader's partial credit), and a malformed one fail?"""
    monkeypatch.setattr(engine, "grade_namespace", lambda *args, **kwargs: [result])
    if fails:
        with pytest.raises(AssertionError, match="Card rule-x has no answer"):
            notebook.check("flashcards", {"FLASHCARD_ANSWERS": {}})
    else:
        assert notebook.check("flashcards", {"FLASHCARD_ANSWERS": {}}) is None
        out, err = capfd.readouterr()
        assert (out, err) == ("Checked when your instructor grades.\n", "")


def test_report_leaves_unkeyed_flashcards_to_the_instructor(monkeypatch, complete, capsys):
    """Does the report show well-formed flash cards as passing, unscored, out of the total?"""
    real = engine.grade_namespace

    def without_key(namespace, *, sources, tests, hidden):
        if list(tests) == ["flashcards"]:
            return [ungraded(14)]
        return real(namespace, sources=sources, tests=tests)

    monkeypatch.setattr(engine, "grade_namespace", without_key)
    assert selfcheck.main(path=complete, tests=["sgd", "flashcards"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].split() == ["✓", "flashcards", "?/2"]
    assert lines[-1].strip() == (
        "public cases: 2/2 points (flashcards scored when your instructor grades), "
        "2 of 2 tests pass"
    )


# --- python -m autograder check -------------------------------------------------------------


def test_complete_submission_passes_every_test(complete, capsys):
    """Does the reference, submitted as a .py file, pass every public test (exit status 0)?"""
    status = selfcheck.main(path=complete, tests=None)
    out = capsys.readouterr().out
    assert status == 0, out
    assert out.count("✓") == len(TEST_NAMES)


def test_report_shows_failures_with_their_feedback(wrong_sgd, capsys):
    """Does the report mark the broken test ✗ with its feedback, the others ✓, and exit 1?"""
    status = selfcheck.main(path=wrong_sgd, tests=["sgd", "adam"])
    lines = capsys.readouterr().out.splitlines()
    feedback = notebook.feedback_text(selfcheck.run(wrong_sgd, ["sgd"]).result("sgd"))
    assert status == 1
    assert lines[1].split() == ["✗", "sgd", "0/2"]
    assert "\n".join(lines[2:-2]) == "\n".join(
        (selfcheck.INDENT + line).rstrip() for line in feedback.splitlines()
    )
    assert lines[-2].split() == ["✓", "adam", "4/4"]
    assert lines[-1].strip() == "public cases: 4/6 points, 1 of 2 tests pass"


def test_unknown_test_name_is_a_usage_error(complete, capsys):
    """Does ``--test`` with a name that is not a test exit 2 and list the tests?"""
    assert selfcheck.main(path=complete, tests=["adamw"]) == 2
    assert "Unknown test(s) adamw" in capsys.readouterr().err


def test_reading_problems_explain_a_missing_answer(tmp_path):
    """When an answer is missing because its code does not parse, does the feedback say so?"""
    path = tmp_path / "syntax.py"
    path.write_text("import torch\n\ndef sgd_step(param, grad, state, *, lr)\n    pass\n")
    check = selfcheck.run(path, ["sgd"])
    assert not check.passed
    feedback = check.feedback("sgd")
    assert "`sgd_step` is not defined" in feedback
    assert "syntax error in syntax.py (line 3: expected ':', at `def sgd_step(" in feedback
    assert len(feedback.splitlines()) == 2  # the score, then one line leading with the cause


def test_a_grader_crash_stays_in_its_test(monkeypatch, wrong_sgd):
    """Does a test whose check crashes score 0 with a message, leaving the others graded?"""
    real = engine.grade_namespace

    def crashing(namespace, *, sources, tests, hidden):
        if list(tests) == ["adam"]:
            raise KeyError("boom")
        return real(namespace, sources=sources, tests=tests, hidden=hidden)

    monkeypatch.setattr(engine, "grade_namespace", crashing)
    check = selfcheck.run(wrong_sgd, ["sgd", "adam", "momentum"])
    assert [result.passed for result in check.results] == [False, False, True]
    assert "could not check `adam`: KeyError" in check.feedback("adam")


# --- pytest in the assignment folder ---------------------------------------------------------


def run_assignment_pytest(
    folder: Path, submission: Path | None, *args: str, root: Path | None = None
) -> str:
    """``pytest`` in an assignment folder, as a student runs it, on ``submission`` (default: the
    notebook in the folder)."""
    env = {key: value for key, value in os.environ.items() if key != "AUTOGRADER_SUBMISSION"}
    if submission is not None:
        env["AUTOGRADER_SUBMISSION"] = str(submission)
    if root is not None:  # a copy outside the repository: find this checkout's autograder
        env["PYTHONPATH"] = str(root)
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return completed.stdout + completed.stderr


def test_assignment_pytest_has_one_test_per_contract_name(root, wrong_sgd):
    """Does ``pytest`` in the assignment folder run one test per contract name, with the
    broken one failing on its feedback and no traceback?"""
    out = run_assignment_pytest(root / "solutions" / "optimisation", wrong_sgd)
    outcomes = {}
    for line in out.splitlines():
        for word in ("PASSED", "FAILED"):
            prefix = f"{word} test_optimisation.py::test_exercise["
            if line.startswith(prefix):
                outcomes[line[len(prefix) :].split("]")[0]] = word
    assert sorted(outcomes) == sorted(TEST_NAMES), out
    assert outcomes["sgd"] == "FAILED"
    assert "sgd: 0/2 points." in out
    assert "expected update" in out
    assert "Traceback" not in out
    assert "def test_exercise" not in out


def test_assignment_pytest_runs_only_what_is_selected(root, wrong_sgd):
    """Does ``pytest -k`` select exercises by name (the others are deselected, not failed)?"""
    folder = root / "solutions" / "optimisation"
    out = run_assignment_pytest(folder, wrong_sgd, "-k", "adam and not my_adam")
    assert "1 passed, 9 deselected" in out


@pytest.mark.parametrize(
    ("release", "summary"),
    [("solutions", f"{len(TEST_NAMES)} passed"), ("assignments", f"{len(TEST_NAMES)} failed")],
    ids=["solution notebook", "untouched release"],
)
def test_assignment_pytest_reads_the_notebook_beside_it(root, tmp_path, release, summary):
    """Does plain ``pytest`` in a copy of the assignment folder check the notebook in it: all
    passing for the solution, all failing for the untouched release?"""
    folder = tmp_path / "optimisation"
    shutil.copytree(root / release / "optimisation", folder)
    out = run_assignment_pytest(folder, None, root=root)
    assert summary in out.splitlines()[-1], out


# --- Restart & Run All ------------------------------------------------------------------------

STUB_RAISE = 'raise NotImplementedError("Replace this line with your answer.")\n'
# The old flash-card layout, filled in as students did: the dict above the stub's raise.
FILLED_ABOVE_THE_RAISE = 'FLASHCARD_ANSWERS = {"rule-w6m9": "adam"}\n' + STUB_RAISE
SGD_STUB = "def sgd_step(param, grad, state, *, lr):\n    " + STUB_RAISE


def answer_notebook(path: Path, cells: dict[str, str]) -> Path:
    """A notebook of answer cells, grade_id -> source."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    for grade_id, source in cells.items():
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["nbgrader"] = {"grade_id": grade_id, "solution": True, "grade": False}
        notebook.cells.append(cell)
    nbformat.write(notebook, path)
    return path


def test_the_report_warns_where_restart_and_run_all_would_stop(tmp_path, capsys):
    """Does the report warn, after its total, that the notebook would stop at an answer cell
    that still raises the stub's NotImplementedError, naming its grade_id, even though the
    flash cards it defined before raising are checked (a stub's raise inside a function body
    is no such stop)?"""
    path = answer_notebook(
        tmp_path / "filled.ipynb",
        {"FLASHCARD_ANSWERS": FILLED_ABOVE_THE_RAISE, "sgd_step": SGD_STUB},
    )
    selfcheck.main(path=path, tests=["flashcards", "sgd"])
    lines = capsys.readouterr().out.splitlines()
    assert "No answer for cards" in "\n".join(lines)  # the dict was read
    assert lines[-2].startswith("  public cases:")
    assert lines[-1].startswith("  ⚠ Restart & Run All would stop at the cell whose grade_id is ")
    assert "`FLASHCARD_ANSWERS`" in lines[-1] and "raise NotImplementedError" in lines[-1]
    assert "sgd_step" not in lines[-1]


def test_an_answer_left_undefined_by_its_raise_is_said_once(tmp_path, capsys):
    """When the stub's raise stops its cell before the answer is defined, does the test's one
    line say so, without the same warning again below the total?"""
    below = STUB_RAISE + 'FLASHCARD_ANSWERS = {"rule-w6m9": "adam"}\n'
    path = answer_notebook(tmp_path / "below.ipynb", {"FLASHCARD_ANSWERS": below})
    selfcheck.main(path=path, tests=["flashcards"])
    out = capsys.readouterr().out
    assert out.count("raise NotImplementedError") == 1
    assert "stops at the stub's `raise NotImplementedError`, so `FLASHCARD_ANSWERS` is not" in out


def test_an_empty_flashcard_dict_is_not_called_undefined(tmp_path):
    """Is ``FLASHCARD_ANSWERS = {}`` told it is empty, not that it is not defined?"""
    path = answer_notebook(
        tmp_path / "empty.ipynb", {"FLASHCARD_ANSWERS": "FLASHCARD_ANSWERS = {}"}
    )
    feedback = selfcheck.run(path, ["flashcards"]).feedback("flashcards")
    assert "`FLASHCARD_ANSWERS` is empty" in feedback and "not defined" not in feedback


def test_assignment_pytest_warns_where_restart_and_run_all_would_stop(root, tmp_path):
    """Does the assignment's ``pytest`` warn about an answer cell that still raises, by grade_id?"""
    path = answer_notebook(tmp_path / "filled.ipynb", {"FLASHCARD_ANSWERS": FILLED_ABOVE_THE_RAISE})
    out = run_assignment_pytest(root / "solutions" / "optimisation", path, "-k", "flashcards")
    assert "UserWarning: Restart & Run All would stop at the cell whose grade_id is " in out
    assert "`FLASHCARD_ANSWERS`" in out


def test_a_syntax_error_quotes_the_broken_line(tmp_path):
    """Does a syntax error in an answer cell quote the line that does not parse, in the one line
    that leads the test's feedback?"""
    source = "def nesterov_step(param, grad, state, *, lr, momentum):\n    for i in range(3)\n"
    path = answer_notebook(tmp_path / "broken.ipynb", {"nesterov_step": source + "        pass\n"})
    feedback = selfcheck.run(path, ["nesterov"]).feedback("nesterov").splitlines()
    assert len(feedback) == 2, feedback
    assert feedback[1].startswith("`nesterov_step` could not be read: syntax error at line 2")
    assert "(expected ':'): `for i in range(3)`. Fix that line" in feedback[1]


def test_the_untouched_release_gets_one_line_per_test(root, capsys):
    """Is the report on the untouched release one line per test under its score, leading with
    the cause (the answer is not written yet, or its cell stops at the stub), with no
    traceback and no cell number?"""
    selfcheck.main(path=root / "assignments" / "optimisation" / "optimisation.ipynb", tests=None)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 * len(TEST_NAMES) + 2, "\n".join(lines)
    feedback = lines[2:-1:2]
    causes = ("Not written yet: `", "The cell whose grade_id is `")
    assert all(line.strip().startswith(causes) for line in feedback), "\n".join(feedback)
    assert all("NotImplementedError" in line for line in feedback)
    assert not any("File " in line or "cell 1" in line or "cell 2" in line for line in lines)


def test_only_a_raise_in_every_case_is_called_unwritten():
    """Is an answer called "not written yet" only when every finding is its NotImplementedError,
    and not when another exception or a wrong number is among them?"""
    from autograder.verdict.absent import unwritten

    frame = '  File "<cell 11 (grade_id sgd_step)>", line 14, in sgd_step\n'

    def error(kind: str) -> Finding:
        return Finding("error", "raised", "sgd/lr=0.1", {"type": kind, "traceback": frame})

    stub = TestResult("sgd", 0.0, 2.0, [error("NotImplementedError")] * 4)
    assert unwritten(stub).message.startswith(
        "Not written yet: `sgd_step` raises NotImplementedError in all 4 public cases (its "
        "`raise`, in the cell whose grade_id is `sgd_step`)"
    )
    mixed = TestResult("sgd", 0.0, 2.0, [error("NotImplementedError"), Finding("mismatch", "")])
    assert unwritten(mixed) is None
    assert unwritten(TestResult("sgd", 0.0, 2.0, [error("TypeError")])) is None
