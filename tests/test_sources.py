"""Is the side (the instructor's or a student's) explicit: both built in one process, each
seeing exactly what it should?"""

from __future__ import annotations

import json

import pytest

from autograder.cards import key as answer_key
from autograder.verdict import diagnose, engine, expect
from autograder.verdict.sources import DATA, Sources

INSTRUCTOR = Sources.discover()
STUDENT = Sources.student()

pytestmark = pytest.mark.skipif(
    not INSTRUCTOR.instructor, reason="needs the instructor's solutions/ (a checkout)"
)


def test_the_student_side_holds_nothing_of_the_instructors():
    """Built beside the instructor's side, does a student's side have no references, hidden
    cases, catalogue, key or secret, while the instructor's has them all?"""
    for name in ("reference", "hidden_cases", "mistakes"):
        assert STUDENT.module(name) is None
        assert INSTRUCTOR.module(name) is not None
    assert STUDENT.reference_namespace() is None and STUDENT.course_secret() is None
    assert answer_key.load_key(STUDENT) is None
    assert answer_key.load_key(INSTRUCTOR) is not None
    assert INSTRUCTOR.course_secret() is not None


def test_hidden_cases_exist_on_the_instructors_side_only():
    """Does the instructor's side add hidden cases to the public ones, and a student's refuse?"""
    public = expect.cases("adam", sources=STUDENT, hidden=False)
    assert [case.id for case in expect.cases("adam", sources=INSTRUCTOR, hidden=False)] == [
        case.id for case in public
    ]
    assert len(expect.cases("adam", sources=INSTRUCTOR, hidden=True)) > len(public)
    with pytest.raises(RuntimeError, match="instructor"):
        expect.cases("adam", sources=STUDENT, hidden=True)


def test_the_student_knows_no_mistake_beyond_the_shipped_data():
    """Are a student's side's mistakes exactly the shipped data's, a subset of the catalogue?"""
    cases = expect.cases("adam", sources=STUDENT, hidden=False)
    shipped = json.loads((DATA / diagnose.PUBLIC_MISTAKES.name).read_text())["adam"]
    student = diagnose.known_mistakes("adam", cases, sources=STUDENT, hidden=False)
    instructor = diagnose.known_mistakes("adam", cases, sources=INSTRUCTOR, hidden=False)
    assert {known.id for known in student} == set(shipped)
    assert {known.id for known in student} <= {known.id for known in instructor}
    assert diagnose.known_mistakes("adam", cases, sources=STUDENT, hidden=True) == []


def test_both_sides_grade_alike_in_one_process(reference):
    """Do both sides, one after the other in one process, give the reference full marks and a
    wrong answer zero (the choice of one does not stick to the other)?"""

    def wrong(param, grad, state, *, lr):
        param.add_(grad, alpha=lr)

    for sources in (STUDENT, INSTRUCTOR, STUDENT):
        (right,) = engine.grade_namespace(dict(vars(reference)), sources=sources, tests=["sgd"])
        (bad,) = engine.grade_namespace({"sgd_step": wrong}, sources=sources, tests=["sgd"])
        assert right.passed and bad.score == 0


def test_one_object_per_side():
    """Does discovering the same side twice give the same object (its caches kept), and another
    side another object?"""
    assert Sources.discover() is INSTRUCTOR and Sources.student() is STUDENT
    assert STUDENT is not INSTRUCTOR and not STUDENT.instructor
