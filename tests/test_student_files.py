"""Student ids as a hostile class or an LMS export writes them: file names, terminal, gradebook.

A student id is a file or folder name: anything the filesystem allows. Every student is graded
and gets files whose names are safe and bounded; nothing they chose reaches the instructor's
terminal unescaped; ``grades.csv`` agrees with the JSON files after every student.
"""

from __future__ import annotations

import csv
import json
import os
import unicodedata
from pathlib import Path

import pytest

from autograder import batch
from autograder.reports import filenames
from autograder.spec import TEST_NAMES

SGD = "def sgd_step(param, grad, state, *, lr):\n    param.sub_(lr * grad)\n"

# A title-setting escape and a bell: a terminal acts on them if they are printed raw.
ESCAPE = "\x1b]0;owned\x07\x1b[2J"
# File names, as bytes, of one class: each is a legal name on Linux.
HOSTILE = {
    "longest": "x" * 252 + ".py",  # 255 bytes, the most a file name may have
    "long unicode": "é" * 126 + ".py",  # 252 bytes of two-byte characters
    "dash": "-rf.py",
    "upper": "Alice.py",
    "lower": "alice.py",
    "nfc": unicodedata.normalize("NFC", "José.py"),
    "nfd": unicodedata.normalize("NFD", "José.py"),
    "reserved": "index.py",
    "escape": f"{ESCAPE}eve.py",
    "bidi": "mallory\u202eyp.py",
}


@pytest.mark.parametrize(
    "student",
    ["alice", "s012", "bob.smith", "x" * 200, "-rf", "Alice", "José", "index", "a/b", "..", "ǅ"],
)
def test_stem_is_safe_and_bounded(student):
    """Is every stem short, free of separators, dashes and dots in front, and the id itself
    exactly when the id is plain?"""
    name = filenames.stem(student)
    assert 0 < len(name.encode()) <= filenames.PLAIN_BYTES
    assert "/" not in name and "\x00" not in name and name[0] not in "-."
    assert (name == student) == filenames.is_plain(student)


def test_stems_differ_where_filesystems_see_one_name():
    """Do ids that differ only in case or in unicode normal form get stems that differ on a
    case-insensitive, normalising filesystem too?"""
    ids = ["alice", "Alice", "ALICE", "José", unicodedata.normalize("NFD", "José"), "index"]
    folded = {unicodedata.normalize("NFC", filenames.stem(i)).casefold() for i in ids}
    assert len(folded) == len(ids)


def test_undecodable_name_becomes_text():
    """Does a file name that is not UTF-8 become an id that can be printed and stored?"""
    student = filenames.readable_id(os.fsdecode(b"\xff\xfestudent"))
    assert student == "\\xff\\xfestudent"
    student.encode("utf-8")  # no surrogates left


def _write_class(folder: Path) -> None:
    for name in HOSTILE.values():
        (folder / name).write_text(SGD)
    (folder / f"{ESCAPE}eve.ipynb").write_text("{}")  # a second file: a note names the student
    with open(os.path.join(os.fsencode(folder), b"\xff\xfe.py"), "wb") as file:
        file.write(SGD.encode())


def _agrees(out: Path) -> None:
    """grades.csv lists exactly the students whose JSON files exist, with their scores."""
    graded = {}
    for path in out.glob("*.json"):
        data = json.loads(path.read_text())
        graded[data["files"]["html"]] = data["score"]
    rows = list(csv.DictReader((out / "grades.csv").open())) if graded else []
    assert {row["report"]: float(row["score"]) for row in rows} == graded


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    """The class graded on public cases, with grades.csv checked against the JSON files each
    time a student is about to be written."""
    folder = tmp_path_factory.mktemp("class")
    _write_class(folder)
    out = tmp_path_factory.mktemp("out")
    original = batch._write_student
    checks = []

    def write_student(out_, *args):
        _agrees(out_)
        checks.append(len(list(out_.glob("*.json"))))
        return original(out_, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(batch, "_write_student", write_student)
        code = batch.main(paths=[folder], out=out, hidden=False, timeout=5.0, jobs=2)
    return folder, out, code, checks


@pytest.mark.slow
def test_every_hostile_name_is_graded(hostile_class):
    """Does every student get a JSON, reports and a row, each file name within 255 bytes and
    none starting with a dash or a dot?"""
    folder, out, code, _ = hostile_class
    students, _ = batch.discover([folder])
    assert code == 0
    rows = list(csv.reader((out / "grades.csv").open()))
    assert rows[0][: 3 + len(TEST_NAMES)] == ["student", "score", "max_score", *TEST_NAMES]
    assert len(rows) == 1 + len(students)
    report = rows[0].index("report")
    for row in rows[1:]:
        data = json.loads((out / row[report]).with_suffix(".json").read_text())
        assert data["files"]["html"] == row[report]
        if data["path"].endswith(".py"):  # each .py holds a correct step (the notebook is empty)
            assert float(row[3 + TEST_NAMES.index("sgd")]) > 0
        for name in data["files"].values():
            assert (out / name).is_file() and len(name.encode()) <= 255
            assert name[0] not in "-."


@pytest.mark.slow
def test_gradebook_agrees_after_every_student(hostile_class):
    """Does grades.csv agree with the JSON files each time a student is written, not only at
    the end (a batch killed mid-way leaves a consistent gradebook)?"""
    _, out, _, checks = hostile_class
    assert max(checks) >= 2  # checked with students already written
    _agrees(out)


def test_terminal_output_is_escaped(tmp_path, capfd):
    """Are student ids printed with their control and bidi characters made visible, in the
    discovery notes and in a "not graded" line?"""
    (tmp_path / f"{ESCAPE}eve.py").write_text(SGD)
    (tmp_path / f"{ESCAPE}eve.ipynb").write_text("{}")
    (tmp_path / "mallory\u202eyp.py").write_text(SGD)

    def refuse(*args, **kwargs):
        raise RuntimeError("refused\x1b[2J")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(batch, "judge_run", refuse)
        code = batch.main(paths=[tmp_path], out=tmp_path / "out", hidden=False, jobs=1)
    err = capfd.readouterr().err
    assert code == 1 and "not graded" in err and "ignored 1 other file" in err
    assert "\x1b" not in err and "\x07" not in err and "\u202e" not in err
    assert "\\x1b]0;owned\\x07" in err and "\\u202e" in err
