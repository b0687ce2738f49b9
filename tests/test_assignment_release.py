"""The committed student release is what ``nbgrader generate_assignment`` makes of ``solutions/``.

Regenerate it after changing the source notebook, from the repository root:

    nbgrader generate_assignment optimisation --force

The fresh generation goes to a temporary folder (and a temporary gradebook) and must equal the
committed ``assignments/optimisation/`` byte for byte: nothing is ignored.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ASSIGNMENT = "optimisation"
# What students get: the notebook and the public self-check, nothing of the instructor's.
RELEASED_FILES = {"optimisation.ipynb", "test_optimisation.py", "conftest.py"}


def generate(root: Path, assignment: str, out: Path) -> subprocess.CompletedProcess:
    """``nbgrader generate_assignment`` from the repository root, into ``out``."""
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
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


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


def test_release_holds_only_student_files(fresh):
    """Does the release hold the notebook and the self-check, and no solution or hidden test?"""
    assert set(files(fresh)) == RELEASED_FILES
    text = (fresh / "optimisation.ipynb").read_text()
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    assert "hidden=True" not in text


def test_reference_folder_is_not_an_assignment(root, tmp_path):
    """Does generate_assignment refuse solutions/reference (no notebook), copying nothing?"""
    completed = generate(root, "reference", tmp_path)
    assert completed.returncode != 0
    assert "No notebooks were matched" in completed.stdout + completed.stderr
    assert not (tmp_path / "assignments" / "reference").exists()
