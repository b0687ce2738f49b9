"""Grading past one machine: shards of the class, merged, give the single run's gradebook."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from autograder import batch
from autograder.course import shard

EXAMPLES = ("alice", "bob", "carol")


def test_a_student_never_moves_when_others_join():
    """Is a student's shard a function of their id alone, so added students move no one, and
    does every shard get a fair share?"""
    first = [f"s{n:03d}" for n in range(300)]
    before = {student: shard.shard_of(student, 3) for student in first}
    after = {student: shard.shard_of(student, 3) for student in [*first, "late", "later"]}
    assert all(after[student] == where for student, where in before.items())
    sizes = [list(before.values()).count(k) for k in (1, 2, 3)]
    assert min(sizes) > 60  # 100 expected each; far below only if the hash were broken


@pytest.mark.parametrize("text", ["0/3", "4/3", "1", "a/b", "2/0"])
def test_bad_shard_is_refused(text):
    """Is a shard that is not K/N with 1 <= K <= N refused with a message?"""
    with pytest.raises(ValueError, match="shard"):
        shard.parse(text)


@pytest.fixture(scope="module")
def course(tmp_path_factory, root: Path) -> Path:
    """Eight students: the examples, each of them twice under other names (with a comment
    added, so every file is its own submission), and one with an empty file."""
    folder = tmp_path_factory.mktemp("course")
    for name in EXAMPLES:
        text = (root / "examples" / "submissions" / f"{name}.py").read_text()
        (folder / f"{name}.py").write_text(text)
        (folder / f"{name}-again.py").write_text(text + "\n# again\n")
    (folder / "empty.py").write_text("")
    (folder / "Zoë Upper.py").write_text("")
    return folder


def _grade(course: Path, out: Path, part=None) -> None:
    assert batch.main(paths=[course], out=out, hidden=False, timeout=5.0, jobs=2, part=part) == 0


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.name != "shard.json"}


@pytest.fixture(scope="module")
def single(course, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("single")
    _grade(course, out)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("count", [1, 3])
def test_merged_shards_equal_a_single_run(course, single, tmp_path, count):
    """Do N shard folders, merged, hold exactly the files of one run, byte for byte (JSON,
    reports, grades.csv, mistakes.csv, index.html)?"""
    folders = [tmp_path / f"shard{k}" for k in range(1, count + 1)]
    for k, folder in enumerate(folders, 1):
        _grade(course, folder, part=(k, count))
    graded = [json.loads((f / "shard.json").read_text())["students"] for f in folders]
    assert sorted(s for part in graded for s in part) == sorted(batch.discover([course])[0])
    assert shard.merge(folders=folders, out=tmp_path / "merged") == 0
    merged, expected = _files(tmp_path / "merged"), _files(single)
    assert sorted(merged) == sorted(expected)
    assert {"index.html", "mistakes.csv", "grades.csv"} <= set(merged)
    assert [name for name in merged if merged[name] != expected[name]] == []


@pytest.mark.slow
def test_incomplete_shards_are_not_merged(course, tmp_path, capsys):
    """Does a merge refuse, saying why, when a shard is missing or a student of one is?"""
    folders = [tmp_path / f"shard{k}" for k in (1, 2)]
    for k, folder in enumerate(folders, 1):
        _grade(course, folder, part=(k, 2))
    assert shard.merge(folders=folders[:1], out=tmp_path / "merged") == 1
    assert "missing [2]" in capsys.readouterr().err
    victim = json.loads((folders[1] / "shard.json").read_text())["students"][0]
    for path in folders[1].glob("*.json"):
        if path.name != "shard.json" and json.loads(path.read_text())["student"] == victim:
            path.unlink()
    assert shard.merge(folders=folders, out=tmp_path / "merged") == 1
    assert f"{victim} was not graded" in capsys.readouterr().err
    assert not (tmp_path / "merged").exists()


def test_merge_of_nothing_graded_explains(tmp_path, capsys):
    """Does merging a folder that no sharded run wrote say so, instead of an empty gradebook?"""
    (tmp_path / "plain").mkdir()
    shutil.copy(__file__, tmp_path / "plain" / "x.json")
    assert shard.merge(folders=[tmp_path / "plain"], out=tmp_path / "out") == 1
    assert "no readable shard.json" in capsys.readouterr().err
