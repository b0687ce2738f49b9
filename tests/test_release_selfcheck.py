"""The leak test, working side: the student bundle, unzipped alone, checks students' work.

Unzipped in a fresh folder, with only the bundle on ``PYTHONPATH`` and ``$AUTOGRADER_SOLUTIONS``
pointing nowhere: it imports its own package and cannot reach ``solutions/``; its ``pytest`` fails
every test with a clear message on its own stubs and passes on the reference solutions (as a
``.py`` file and as a filled-in copy of the notebook); ``python -m autograder check`` agrees; and
``pip install`` of the zip installs exactly the bundled package.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from leakscan import flashcard_key

from autograder.course import release
from autograder.spec import ANSWER_NAMES, TEST_NAMES

TOP = release.ASSIGNMENT


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    return release.build_student_zip(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def files(bundle) -> list[str]:
    with zipfile.ZipFile(bundle) as archive:
        return archive.namelist()


@pytest.fixture(scope="module")
def unpacked(bundle, tmp_path_factory) -> Path:
    """The bundle, unzipped where a student would: a fresh folder, far from the repository."""
    where = tmp_path_factory.mktemp("student")
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(where)
    return where / TOP


def _student_env(unpacked: Path) -> dict[str, str]:
    """Only the bundle on the path, and no instructor folder to find."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AUTOGRADER"))}
    env.update(PYTHONPATH=str(unpacked), AUTOGRADER_SOLUTIONS=str(unpacked / "nowhere"))
    env.update(PYTHONDONTWRITEBYTECODE="1")
    return env


def _run(unpacked: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=unpacked,
        env=_student_env(unpacked),
        capture_output=True,
        text=True,
        timeout=600,
    )


def _pytest(unpacked: Path, tmp_path: Path, *args: str) -> dict[str, str | None]:
    """Run the bundle's pytest; test name -> failure message (None when it passed)."""
    report = tmp_path / "report.xml"
    done = _run(unpacked, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={report}", *args)
    assert report.is_file(), f"pytest did not run:\n{done.stdout}\n{done.stderr}"
    outcome = {}
    for case in ElementTree.parse(report).iter("testcase"):
        failure = case.find("failure")
        name = re.search(r"\[(\w+)\]", case.get("name")).group(1)
        message = None if failure is None else failure.get("message") or failure.text
        outcome[name] = message and message.removeprefix("Failed: ")
    return outcome


@pytest.mark.slow
def test_pip_installs_the_bundled_package_only(bundle, files, tmp_path):
    """Does ``pip install`` of the zip install the bundle's package, file for file, and no more?"""
    target = tmp_path / "site"
    command = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"]
    done = subprocess.run(
        [*command, "--target", str(target), str(bundle)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    installed = {
        path.relative_to(target).as_posix()
        for path in (target / "autograder").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    bundled = {name.split("/", 1)[1] for name in files if name.startswith(f"{TOP}/autograder/")}
    assert installed == bundled


def test_bundle_runs_without_the_repository(unpacked):
    """Does the unzipped bundle import its own package, with no way to reach solutions/?"""
    probe = (
        "import importlib.util, autograder, autograder.verdict.sources as s;"
        "print(autograder.__file__);"
        "print(importlib.util.find_spec('solutions'), s.Sources.discover().solutions)"
    )
    done = _run(unpacked, "-c", probe)
    assert done.returncode == 0, done.stderr
    where, spec = done.stdout.splitlines()
    assert Path(where).resolve().is_relative_to(unpacked.resolve())
    assert spec == "None None"


@pytest.mark.slow
def test_selfcheck_fails_every_test_on_the_stubs(unpacked, tmp_path):
    """Does the bundle's pytest fail every test on the untouched notebook, saying why?"""
    outcome = _pytest(unpacked, tmp_path)
    assert set(outcome) == set(TEST_NAMES)
    passed = [name for name, message in outcome.items() if message is None]
    assert not passed, f"tests pass on the stubs: {passed}"
    for name, message in outcome.items():
        assert message.startswith(f"{name}: 0/"), f"{name}: {message[:200]}"
        assert len(message) > 40, f"{name}: feedback too short to act on: {message!r}"
    done = _run(unpacked, "-m", "autograder", "check", f"{TOP}.ipynb")
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"0 of {len(TEST_NAMES)} tests pass" in done.stdout


def _reference_definitions(root: Path) -> dict[str, str]:
    """Answer name -> source of its definition in solutions/reference, and the quiz's answers."""
    definitions = {}
    for path in sorted((root / "solutions" / "reference").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name in ANSWER_NAMES:
                definitions[node.name] = ast.get_source_segment(path.read_text(), node)
    definitions["FLASHCARD_ANSWERS"] = f"FLASHCARD_ANSWERS = {flashcard_key(root)!r}"
    return definitions


def _reference_py(root: Path) -> str:
    definitions = _reference_definitions(root)
    order = ["adam_step", *sorted(set(definitions) - {"adam_step"})]  # MyAdam uses adam_step
    return "import math\n\nimport torch\n\n\n" + "\n\n\n".join(definitions[n] for n in order) + "\n"


def _filled_notebook(unpacked: Path, root: Path) -> bytes:
    """The bundle's notebook with every answer cell replaced by the reference's definition."""
    definitions = _reference_definitions(root)
    notebook = json.loads((unpacked / f"{TOP}.ipynb").read_text())
    filled = set()
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell["cell_type"] == "code" and grade_id in definitions:
            cell["source"] = definitions[grade_id]
            filled.add(grade_id)
    assert filled == set(ANSWER_NAMES), f"answer cells not found: {set(ANSWER_NAMES) - filled}"
    return json.dumps(notebook).encode()


@pytest.mark.slow
@pytest.mark.parametrize("form", ["py", "ipynb"])
def test_selfcheck_passes_on_the_reference(unpacked, root, tmp_path, form):
    """Does the bundle's pytest pass every code test on the reference, as a .py file and a
    notebook, and find every flash card answered? (Without the key, the student's copy cannot
    tell a right answer from a wrong one: it checks the form and says so.)"""
    submission = tmp_path / f"answers.{form}"
    if form == "py":
        submission.write_text(_reference_py(root))
    else:
        submission.write_bytes(_filled_notebook(unpacked, root))
    outcome = _pytest(unpacked, tmp_path, f"--submission={submission}")
    assert set(outcome) == set(TEST_NAMES)
    cards = outcome.pop("flashcards")
    failed = {name: message for name, message in outcome.items() if message is not None}
    assert not failed, failed
    count = len(flashcard_key(root))
    assert cards is None or f"{count} of {count} cards have an answer" in cards, cards
    done = _run(unpacked, "-m", "autograder", "check", str(submission))
    assert f"{len(TEST_NAMES) - (cards is not None)} of {len(TEST_NAMES)} tests pass" in done.stdout
