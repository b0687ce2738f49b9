"""The table of tests: one row per test name of the contract (section 2).

A row says what the student defines, how many points it carries, what kind of check grades it and,
for step functions, the hyperparameters it takes (keyword-only, in signature order).
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
        hyper: for ``step`` tests, the keyword-only hyperparameters of the signature.
    """

    name: str
    answer: str
    points: float
    kind: str
    hyper: tuple[str, ...] = ()


TESTS: tuple[TestSpec, ...] = (
    TestSpec("gradient_descent", "gradient_descent", 2.0, "descent"),
    TestSpec("sgd", "sgd_step", 2.0, "step", ("lr",)),
    TestSpec("momentum", "momentum_step", 2.0, "step", ("lr", "momentum")),
    TestSpec("nesterov", "nesterov_step", 3.0, "step", ("lr", "momentum")),
    TestSpec("adagrad", "adagrad_step", 2.0, "step", ("lr", "eps")),
    TestSpec("rmsprop", "rmsprop_step", 2.0, "step", ("lr", "alpha", "eps")),
    TestSpec("adam", "adam_step", 4.0, "step", ("lr", "beta1", "beta2", "eps")),
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
