"""The table of tests: one row per test name of the contract (section 2).

A row says what the student defines, how many points it carries and what kind of check grades it
(a step function's hyperparameters are its cases', ``checks.step.PUBLIC_STEP_HYPERS``).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class TestSpec:
    """One graded test.

    Attributes:
        name: the test name every grader reports under.
        answer: the top-level name the student defines (and the answer cell's ``grade_id``).
        points: the test's maximum score.
        kind: the module of ``autograder.checks`` that checks it (``step``, ``descent``, ...).
    """

    name: str
    answer: str
    points: float
    kind: str


TESTS: tuple[TestSpec, ...] = (
    TestSpec("gradient_descent", "gradient_descent", 2.0, "descent"),
    TestSpec("sgd", "sgd_step", 2.0, "step"),
    TestSpec("momentum", "momentum_step", 2.0, "step"),
    TestSpec("nesterov", "nesterov_step", 3.0, "step"),
    TestSpec("adagrad", "adagrad_step", 2.0, "step"),
    TestSpec("rmsprop", "rmsprop_step", 2.0, "step"),
    TestSpec("adam", "adam_step", 4.0, "step"),
    TestSpec("my_sgd", "MySGD", 2.0, "my_sgd"),
    TestSpec("my_adam", "MyAdam", 4.0, "my_adam"),
    TestSpec("flashcards", "FLASHCARD_ANSWERS", 2.0, "flashcards"),
)

BY_NAME: dict[str, TestSpec] = {test.name: test for test in TESTS}
TEST_NAMES: tuple[str, ...] = tuple(BY_NAME)
ANSWER_NAMES: tuple[str, ...] = tuple(test.answer for test in TESTS)
MAX_SCORE: float = sum(test.points for test in TESTS)

# The seven algorithms of the flash-card quiz, by canonical name (contract section 1).
ALGORITHMS: tuple[str, ...] = (
    "gradient_descent",
    "sgd",
    "momentum",
    "nesterov",
    "adagrad",
    "rmsprop",
    "adam",
)
