"""Mistakes with a parameter, and mistakes made in pairs: more rows of the catalogue
(``solutions/mistakes.py``), built from the same variant families.

* Parametric rows: a hyperparameter hard-coded at one of the values people write (the row whose
  behaviour matches on every case fits the value: "your eps behaves like 1e-7 whatever eps is
  passed"); Adam's step count stuck or two ahead; the learning rate applied twice (lr²) or not at
  all; one state shared by every parameter.
* Compound rows: two single mistakes at once, for the pairs seen in real submissions. Their id
  joins the two ids with ``+``; ``autograder.verdict.diagnose`` tries them only when no single row
  matches, and names both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .mistake_rows import Mistake, row
from .variants import STEP_REFERENCES, adam_like, adaptive_like, shared_state, with_kwargs

NAMES = {
    "sgd": "SGD",
    "momentum": "momentum",
    "nesterov": "Nesterov",
    "adagrad": "AdaGrad",
    "rmsprop": "RMSProp",
    "adam": "Adam",
}
# Values of eps people hard-code, per algorithm with an eps (1e-8 alone: the public cases pass
# other values, so a fixed 1e-8 shows).
HARD_CODED_EPS = (1e-10, 1e-8, 1e-7, 1e-6)


def power(value: float) -> str:
    """``1e-07`` written as people write it: ``1e-7``."""
    return f"{value:g}".replace("e-0", "e-")


def _lr_squared(hyper: dict) -> float:
    return hyper["lr"] ** 2


def _hard_coded(test: str, name: str, value: float, step: Callable) -> Mistake:
    return row(
        f"{test}/hard-coded-{name}-{power(value)}",
        f"{NAMES[test]} whose {name} behaves like {power(value)} whatever {name} is passed",
        f"Use the `{name}` argument: the caller chooses it ({power(value)} is one value among "
        "many).",
        with_kwargs(step, **{name: value}),
    )


def _learning_rate_rows(test: str, step: Callable) -> Iterable[Mistake]:
    algorithm = NAMES[test]
    yield row(
        f"{test}/lr-twice",
        f"{algorithm} with the learning rate applied twice (a step of lr² instead of lr)",
        "Multiply by `lr` once: the update is lr times the step direction.",
        with_kwargs(step, lr=_lr_squared),
    )
    if test != "sgd":  # sgd/no-learning-rate says it in SGD's words
        yield row(
            f"{test}/no-learning-rate",
            f"{algorithm} without the learning rate (a step of 1·direction)",
            "Multiply the step direction by `lr` before subtracting it from the parameter.",
            with_kwargs(step, lr=1.0),
        )


def parametric_rows() -> tuple[Mistake, ...]:
    """Every parametric row, in table order (test by test)."""
    rows: list[Mistake] = []
    for test, step in STEP_REFERENCES.items():
        rows += _learning_rate_rows(test, step)
        if test in ("adagrad", "rmsprop", "adam"):
            rows += [_hard_coded(test, "eps", value, step) for value in HARD_CODED_EPS]
        if test in ("nesterov", "rmsprop"):  # the others have theirs in mistakes.py
            rows.append(
                row(
                    f"{test}/shared-state",
                    f"{NAMES[test]} with one state shared by every parameter",
                    "Keep each parameter's state in the `state` dict you are given (a different "
                    "dict for every parameter), not in a global or default-argument variable.",
                    shared_state(step),
                )
            )
    rows += [
        row(
            "adam/step-stuck-at-1",
            "Adam whose step count never advances (t = 1 at every call)",
            "Keep t in `state` and add 1 at every call, before the bias correction.",
            with_kwargs(adam_like, stuck_step=True),
        ),
        row(
            "adam/step-stuck-at-2",
            "Adam whose step count is stuck at 2",
            "Start t at 0 in `state` and add 1 at every call, before the bias correction, so "
            "that t = 1, 2, 3, ...",
            with_kwargs(adam_like, first_step=2, stuck_step=True),
        ),
        row(
            "adam/step-from-three",
            "Adam whose step count is two ahead (t = 3 on the first call)",
            "Start t at 0 and add 1 once per call, before the bias correction, so that t = 1 on "
            "the first call.",
            with_kwargs(adam_like, first_step=3),
        ),
    ]
    return tuple(rows)


# Pairs seen in real submissions: (first id, second id, the variant making both mistakes).
PAIRS: tuple[tuple[str, str, Callable], ...] = (
    (
        "adam/no-bias-correction",
        "adam/eps-inside-sqrt",
        with_kwargs(adam_like, correct_m=False, correct_v=False, eps_inside=True),
    ),
    (
        "adam/folded-correction",
        "adam/eps-inside-sqrt",
        with_kwargs(adam_like, folded=True, eps_inside=True),
    ),
    (
        "adam/step-from-two",
        "adam/eps-inside-sqrt",
        with_kwargs(adam_like, first_step=2, eps_inside=True),
    ),
    (
        "adam/hard-coded-eps-1e-8",
        "adam/step-stuck-at-1",
        with_kwargs(adam_like, stuck_step=True, eps=1e-8),
    ),
    (
        "adam/hard-coded-eps-1e-7",
        "adam/step-stuck-at-1",
        with_kwargs(adam_like, stuck_step=True, eps=1e-7),
    ),
    (
        "adam/no-bias-correction",
        "adam/hard-coded-eps-1e-8",
        with_kwargs(adam_like, correct_m=False, correct_v=False, eps=1e-8),
    ),
    (
        "rmsprop/missing-one-minus-alpha",
        "rmsprop/eps-inside-sqrt",
        with_kwargs(adaptive_like, one_minus_alpha=False, eps_inside=True),
    ),
    (
        "adagrad/eps-inside-sqrt",
        "adagrad/hard-coded-eps-1e-8",
        with_kwargs(adaptive_like, eps_inside=True, eps=1e-8),
    ),
)


def _second_part(first: str, second: str) -> str:
    """``second`` without the algorithm's name that ``first`` already starts with."""
    head = first.split(" ", 1)[0]
    if second.startswith(head + " "):
        second = second[len(head) + 1 :]
    return second.removeprefix("whose ").removeprefix("with ")


def compound_rows(singles: dict[str, Mistake]) -> tuple[Mistake, ...]:
    """One row per pair of ``PAIRS``, in words made of the two single rows'."""
    rows = []
    for first_id, second_id, variant in PAIRS:
        first, second = singles[first_id], singles[second_id]
        rows.append(
            Mistake(
                f"{first_id}+{second_id.split('/', 1)[1]}",
                first.test,
                f"{first.title}, and also {_second_part(first.title, second.title)}",
                f"{first.message} Also: {second.message}",
                variant,
            )
        )
    return tuple(rows)
