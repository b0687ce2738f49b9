"""The batch grader end to end: discovery, outputs, resuming, and a hostile student in the batch."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from autograder import batch
from autograder.spec import TEST_NAMES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory, root: Path) -> tuple[Path, Path, int]:
    """The example submissions in nbgrader's submitted/ layout, graded on public cases."""
    course = tmp_path_factory.mktemp("course")
    for example in (root / "examples" / "submissions").glob("*.py"):
        folder = course / "submitted" / example.stem / "optimisation"
        folder.mkdir(parents=True)
        shutil.copy(example, folder / "optimisation.py")
    out = tmp_path_factory.mktemp("out")
    code = batch.main(paths=[course], out=out, hidden=False, timeout=3.0, jobs=2)
    return course, out, code


def test_discovers_students_by_folder(graded):
    """Does nbgrader's submitted/<student>/<assignment>/ layout give the student folder as id?"""
    course, _, _ = graded
    students, _ = batch.discover([course])
    assert sorted(students) == ["alice", "bob", "carol", "mallory"]


def test_exit_zero_and_contract_outputs(graded):
    """Does every student get a JSON with the contract's keys and a row in grades.csv?"""
    _, out, code = graded
    assert code == 0
    rows = list(csv.reader((out / "grades.csv").open()))
    assert rows[0] == ["student", "score", "max_score", *TEST_NAMES, "report", "flags"]
    assert [row[0] for row in rows[1:]] == ["alice", "bob", "carol", "mallory"]
    data = json.loads((out / "alice.json").read_text())
    assert {"student", "score", "max_score", "tests"} <= set(data)
    assert [test["name"] for test in data["tests"]] == list(TEST_NAMES)
    assert {"name", "score", "max_score", "passed", "feedback"} <= set(data["tests"][0])


def test_hostile_student_does_not_hurt_others(graded):
    """Does the correct example keep full marks on code tests next to the hostile one?"""
    _, out, _ = graded
    alice = json.loads((out / "alice.json").read_text())
    assert all(t["passed"] for t in alice["tests"])
    mallory = {t["name"]: t for t in json.loads((out / "mallory.json").read_text())["tests"]}
    assert mallory["adam"]["score"] == 0 and "still running" in mallory["adam"]["feedback"]
    assert mallory["momentum"]["passed"]


def test_rerun_skips_unchanged(graded, monkeypatch):
    """Does a re-run grade only the submission that changed (and everything with force)?"""
    course, out, _ = graded
    seen = []
    original = batch._grade_one
    monkeypatch.setattr(batch, "_grade_one", lambda s, *a: seen.append(s) or original(s, *a))
    bob = course / "submitted" / "bob" / "optimisation" / "optimisation.py"
    bob.write_text(bob.read_text() + "\n# edited\n")
    assert batch.main(paths=[course], out=out, hidden=False, timeout=3.0) == 0
    assert seen == ["bob"]


def test_failed_step_functions_get_a_picture(graded):
    """Does a failed step function's report show the student's path against the reference, and
    a fully correct report show none?"""
    _, out, _ = graded
    bob = json.loads((out / "bob.json").read_text())
    failed = [
        t["name"] for t in bob["tests"] if not t["passed"] and t["name"] in ("nesterov", "adam")
    ]
    assert failed, "bob's example fails nesterov and adam"
    html = (out / "bob.html").read_text()
    assert html.count("data:image/png;base64,") == len(failed)
    assert "data:image/png" not in (out / "alice.html").read_text()


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        ({"alice/optimisation.py": "", "bob/optimisation.py": ""}, {"alice", "bob"}),
        ({"alice.py": "", "alice.ipynb": "{}"}, {"alice"}),
        ({"x/alice.py": "", "y/alice.py": ""}, {"x", "y"}),
    ],
    ids=["a folder per student", "one student, two files", "one stem in two folders"],
)
def test_no_student_is_silently_merged(tmp_path, layout, expected):
    """Do files that share a stem in different folders stay different students?"""
    for name, text in layout.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    students, _ = batch.discover([tmp_path])
    assert set(students) == expected
