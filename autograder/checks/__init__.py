"""The kinds of check, one module each, and ``KINDS``: the table that maps a ``TestSpec.kind`` to
its ``CheckKind`` (``checks.kind``: the interface, optional hooks included). A new kind of check
is one module and one row here.
"""

from autograder.checks import descent, flashcards, optimizers, step
from autograder.checks.kind import CheckKind
from autograder.checks.training import TrainCase

KINDS: dict[str, CheckKind] = {
    kind.name: kind
    for kind in (
        CheckKind(
            step.KIND,
            step.public_cases,
            step.run,
            step.judge,
            case_type=step.StepCase,
            prepare=step.prepare,
            adopt=step.adopt,
        ),
        CheckKind(
            descent.KIND,
            descent.public_cases,
            descent.run,
            descent.judge,
            case_type=descent.DescentCase,
        ),
        CheckKind(
            "my_sgd",
            optimizers.public_sgd_cases,
            optimizers.run_my_sgd,
            optimizers.judge_my_sgd,
            case_type=TrainCase,
        ),
        CheckKind(
            "my_adam",
            optimizers.public_adam_cases,
            optimizers.run_my_adam,
            optimizers.judge_my_adam,
            case_type=TrainCase,
        ),
        CheckKind(
            flashcards.KIND,
            flashcards.public_cases,
            flashcards.run,
            flashcards.judge,
            case_type=flashcards.FlashcardCase,
            score=flashcards.score,
            expected=flashcards.expected,
        ),
    )
}
