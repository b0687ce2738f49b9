"""Does grading in threads (as the batch grader judges) give the same verdicts as grading alone?

Computing expectations runs trusted code in the grader's process, and a check may swap a module
global while it runs (my_adam's ``adam_step`` shim): two threads filling the caches at once must
not see each other's swaps.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from autograder.verdict import engine
from autograder.verdict.sources import Sources

SOURCES = Sources.discover()  # this checkout: the instructor's side


TESTS = ["my_adam", "my_sgd", "adam", "momentum"]


def momentum_without_state(param, grad, state, *, lr, momentum):
    """A wrong momentum (the buffer is never kept), so that diagnosis runs too."""
    buffer = grad.clone()
    param.add_(buffer, alpha=-lr)


def scores(namespace, sources: Sources) -> list[float]:
    graded = engine.grade_namespace(namespace, sources=sources, tests=TESTS, hidden=True)
    return [test.score for test in graded]


def test_threads_agree_with_a_sequential_grading():
    """Do four threads grading at once, on empty caches, all get the sequential verdicts?"""
    if SOURCES.module("hidden_cases") is None:
        pytest.skip("needs the instructor's solutions/")
    empty = Sources(SOURCES.solutions)  # the same side, nothing computed yet
    namespace = {**SOURCES.reference_namespace(), "momentum_step": momentum_without_state}
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: scores(dict(namespace), empty), range(4)))
    expected = [4.0, 2.0, 4.0, 0.0]
    assert results == [expected] * 4
    # The reference module is left as it was: its adam_step is its own, not a shim.
    reference = SOURCES.module("reference")
    assert reference.my_adam.adam_step is reference.adam.adam_step
    assert torch.get_num_threads() >= 1
