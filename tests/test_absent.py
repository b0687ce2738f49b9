"""Does a missing answer get one line that leads with its cause?"""

from __future__ import annotations

from autograder.verdict.absent import explain, stops

SYNTAX = (
    "cell 17 (grade_id nesterov_step): syntax error (line 4: invalid syntax); the rest of the "
    "cell is still graded."
)
UNRELATED = "cell 47: NameError: name 'TORCH_OPTIMISERS' is not defined"


def test_syntax_error_in_the_answer_cell_leads():
    """Is a syntax error in the answer's own cell the cause, with its line and the grade_id
    (not a cell number Jupyter does not show)?"""
    message = explain("nesterov_step", [UNRELATED, SYNTAX], ["sgd_step"]).message
    assert message.startswith("`nesterov_step` could not be read: syntax error at line 4")
    assert "grade_id is `nesterov_step`" in message and "cell 17" not in message
    assert "still graded" not in message and "TORCH_OPTIMISERS" not in message


def test_a_near_name_is_suggested():
    """Is a typo in the name answered with "did you mean"?"""
    message = explain("rmsprop_step", [], ["sgd_step", "rmsprop_stpe"]).message
    assert "`rmsprop_stpe` is: did you mean `rmsprop_step`?" in message


def test_no_near_name_is_invented():
    """Is no name suggested when nothing defined is close (and unrelated cells not blamed)?"""
    finding = explain("adam_step", [UNRELATED], ["sgd_step", "MySGD"])
    assert "did you mean" not in finding.message and "TORCH_OPTIMISERS" not in finding.message
    assert finding.message.startswith("`adam_step` is not defined: write it")


def test_another_cells_syntax_error_is_not_blamed_on_an_answer_cell():
    """Is a syntax error in another answer's cell left out of this answer's line?"""
    finding = explain("adam_step", [SYNTAX], [])
    assert "syntax" not in finding.message


STUB = (
    "cell 52 (grade_id FLASHCARD_ANSWERS), line 1: NotImplementedError: Replace this line with "
    "your answer."
)


def test_the_stubs_raise_in_the_answer_cell_leads():
    """When an answer's own cell stops at the stub's ``raise`` before defining it (the answer
    pasted below the stub), is that the cause given, with what to delete?"""
    message = explain("FLASHCARD_ANSWERS", [UNRELATED, STUB], []).message
    assert message.startswith("The cell whose grade_id is `FLASHCARD_ANSWERS` stops at the stub")
    assert "so `FLASHCARD_ANSWERS` is not defined: delete that line" in message
    assert "cell 52" not in message and "TORCH_OPTIMISERS" not in message


def test_stops_are_answer_cells_that_raise_once_each():
    """Are the cells where Restart & Run All would stop the answer cells that raised, each named
    once by grade_id, and no other cell (a test cell, an unnumbered one)?"""
    other = "cell 9 (grade_id adam_step), line 3: NameError: name 'np' is not defined"
    test_cell = "cell 53 (grade_id flashcards), line 1: KeyError: 'x'"
    found = stops([UNRELATED, STUB, other, STUB, test_cell, SYNTAX])
    assert [(stop.grade_id, stop.stub) for stop in found] == [
        ("FLASHCARD_ANSWERS", True),
        ("adam_step", False),
    ]
    assert "raises NameError (name 'np' is not defined)" in found[1].warning()
    assert "`FLASHCARD_ANSWERS`" in found[0].warning()


def test_the_broken_line_is_quoted_whatever_it_holds():
    """Is the broken line quoted as the student wrote it, even when it holds the characters
    that end a problem's parts (``);``, ``;``, quotes), and the next broken line left out?"""
    problem = (
        "cell 17 (grade_id nesterov_step): syntax error (line 4: invalid syntax in "
        "\"print('a'); f(x));\"; line 9: expected ':' in 'def g()'); the rest of the cell is "
        "still graded."
    )
    message = explain("nesterov_step", [problem], []).message
    assert "at line 4 of the cell whose grade_id is `nesterov_step` (invalid syntax)" in message
    assert ": `print('a'); f(x));`. Fix that line" in message and "def g()" not in message
