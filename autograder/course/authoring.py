"""Keep the solution notebook in step with its sources of truth (instructor side).

``python -m autograder sync`` rewrites, in ``solutions/optimisation/optimisation.ipynb``:

- every answer cell (``grade_id`` = the answer name) from ``solutions/reference/*.py``: the
  signature and docstring stay visible to the student, and each function or method body after its
  docstring is wrapped in ``### BEGIN SOLUTION`` / ``### END SOLUTION``, so that nbgrader's stub
  (``ClearSolutions.code_stub`` in ``nbgrader_config.py``) replaces the body only;
- the ``FLASHCARD_ANSWERS`` answer cell from the answer key ``solutions/flashcard_key.json``;
- every test cell (``grade_id`` = the test name, ``test_gradient_descent`` for gradient descent)
  and its points from ``autograder.spec.TESTS``;

then rebuilds the public expectations (``expect.build_public_data``). ``sync --check`` changes
nothing and exits 1 if any of these is out of date. Prose and demonstration cells are written by
hand in the notebook; they are never touched here.
"""

from __future__ import annotations

import ast
import json
import tempfile
from pathlib import Path

import nbformat

from autograder.loading.syntax import first_line, last_line, logical_line_ends
from autograder.spec import TESTS, TestSpec
from autograder.verdict.sources import Sources

NOTEBOOK_NAME = Path("optimisation") / "optimisation.ipynb"
FLASHCARD_ANSWER = "FLASHCARD_ANSWERS"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def test_cell_id(test: TestSpec) -> str:
    """A test cell's ``grade_id``: the test name, unless an answer cell already uses it."""
    return f"test_{test.name}" if test.name == test.answer else test.name


# --- answer cells from the reference solutions ---


def answer_source(name: str, reference_dir: Path) -> str:
    """The answer cell of ``name``: its definition in ``reference_dir``, bodies marked as solutions.

    The reference module is found by the object's ``__module__`` in ``solutions.reference``;
    relative imports and module docstrings are left out (the notebook imports once, at the top).
    """
    module_file = _module_file(name, reference_dir)
    text = module_file.read_text()
    tree = ast.parse(text)
    node = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef) and n.name == name),
        None,
    )
    if node is None:
        raise LookupError(f"{module_file} does not define {name} at the top level")
    lines = text.splitlines()
    header_ends = logical_line_ends(text)
    marks: dict[int, list[str]] = {}  # line number -> marker lines to insert after it
    methods = [n for n in node.body if isinstance(n, ast.FunctionDef)]
    for function in [node] if isinstance(node, ast.FunctionDef) else methods:
        _mark_body(function, header_ends, lines, marks)
    out = []
    for number in range(first_line(node), last_line(node) + 1):
        out.append(lines[number - 1])
        out.extend(marks.get(number, []))
    return "\n".join(out)


def _module_file(name: str, reference_dir: Path) -> Path:
    module = Sources.at(reference_dir.parent).module("reference")  # the solutions/ given
    if module is None or not hasattr(module, name):
        raise LookupError(f"solutions.reference does not export {name}")
    return reference_dir / (getattr(module, name).__module__.rsplit(".", 1)[-1] + ".py")


def _mark_body(
    function: ast.FunctionDef, header_ends: list[int], lines: list[str], marks: dict
) -> None:
    """Wrap what follows the header and docstring of ``function`` in solution markers."""
    first = function.body[0]
    has_docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    if has_docstring and len(function.body) == 1:
        raise ValueError(f"{function.name} has a docstring and no body to hide")
    keep_until = (
        last_line(first)
        if has_docstring
        else next(end for end in header_ends if end >= function.lineno)
    )
    body = function.body[1] if has_docstring else first
    indent = lines[body.lineno - 1][: body.col_offset]
    marks.setdefault(keep_until, []).append(indent + BEGIN)
    marks.setdefault(last_line(function), []).append(indent + END)


def flashcard_source(key_file: Path) -> str:
    """The ``FLASHCARD_ANSWERS`` answer cell: the format in a comment, the key as solution.

    Nothing to fill in stands above the stub's ``raise``: a template dict there was filled in
    and the ``raise`` under it left, so the notebook stopped at this cell on Restart & Run All.
    The student's edit is the one the stub asks for: the template the cell above prints, pasted
    in place of the stub.
    """
    key = _flashcard_key(key_file)
    entries = "".join(f"    {card!r}: {answer!r},\n" for card, answer in sorted(key.items()))
    return (
        f'# {FLASHCARD_ANSWER} = {{"card id": "algorithm name", ...}}, one entry per card. '
        "The cell\n"
        "# above prints it with every card id: paste it in place of the two lines below.\n"
        f"{BEGIN}\n{FLASHCARD_ANSWER} = {{\n{entries}}}\n{END}"
    )


def _flashcard_key(key_file: Path) -> dict[str, str]:
    """The answer key as ``{card id: algorithm}``; empty until the cards exist.

    The key file (written with the cards) reads ``{"cards": {id: {"algorithm": ...}, ...}}``.
    """
    if not key_file.is_file():
        return {}
    cards = json.loads(key_file.read_text())["cards"]
    return {card: entry["algorithm"] for card, entry in cards.items()}


# --- test cells from the spec ---


def test_source(test: TestSpec) -> str:
    """A test cell: public cases for everyone, hidden cases only where the instructor grades.

    For ``flashcards`` the last expression is the partial score, which nbgrader records.
    """
    return (
        "from autograder.notebook import check\n\n"
        f'check("{test.name}", globals())\n'
        f"{BEGIN_HIDDEN}\n"
        f'check("{test.name}", globals(), hidden=True)\n'
        f"{END_HIDDEN}"
    )


# --- the notebook ---


def expected_cells(solutions: Path) -> dict[str, tuple[str, dict]]:
    """Every generated cell by ``grade_id``: its source and the nbgrader metadata it must carry."""
    cells: dict[str, tuple[str, dict]] = {}
    for test in TESTS:
        if test.answer == FLASHCARD_ANSWER:
            source = flashcard_source(solutions / "flashcard_key.json")
        else:
            source = answer_source(test.answer, solutions / "reference")
        cells[test.answer] = (source, _metadata(test.answer, solution=True))
        cells[test_cell_id(test)] = (
            test_source(test),
            _metadata(test_cell_id(test), grade=True, points=test.points),
        )
    return cells


def _metadata(grade_id: str, *, solution: bool = False, grade: bool = False, points=None) -> dict:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": grade,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    return meta


def drift(notebook: nbformat.NotebookNode, solutions: Path) -> list[str]:
    """What differs between the notebook's generated cells and their sources, in words."""
    problems = []
    found: dict[str, nbformat.NotebookNode] = {}
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is not None:
            if grade_id in found:
                problems.append(f"grade_id {grade_id!r} appears twice")
            found[grade_id] = cell
    for grade_id, (source, meta) in expected_cells(solutions).items():
        cell = found.get(grade_id)
        if cell is None:
            problems.append(f"no cell has grade_id {grade_id!r}")
        elif cell.cell_type != "code":
            problems.append(f"cell {grade_id!r} is not a code cell")
        else:
            if cell.source != source:
                problems.append(f"cell {grade_id!r} differs from its source of truth")
            actual = {key: cell.metadata["nbgrader"].get(key) for key in meta}
            if actual != meta:
                problems.append(f"cell {grade_id!r} has nbgrader metadata {actual}, not {meta}")
    return problems


def update(notebook: nbformat.NotebookNode, solutions: Path) -> int:
    """Rewrite the generated cells in place; returns how many changed. Missing cells are errors."""
    expected = expected_cells(solutions)
    changed = 0
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in expected:
            source, meta = expected.pop(grade_id)
            before = (cell.source, dict(cell.metadata["nbgrader"]))
            cell.source = source
            cell.metadata["nbgrader"].update(meta)
            changed += before != (cell.source, dict(cell.metadata["nbgrader"]))
    if expected:
        raise LookupError(f"the notebook has no cell for {sorted(expected)}: add them first")
    return changed


def main(*, check: bool) -> int:
    """``autograder sync [--check]``: regenerate (or, with ``check``, verify) the derived files."""
    sources = Sources.discover()
    solutions = sources.solutions
    if solutions is None:
        print("sync needs the instructor's solutions/ folder (or $AUTOGRADER_SOLUTIONS).")
        return 1
    path = solutions / NOTEBOOK_NAME
    notebook = nbformat.read(path, as_version=4)
    if check:
        problems = drift(notebook, solutions) + _public_data_drift(sources)
        for problem in problems:
            print(f"out of date: {problem}")
        if problems:
            print("run `python -m autograder sync` to regenerate.")
        return 1 if problems else 0
    changed = update(notebook, solutions)
    if changed:
        nbformat.write(notebook, path)
    print(f"{path}: {changed} cell(s) updated.")
    try:
        print(f"{_build_public_data(sources)} rebuilt.")
    except Exception as error:  # the engine's tables may be incomplete: say so, do not hide it
        print(f"could not rebuild the public expectations: {type(error).__name__}: {error}")
        return 1
    return 0


def _build_public_data(sources: Sources, path: Path | None = None) -> Path:
    from autograder.verdict.expect import PUBLIC_DATA, build_public_data

    return build_public_data(sources, path or PUBLIC_DATA)


def _public_data_drift(sources: Sources) -> list[str]:
    from autograder.verdict.expect import PUBLIC_DATA

    with tempfile.TemporaryDirectory() as folder:
        try:
            built = _build_public_data(sources, Path(folder) / PUBLIC_DATA.name)
            fresh = json.loads(built.read_text())
        except Exception as error:
            return [f"the public expectations cannot be built: {type(error).__name__}: {error}"]
    if not PUBLIC_DATA.is_file():
        return [f"{PUBLIC_DATA.name} is missing"]
    return [
        f"{PUBLIC_DATA.name} differs from the reference solutions' observations: {problem}"
        for problem in public_data_differences(json.loads(PUBLIC_DATA.read_text()), fresh)
    ]


def public_data_differences(stored: dict, fresh: dict) -> list[str]:
    """What keeps ``stored`` public expectations from standing for ``fresh`` ones.

    The same tests and case ids, and stored observations that the grader's own judge accepts
    against the fresh ones, as it would a student's: another CPU may round the last bits of a
    float differently (torch picks its vectorised kernels by the processor's features), so a
    byte comparison would call data built on one machine out of date on the next.
    """
    from autograder.checks import KINDS
    from autograder.spec import BY_NAME
    from autograder.verdict.cases import public_cases

    if stored.keys() != fresh.keys():
        return [f"tests {sorted(stored)} instead of {sorted(fresh)}"]
    problems = []
    for name, observations in fresh.items():
        if stored[name].keys() != observations.keys():
            problems.append(f"{name}: cases {sorted(stored[name])}, not {sorted(observations)}")
            continue
        test, cases = BY_NAME[name], public_cases(name)
        ids = [case.id for case in cases]
        findings = KINDS[test.kind].judge(
            test, cases, [stored[name][i] for i in ids], [observations[i] for i in ids]
        )
        problems += [f"{name}: {finding.message}" for finding in findings]
    return problems
