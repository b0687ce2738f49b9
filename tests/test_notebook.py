"""The course notebook as students meet it: its math renders, the solution runs top to bottom, and
in the release only the cells that need an unwritten exercise fail — with the stub's message.

Execution uses nbclient with the notebook's own folder as working directory (the notebook finds
``autograder`` in a parent folder of a checkout when it is not installed). Run with ``-s`` to see
how long each notebook takes.
"""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path

import nbformat
import pytest
from matplotlib.mathtext import MathTextParser
from nbclient import NotebookClient
from traitlets.config.loader import PyFileConfigLoader

from autograder.spec import ANSWER_NAMES

SOURCE = Path("solutions") / "optimisation" / "optimisation.ipynb"
RELEASE = Path("assignments") / "optimisation" / "optimisation.ipynb"
MAX_OUTPUT_LINES = 50
# The whole solution notebook on 2 shared CPU cores, kernel start-up included.
MAX_SECONDS = 240

# --- math ---

_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
_INLINE = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$", re.DOTALL)
# Environments MathJax renders and matplotlib's mathtext (the checker below) does not know.
_ALIGNED = re.compile(r"\\(begin|end)\{aligned\}")


def formulas(markdown: str) -> list[str]:
    """Every formula of a markdown cell, display and inline, outside code."""
    text = _CODE.sub("", markdown)
    display = _DISPLAY.findall(text)
    inline = _INLINE.findall(_DISPLAY.sub("", text))
    return [*display, *inline]


def formula_lines(formula: str) -> list[str]:
    """The rows of an ``aligned`` block, without alignment marks: what mathtext can check."""
    rows = _ALIGNED.sub("", formula).split(r"\\")
    return [row.replace("&", "").strip() for row in rows if row.strip()]


def markdown_cells(root: Path) -> list[str]:
    notebook = nbformat.read(root / SOURCE, as_version=4)
    return [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]


def test_math_is_delimited(root):
    """Does every markdown cell have balanced $ delimiters and braces in each formula?"""
    for source in markdown_cells(root):
        text = _CODE.sub("", source)
        assert text.count("$$") % 2 == 0, source[:80]
        assert (text.replace("$$", "").count("$") - text.count(r"\$")) % 2 == 0, source[:80]
        for formula in formulas(source):
            assert formula.count("{") == formula.count("}"), formula


def test_math_parses(root):
    """Does every formula parse as TeX math (matplotlib's mathtext, row by row)?"""
    parser = MathTextParser("path")
    checked = 0
    for source in markdown_cells(root):
        for formula in formulas(source):
            for line in formula_lines(formula):
                parser.parse(f"${line}$")
                checked += 1
    assert checked > 50  # the update rules are there, as math


def test_every_algorithm_has_its_update_rule_as_display_math(root):
    """Does each algorithm's section show its update rule as a display formula?"""
    text = "\n".join(markdown_cells(root))
    display = " ".join(_DISPLAY.findall(text))
    for symbol in (
        r"\nabla f(x_k)",
        r"\gamma \, g_t",
        r"\mu \, b_{t-1}",
        r"\mu \, b_t)",
        r"G_{t-1} + g_t^2",
        r"(1 - \alpha) \, g_t^2",
        r"\hat m_t",
    ):
        assert symbol in display, symbol


# --- execution ---


def execute(path: Path) -> tuple[nbformat.NotebookNode, dict[str, float]]:
    """Run a notebook in its own folder, errors kept as outputs; returns it and cell timings."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=MAX_SECONDS,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    timings: dict[str, float] = {}
    start = time.perf_counter()
    with client.setup_kernel():
        timings["kernel start"] = time.perf_counter() - start
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "code":
                began = time.perf_counter()
                client.execute_cell(cell, index)
                timings[cell.id] = time.perf_counter() - began
    timings["total"] = time.perf_counter() - start
    slowest = sorted((t, c) for c, t in timings.items() if c != "total")[-3:]
    print(f"\n{path}: {timings['total']:.1f} s; slowest: {slowest}")
    return notebook, timings


def errors(cell) -> list:
    return [output for output in cell.get("outputs", []) if output.output_type == "error"]


def output_lines(cell) -> int:
    """Lines a cell shows: its streams (a progress bar's carriage returns redraw one line) and
    text results."""
    text = "".join(
        output.get("text", "") or output.get("data", {}).get("text/plain", "")
        for output in cell.get("outputs", [])
        if output.output_type != "error" and "image/png" not in output.get("data", {})
    )
    return text.count("\n")


def grade_cell(cell) -> bool:
    return cell.metadata.get("nbgrader", {}).get("grade", False)


@pytest.fixture(scope="module")
def solution_run(root):
    return execute(root / SOURCE)


@pytest.fixture(scope="module")
def release_run(root):
    return execute(root / RELEASE)


@pytest.mark.slow
def test_solution_runs_top_to_bottom(solution_run):
    """Does every cell of the solution notebook run without an error, within the time budget?"""
    notebook, timings = solution_run
    failed = {cell.id: errors(cell)[0].evalue[:300] for cell in notebook.cells if errors(cell)}
    assert failed == {}
    assert timings["total"] < MAX_SECONDS


@pytest.mark.slow
def test_solution_grade_cells_are_silent(solution_run):
    """Do the solution's test cells write nothing (nbgrader scores stderr output 0)?"""
    notebook, _ = solution_run
    for cell in notebook.cells:
        if grade_cell(cell) and cell.metadata["nbgrader"]["grade_id"] != "flashcards":
            assert cell.outputs == [], cell.metadata["nbgrader"]["grade_id"]


@pytest.mark.slow
def test_solution_outputs_are_short_and_plots_inline(solution_run):
    """Does no cell print more than a screenful, and do the plots appear inline?"""
    notebook, _ = solution_run
    for cell in notebook.cells:
        assert output_lines(cell) <= MAX_OUTPUT_LINES, cell.id
        assert not any(output.get("name") == "stderr" for output in cell.get("outputs", [])), (
            cell.id
        )
    images = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]
    assert len(images) >= 6


def stub_message(root: Path) -> str:
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    stub = config.ClearSolutions.code_stub["python"]
    return ast.literal_eval(stub.split("NotImplementedError(", 1)[1].rsplit(")", 1)[0])


def cells_using_answers(notebook) -> set[str]:
    """Ids of the code cells that use a name the student writes, directly or through a name an
    earlier statement bound from one (``MY_OPTIMISERS = {"sgd": ... sgd_step ...}``), and of the
    answer cells themselves (the flash-card stub is only its ``raise``)."""
    tainted, using = set(ANSWER_NAMES), set()
    for cell in notebook.cells:
        if cell.cell_type != "code" or grade_cell(cell):
            continue
        if cell.metadata.get("nbgrader", {}).get("grade_id") in ANSWER_NAMES:
            using.add(cell.id)
        source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%"))
        for statement in ast.parse(source).body:
            names = {node.id for node in ast.walk(statement) if isinstance(node, ast.Name)}
            if names & tainted:
                using.add(cell.id)
                tainted |= bound_names(statement)
    return using


def bound_names(statement: ast.stmt) -> set[str]:
    if isinstance(statement, ast.FunctionDef | ast.ClassDef):
        return {statement.name}
    return {
        node.id
        for node in ast.walk(statement)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }


@pytest.mark.slow
def test_release_fails_only_where_an_exercise_is_missing(release_run, root):
    """In the untouched release, does every error come from an unwritten exercise?

    The rule: a test cell fails with the grader's feedback scoring 0 (AssertionError); a cell
    that uses an answer name may fail with the stub's NotImplementedError and its message; every
    other cell (set-up, demonstrations with torch.optim, the experiment, the flash cards) runs
    cleanly.
    """
    notebook, _ = release_run
    message = stub_message(root)
    using = cells_using_answers(notebook)
    stubbed = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or not errors(cell):
            continue
        (error,) = errors(cell)
        if grade_cell(cell):
            assert error.ename == "AssertionError", (cell.id, error.ename, error.evalue)
            test = cell.metadata["nbgrader"]["grade_id"].removeprefix("test_")
            assert error.evalue.startswith(f"{test}: 0/"), error.evalue  # feedback, scored 0
        else:
            assert cell.id in using, (cell.id, error.ename, error.evalue)
            assert (error.ename, error.evalue) == ("NotImplementedError", message), cell.id
            stubbed.append(cell.id)
    assert stubbed  # the demonstrations that use the student's code do wait for it


@pytest.mark.slow
def test_release_runs_what_needs_no_exercise(release_run):
    """Does the release still show its plots, the experiment with torch.optim and short outputs?"""
    notebook, timings = release_run
    experiment = next(cell for cell in notebook.cells if "compare(optimisers" in cell.source)
    assert not errors(experiment)
    assert any("image/png" in output.get("data", {}) for output in experiment.outputs)
    assert all(output_lines(cell) <= MAX_OUTPUT_LINES for cell in notebook.cells)
    assert timings["total"] < MAX_SECONDS
