"""The leak test: build the student bundle, open it, and prove it gives nothing away.

What it proves (each test says which question it answers):

- only allow-listed files ship: no ``solutions/`` path, no ``.git``, no gradebook, no compiled or
  cached file, no instructor module of ``autograder``;
- no reference code: no normalised function body, no non-trivial statement and no code line of
  anything under ``solutions/`` (references, variants, mistakes, hidden cases, the solution cells
  of the source notebook) appears in a bundled ``.py`` file or notebook cell;
- no hidden case: no hidden case id, seed or case shows up, and the public expectations hold the
  public cases exactly;
- no flash-card answer: no file of ``solutions/``, no card id next to an algorithm name in a
  dict, JSON file or line, no PNG text chunk naming an algorithm;
- the build refuses what would leak: an import of unbundled code, a stray file in the release.

That the bundle works on its own is proved in ``tests/test_release_selfcheck.py``, and that
student-visible feedback (nbgrader cells, Gradescope) leaks nothing in
``tests/test_release_feedback.py``.
"""

from __future__ import annotations

import ast
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from leakscan import (
    algorithm_pattern,
    code_lines,
    flashcard_key,
    function_bodies,
    instructor_sources,
    notebook_code,
    python_sources,
    statements,
)

from autograder.course import release
from autograder.files import EPOCH
from autograder.spec import TEST_NAMES
from autograder.verdict.sources import Sources

SOURCES = Sources.discover()  # this checkout: the instructor's side


TOP = release.ASSIGNMENT
SUFFIXES = {".py", ".ipynb", ".png", ".json", ".md", ".txt", ".ttf", ".toml", ".ini"}
INSTRUCTOR_PARTS = {"solutions", ".git", "gradebook.db", "submitted", "autograded", "feedback"}
# Never for students: drawing the rule cards (formula -> algorithm), authoring, the batch
# grader, its sandbox and gradebook, Gradescope's zip, the release builder.
INSTRUCTOR_MODULES = {
    "cards/rules.py",
    "authoring.py",
    "batch.py",
    "grade.py",
    "gradebook.py",
    "gradescope.py",
    "release.py",
}


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    return release.build_student_zip(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def files(bundle) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="module")
def hidden_cases():

    module = SOURCES.module("hidden_cases")
    assert module is not None, "solutions/hidden_cases.py is needed to prove nothing of it leaks"
    return {name: module.hidden_cases(name) for name in TEST_NAMES}


def _texts(files: dict[str, bytes]) -> dict[str, str]:
    return {
        name: data.decode("utf-8", errors="replace")
        for name, data in files.items()
        if not name.endswith(".png")
    }


# --- what ships ------------------------------------------------------------------------------


def test_bundle_is_deterministic(bundle, tmp_path):
    """Does building twice give the same bytes, with fixed timestamps, in sorted order?"""
    again = release.build_student_zip(tmp_path)
    assert again.read_bytes() == bundle.read_bytes()
    with zipfile.ZipFile(bundle) as archive:
        infos = archive.infolist()
    assert [info.filename for info in infos] == sorted(info.filename for info in infos)
    assert {info.date_time for info in infos} == {EPOCH}


def test_bundle_has_what_students_need(files):
    """Does the bundle hold the notebook, the self-check, the cards, the package, the texts?"""
    names = set(files)
    assert any(re.fullmatch(rf"{TOP}/[^/]+\.ipynb", name) for name in names)
    assert f"{TOP}/test_{TOP}.py" in names
    assert f"{TOP}/autograder/data/public_expectations.json" in names
    assert {f"{TOP}/README.md", f"{TOP}/requirements.txt", f"{TOP}/pyproject.toml"} <= names
    cards = sorted(Path("assets/flashcards").glob("*.png"))
    assert cards, "no flash cards in assets/flashcards/"
    assert {f"{TOP}/assets/flashcards/{card.name}" for card in cards} <= names
    requirements = files[f"{TOP}/requirements.txt"].decode()
    for requirement in ("torch==2.13.0", "numpy", "pytest", "nbformat", "pillow", "matplotlib"):
        assert requirement in requirements


@pytest.mark.parametrize(
    "question, bad",
    [
        (
            "a path under solutions/, .git or nbgrader's folders",
            lambda parts, _: bool(set(parts) & INSTRUCTOR_PARTS),
        ),
        (
            "a compiled, cached or unexpected file type",
            lambda parts, name: (
                (Path(name).suffix not in SUFFIXES and not parts[-1].startswith("LICENSE"))
                or "__pycache__" in parts
            ),
        ),
        (
            "an instructor module of autograder",
            lambda parts, _: "/".join(parts[2:]) in INSTRUCTOR_MODULES or "sandbox" in parts,
        ),
    ],
)
def test_no_instructor_path(files, question, bad):
    """Does the bundle hold {question}? (It must not.)"""
    offending = [name for name in files if bad(Path(name).parts, name)]
    assert not offending, f"{question}: {offending}"


def test_cards_package_is_the_key_reader_only(files, root):
    """Is the bundle's ``autograder.cards`` the card-id reader and the surface drawing alone,
    without the decks' drawing (``rules`` ties formulas to algorithms)?"""
    cards = {name.rsplit("/", 1)[1] for name in files if f"{TOP}/autograder/cards/" in name}
    assert cards == {"__init__.py", "key.py", "paths.py", "canvas.py"}
    shipped = files[f"{TOP}/autograder/cards/__init__.py"]
    assert shipped != (root / "autograder" / "cards" / "__init__.py").read_bytes()
    assert b"import" not in shipped


def test_every_file_is_under_one_top_folder(files):
    """Does every file unzip into ``<assignment>/`` (nothing lands beside it)?"""
    assert {Path(name).parts[0] for name in files} == {TOP}


# --- no reference code -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "what, normalise",
    [("function body", function_bodies), ("statement", statements), ("code line", code_lines)],
)
def test_no_reference_code(files, root, what, normalise):
    """Does any {what} of solutions/ appear in the bundle's Python files or notebook cells?"""
    instructor = normalise(instructor_sources(root))
    assert len(instructor) > 20, "the scan found too little instructor code to mean anything"
    bundled = normalise(python_sources(files))
    copied = sorted(f"{instructor[key]} -> {bundled[key]}" for key in instructor.keys() & bundled)
    assert not copied, "reference code in the bundle:\n" + "\n".join(copied)


def test_notebooks_are_releases(files):
    """Are the notebooks nbgrader's releases: no solution or hidden-test region, no output?"""
    notebooks = {name: data for name, data in files.items() if name.endswith(".ipynb")}
    for name, data in notebooks.items():
        text = data.decode()
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "hidden=True"):
            assert marker not in text, f"{name} still holds {marker!r}"
        cells = json.loads(text)["cells"]
        with_output = [i for i, cell in enumerate(cells) if cell.get("outputs")]
        assert not with_output, f"{name}: cells {with_output} keep outputs from a solved run"
        assert notebook_code(data), f"{name} has no code cell"


# --- no hidden case --------------------------------------------------------------------------


def test_no_hidden_case(files, hidden_cases):
    """Does any hidden case id, any distinctive seed, or any hidden case's data appear?"""
    texts = _texts(files)
    ids = {case.id for cases in hidden_cases.values() for case in cases}
    assert ids, "no hidden cases to look for"
    for name, text in texts.items():
        leaked = sorted(case_id for case_id in ids if case_id in text)
        assert not leaked, f"{name} names hidden cases {leaked}"
    seeds = {
        str(case.seed)
        for cases in hidden_cases.values()
        for case in cases
        if getattr(case, "seed", None) is not None and abs(int(case.seed)) >= 1000
    }
    for name, text in texts.items():
        leaked = sorted(seed for seed in seeds if re.search(rf"(?<![\w.]){seed}(?![\w.])", text))
        assert not leaked, f"{name} holds hidden seeds {leaked}"


def test_public_expectations_hold_public_cases_only(files, hidden_cases):
    """Does the shipped expectations file hold exactly the public cases, none hidden, and
    nothing for the flash cards?"""
    from autograder.verdict.cases import public_cases

    data = json.loads(files[f"{TOP}/autograder/data/public_expectations.json"])
    hidden = {case.id for cases in hidden_cases.values() for case in cases}
    for name in TEST_NAMES:
        shipped = set(data.get(name, {}))
        # The quiz's expectation is its answer key: never shipped, whatever its public case.
        public = set() if name == "flashcards" else {case.id for case in public_cases(name)}
        assert shipped == public, f"{name}: shipped {sorted(shipped ^ public)} differ from public"
        assert not shipped & hidden, f"{name}: hidden cases shipped {sorted(shipped & hidden)}"
    public_data = [case.to_dict() for name in TEST_NAMES for case in public_cases(name)]
    for name, cases in hidden_cases.items():
        for case in cases:
            assert case.to_dict() not in public_data, f"{name}: {case.id} is also public"


# --- no flash-card answer --------------------------------------------------------------------


def test_no_solutions_file_is_bundled(files, root):
    """Is any bundled file byte-identical to a file of solutions/ that nbgrader did not release?"""
    released = {p.name for p in (root / "assignments" / TOP).glob("*")}
    secret = {
        p.read_bytes(): str(p)
        for p in (root / "solutions").rglob("*")
        if p.is_file() and p.name not in released and p.suffix != ".ipynb" and p.stat().st_size
    }
    copies = [f"{name} = {secret[data]}" for name, data in files.items() if data in secret]
    assert not copies, copies


def _lines(files: dict[str, bytes]) -> Iterator[tuple[str, str]]:
    """(file, line) of every text file, notebooks cell by cell (JSON files are walked instead)."""
    for name, data in files.items():
        if name.endswith(".ipynb"):
            for cell in json.loads(data)["cells"]:
                yield from ((name, line) for line in "".join(cell["source"]).splitlines())
        elif name.endswith((".py", ".md", ".txt")):
            yield from ((name, line) for line in data.decode().splitlines())


def _json_pairs(data) -> Iterator[tuple[str, object]]:
    """Every (key, value) of every dict in a JSON structure."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield str(key), value
            yield from _json_pairs(value)
    elif isinstance(data, list):
        for value in data:
            yield from _json_pairs(value)


def test_no_flashcard_answer(files, root):
    """Does any card id come with an algorithm: in its name, a line, a dict or a JSON file?"""
    key = flashcard_key(root)
    algorithm = algorithm_pattern()
    cards = {Path(name).stem for name in files if name.endswith(".png")}
    assert cards == set(key), "the bundled cards are not the cards of the key"
    for card in cards:
        assert not algorithm.search(card), f"card id {card!r} names its algorithm"
    for name, line in _lines(files):
        near = [card for card in key if card in line and algorithm.search(line)]
        assert not near, f"{name}: {line.strip()[:120]!r} pairs a card with an algorithm"
    for name, data in files.items():
        if name.endswith(".json"):
            for card, value in _json_pairs(json.loads(data)):
                named = card in key and algorithm.search(json.dumps(value))
                assert not named, f"{name}: card {card} comes with {value!r}"
    for label, source in python_sources(files):
        for node in ast.walk(ast.parse(source)) if _parses(source) else ():
            if isinstance(node, ast.Dict):
                values = [
                    v.value
                    for k, v in zip(node.keys, node.values)
                    if isinstance(k, ast.Constant)
                    and k.value in key
                    and isinstance(v, ast.Constant)
                    and isinstance(v.value, str)
                ]
                answered = [v for v in values if algorithm.search(v)]
                assert not answered, f"{label}: a dict answers cards with {answered}"


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


def test_card_images_carry_no_text(files):
    """Does any card's PNG carry text chunks (where a generator could write the algorithm)?"""
    import io

    from PIL import Image

    for name, data in files.items():
        if name.endswith(".png"):
            image = Image.open(io.BytesIO(data))
            text = " ".join(f"{k}={v}" for k, v in image.info.items() if isinstance(v, str))
            assert not algorithm_pattern().search(text), f"{name} metadata: {text[:200]}"


# --- the build refuses what would leak -------------------------------------------------------


def test_build_refuses_an_import_of_an_instructor_module():
    """Does the closure check stop a notebook cell or module that imports unbundled code?"""
    entries = [
        release.Entry(f"{TOP}/autograder/__init__.py", b""),
        release.Entry(f"{TOP}/autograder/spec.py", b"from .cards import KEY\n"),
    ]
    with pytest.raises(release.BuildError, match=re.escape("autograder.cards")):
        release.check_closed(entries, "torch==2.13.0\n")
    cell = {"cell_type": "code", "source": "import solutions.reference\n", "metadata": {}}
    notebook = json.dumps({"cells": [cell]}).encode()
    with pytest.raises(release.BuildError, match="instructor only"):
        release.check_closed([release.Entry(f"{TOP}/x.ipynb", notebook)], "")
    with pytest.raises(release.BuildError, match=re.escape("requirements.txt")):
        release.check_closed([release.Entry(f"{TOP}/autograder/x.py", b"import jax\n")], "")


def test_build_refuses_a_stray_file_in_the_release(tmp_path):
    """Does the builder refuse a release folder holding a file nbgrader should not have copied?"""
    folder = tmp_path / "assignments" / TOP
    folder.mkdir(parents=True)
    (folder / f"{TOP}.ipynb").write_text("{}")
    (folder / "hidden_cases.py").write_text("SEEDS = [1]\n")
    with pytest.raises(release.BuildError, match=re.escape("hidden_cases.py")):
        release._release_files(folder, Path(TOP))
