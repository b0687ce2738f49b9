"""Are the shipped public expectations up to date, compact, and enough to grade on their own?

Also: does the reference itself get full marks on every public and hidden case? (What judging one
submission costs is measured by ``tests/benchmarks/bench_grading.py``, not asserted here.)
"""

from __future__ import annotations

import json

import pytest

from autograder.checks import KINDS
from autograder.course.authoring import public_data_differences
from autograder.spec import TESTS
from autograder.verdict import engine, expect
from autograder.verdict.sources import Sources
from solutions import reference
from solutions.hidden_cases import hidden_cases

SOURCES = Sources.discover()  # this checkout: the instructor's side


CODE_TESTS = [test.name for test in TESTS if test.kind != "flashcards"]
MAX_BYTES = 400_000


def test_public_data_is_up_to_date():
    """Does the shipped file hold what the references do now (else: python -m autograder sync)?"""
    stored = json.loads(expect.PUBLIC_DATA.read_text())
    fresh = json.loads(json.dumps(expect.public_data(SOURCES)))
    assert public_data_differences(stored, fresh) == []


def test_public_data_is_compact_and_covers_every_code_test():
    """Is the file small, with an entry for every code test whose kind exists?"""
    assert expect.PUBLIC_DATA.stat().st_size < MAX_BYTES
    stored = json.loads(expect.PUBLIC_DATA.read_text())
    assert set(CODE_TESTS) <= set(stored)


def test_student_side_grades_from_the_shipped_data():
    """Without solutions/, does the reference still get full marks from the shipped data?"""
    student = Sources.student()
    results = engine.grade_namespace(dict(vars(reference)), sources=student, tests=CODE_TESTS)
    assert all(result.passed for result in results), [r.feedback for r in results]


@pytest.mark.parametrize("hidden", [False, True], ids=["public", "public+hidden"])
def test_reference_gets_full_marks(hidden):
    """Does the reference get full marks on every code test?"""
    namespace = dict(vars(reference))
    results = engine.grade_namespace(namespace, sources=SOURCES, tests=CODE_TESTS, hidden=hidden)
    assert all(result.passed for result in results), [r.feedback for r in results if not r.passed]


def test_hidden_cases_differ_from_public_ones():
    """Does every code test have hidden cases, with ids of their own?"""
    for name in CODE_TESTS:
        public = {case.id for case in expect.cases(name, sources=SOURCES, hidden=False)}
        hidden = [case.id for case in hidden_cases(name)]
        assert hidden, name
        assert len(set(hidden)) == len(hidden), name
        assert not public & set(hidden), name
        assert all(type(case) is KINDS_CASE(name) for case in hidden_cases(name)), name


def KINDS_CASE(name: str) -> type:
    return type(KINDS[next(t.kind for t in TESTS if t.name == name)].public_cases(name)[0])
