"""Writing files (``autograder.files``): atomic replacement and deterministic zips."""

from __future__ import annotations

import zipfile

import pytest

from autograder.files import EPOCH, Entry, replacing, write_atomic, write_zip


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    """When writing fails half way, is the old file intact and the temporary file gone?"""
    path = write_atomic(tmp_path / "out" / "alice.json", "old\n")
    with pytest.raises(RuntimeError), replacing(path) as temporary:
        temporary.write_text("half")
        raise RuntimeError("disk full")
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["alice.json"]


def test_zips_are_the_same_bytes_with_unix_permissions(tmp_path):
    """Do the same entries give the same bytes, at a fixed time, executables marked as such?"""
    entries = [Entry("run_autograder", b"#!/bin/sh\n", executable=True), Entry("a/b.py", b"x = 1")]
    first = write_zip(tmp_path / "one.zip", entries).read_bytes()
    assert write_zip(tmp_path / "two.zip", entries).read_bytes() == first
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        assert {info.date_time for info in archive.infolist()} == {EPOCH}
        assert archive.read("a/b.py") == b"x = 1"
    assert modes == {"run_autograder": 0o100755, "a/b.py": 0o100644}


def test_zips_are_readable_by_all_and_grades_by_their_owner(tmp_path):
    """Is a zip (handed out: the student bundle, Gradescope's autograder) readable by everyone,
    while an atomically written file (grades, reports) keeps its owner's permissions alone?"""
    from autograder.files import Entry, write_atomic, write_zip

    archive = write_zip(tmp_path / "bundle.zip", [Entry("a.txt", b"a")])
    grades = write_atomic(tmp_path / "grades.csv", "student,score\n")
    assert archive.stat().st_mode & 0o777 == 0o644
    assert grades.stat().st_mode & 0o777 == 0o600
