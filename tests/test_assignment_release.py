"""The committed student release is what ``nbgrader generate_assignment`` makes of ``solutions/``.

Regenerate it after changing the source notebook, from the repository root:

    nbgrader generate_assignment optimisation --force

The fresh generation goes to a temporary folder (and a temporary gradebook) and must equal the
committed ``assignments/optimisation/`` byte for byte: nothing is ignored.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ASSIGNMENT = "optimisation"


def generate(course: Path, assignment: str, out: Path) -> subprocess.CompletedProcess:
    """``nbgrader generate_assignment`` in the course directory ``course``, into ``out``."""
    env = {
        **os.environ,
        # nbgrader runs `alembic` (the gradebook's migrations) from PATH: this interpreter's.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "nbgrader",
            "generate_assignment",
            assignment,
            "--force",
            f"--CourseDirectory.release_directory={out / 'assignments'}",
            f"--CourseDirectory.db_url=sqlite:///{out / 'gradebook.db'}",
            f"--CourseDirectory.root={course}",
        ],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def student_files(root: Path) -> set[str]:
    """What students get: every file git tracks in the source assignment folder (the notebook,
    the public self-check and its settings), nothing of what a local run leaves there."""
    listed = subprocess.run(
        ["git", "ls-files", "--", f"solutions/{ASSIGNMENT}"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return {Path(name).relative_to(f"solutions/{ASSIGNMENT}").as_posix() for name in listed}


def files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def fresh(root: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release")
    completed = generate(root, ASSIGNMENT, out)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return out / "assignments" / ASSIGNMENT


def test_committed_release_is_fresh(root, fresh):
    """Is assignments/optimisation exactly what generate_assignment makes from solutions/?"""
    committed = files(root / "assignments" / ASSIGNMENT)
    generated = files(fresh)
    assert sorted(committed) == sorted(generated)
    stale = [name for name in committed if committed[name] != generated[name]]
    assert stale == [], "run `nbgrader generate_assignment optimisation --force` and commit"


def test_release_holds_only_student_files(root, fresh):
    """Does the release hold the notebook and the self-check, and no solution or hidden test?"""
    assert set(files(fresh)) == student_files(root)
    assert {"optimisation.ipynb", "test_optimisation.py"} <= student_files(root)
    text = (fresh / "optimisation.ipynb").read_text()
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    assert "hidden=True" not in text


def test_reference_folder_is_not_an_assignment(root, tmp_path):
    """Does generate_assignment refuse solutions/reference (no notebook), copying nothing?"""
    completed = generate(root, "reference", tmp_path)
    assert completed.returncode != 0
    assert "No notebooks were matched" in completed.stdout + completed.stderr
    assert not (tmp_path / "assignments" / "reference").exists()


# What a local run leaves in the source folder: none of it may reach students.
LEFTOVERS = (
    ".pytest_cache/v/cache/lastfailed",
    "__pycache__/conftest.cpython-311.pyc",
    ".ipynb_checkpoints/optimisation-checkpoint.ipynb",
    "runs/adam-lr0.001/events.out.tfevents.1",
    "gradebook.db",
    "model.pt",
)


def test_leftovers_are_not_released(root, tmp_path):
    """Are caches, checkpoints, TensorBoard logs and saved models in solutions/optimisation kept
    out of the release by nbgrader_config.py's ignore list?"""
    course = tmp_path / "course"
    shutil.copytree(root / "solutions" / ASSIGNMENT, course / "solutions" / ASSIGNMENT)
    shutil.copy(root / "nbgrader_config.py", course)
    for leftover in LEFTOVERS:
        path = course / "solutions" / ASSIGNMENT / leftover
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("instructor's leftover")
    completed = generate(course, ASSIGNMENT, tmp_path / "out")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert set(files(tmp_path / "out" / "assignments" / ASSIGNMENT)) == student_files(root)
