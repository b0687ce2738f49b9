"""Does grading in threads (as the batch grader judges) give the same verdicts as grading alone?

Computing expectations runs trusted code in the grader's process, and a check may swap a module
global while it runs (my_adam's ``adam_step`` shim): two threads filling the caches at once must
not see each other's swaps.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from autograder import diagnose, engine, expect, instructor

TESTS = ["my_adam", "my_sgd", "adam", "momentum"]


def momentum_without_state(param, grad, state, *, lr, momentum):
    """A wrong momentum (the buffer is never kept), so that diagnosis runs too."""
    buffer = grad.clone()
    param.add_(buffer, alpha=-lr)


@pytest.fixture
def empty_caches(monkeypatch):
    monkeypatch.setattr(expect, "_REFERENCE_CACHE", {})
    monkeypatch.setattr(diagnose, "_VARIANT_CACHE", {})


def scores(namespace) -> list[float]:
    return [test.score for test in engine.grade_namespace(namespace, tests=TESTS, hidden=True)]


def test_threads_agree_with_a_sequential_grading(empty_caches):
    """Do four threads grading at once, on empty caches, all get the sequential verdicts?"""
    if instructor.load("hidden_cases") is None:
        pytest.skip("needs the instructor's solutions/")
    namespace = {**instructor.reference_namespace(), "momentum_step": momentum_without_state}
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: scores(dict(namespace)), range(4)))
    expected = [4.0, 2.0, 4.0, 0.0]
    assert results == [expected] * 4
    # The reference module is left as it was: its adam_step is its own, not a shim.
    reference = instructor.load("reference")
    assert reference.my_adam.adam_step is reference.adam.adam_step
    assert torch.get_num_threads() >= 1
