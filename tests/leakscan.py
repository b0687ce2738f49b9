"""What a leak looks like, as data: the instructor's code, cases and answers, and scanners that
look for them in what students see (the student bundle, Gradescope's feedback).

Used by ``tests/test_release.py``. Everything is compared in normalised form, so a copy survives
neither reformatting nor a changed docstring:

- a function body is its ``ast.dump`` without the docstring, line numbers or contexts;
- a statement is the same, one simple statement at a time (a partial copy of a body);
- a source line is stripped of indentation and comments;
- a number is compared as a float, to 5 significant digits (however it was formatted); round
  numbers (0.01, 1.25e-8: hyperparameters as often as values) and shorter ones are not compared.
"""

from __future__ import annotations

import ast
import itertools
import json
import math
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from autograder.spec import ALGORITHMS

# Bodies and statements with fewer AST nodes than this (``pass``, ``return None``, ``x = 0``)
# are too common to prove anything when they match.
MIN_BODY_NODES = 8
MIN_STATEMENT_NODES = 10
# Source lines shorter than this (``return None``, ``state = {}``) prove nothing either.
MIN_LINE = 24
_MAGIC = re.compile(r"(?m)^(\s*)(?:[%!].*)$")
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


# --- sources ---------------------------------------------------------------------------------


def notebook_code(data: bytes | str) -> list[str]:
    """The code cells of a notebook, magics and shell lines made ``pass``."""
    cells = json.loads(data)["cells"]
    return [
        _MAGIC.sub(r"\1pass", "".join(cell["source"]))
        for cell in cells
        if cell["cell_type"] == "code"
    ]


def python_sources(files: dict[str, bytes]) -> Iterator[tuple[str, str]]:
    """(label, source) of every ``.py`` file and every notebook code cell among ``files``."""
    for name, data in sorted(files.items()):
        if name.endswith(".py"):
            yield name, data.decode("utf-8", errors="replace")
        elif name.endswith(".ipynb"):
            for number, code in enumerate(notebook_code(data), start=1):
                yield f"{name} cell {number}", code


def instructor_sources(root: Path) -> Iterator[tuple[str, str]]:
    """Every piece of instructor code: ``solutions/**/*.py`` (but what nbgrader released from
    ``solutions/<assignment>/`` into ``assignments/<assignment>/``: the public self-check) and the
    solution cells of the source notebooks."""
    solutions = root / "solutions"
    for path in sorted(solutions.rglob("*.py")):
        released = root / "assignments" / path.relative_to(solutions)
        if not released.is_file():
            yield str(path.relative_to(root)), path.read_text()
    for path in sorted(solutions.rglob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        for number, cell in enumerate(cells, start=1):
            nbgrader = cell.get("metadata", {}).get("nbgrader", {})
            if cell["cell_type"] == "code" and nbgrader.get("solution"):
                code = _MAGIC.sub(r"\1pass", "".join(cell["source"]))
                yield f"{path.relative_to(root)} cell {number}", code


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


# --- normalised code -------------------------------------------------------------------------


def _size(nodes: Iterable[ast.AST]) -> int:
    return sum(
        1 for node in nodes for child in ast.walk(node) if not isinstance(child, ast.expr_context)
    )


def _without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    first = body[0] if body else None
    is_doc = isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant)
    return body[1:] if is_doc and isinstance(first.value.value, str) else body


def _dump(nodes: list[ast.stmt]) -> str:
    return "\n".join(ast.dump(node, include_attributes=False) for node in nodes)


def function_bodies(sources: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Normalised body -> ``label: function name``, for every non-trivial function or method."""
    found = {}
    for label, source in sources:
        tree = _parse(source)
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                body = node.body if isinstance(node.body, list) else [ast.Return(node.body)]
                body = _without_docstring(body)
                if _size(body) >= MIN_BODY_NODES:
                    found.setdefault(_dump(body), f"{label}: {getattr(node, 'name', 'lambda')}")
    return found


def statements(sources: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Normalised simple statement -> ``label: its text``, for every non-trivial statement
    inside a function or method."""
    found = {}
    for label, source in sources:
        tree = _parse(source)
        functions = [
            node
            for node in (ast.walk(tree) if tree else ())
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        for function in functions:
            for node in ast.walk(ast.Module(_without_docstring(function.body), [])):
                simple = isinstance(node, ast.stmt) and not hasattr(node, "body")
                if simple and _size([node]) >= MIN_STATEMENT_NODES:
                    found.setdefault(_dump([node]), f"{label}: {ast.unparse(node)}")
    return found


def code_lines(sources: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Stripped line -> label, for every line of a function body (docstrings excepted) at
    least ``MIN_LINE`` long: what a copy or a quoted traceback would show."""
    found = {}
    for label, source in sources:
        tree = _parse(source)
        lines = source.splitlines()
        functions = [
            node
            for node in (ast.walk(tree) if tree else ())
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        for function in functions:
            for statement in _without_docstring(function.body):
                for line in lines[statement.lineno - 1 : statement.end_lineno]:
                    text = line.split("#", 1)[0].strip()
                    header = text.endswith(":") or text.startswith(("def ", "class ", "@"))
                    if len(text) >= MIN_LINE and not header:
                        found.setdefault(text, f"{label}: {text}")
    return found


# --- flash cards ---------------------------------------------------------------------------


def flashcard_key(root: Path) -> dict[str, str]:
    """The answer key, card id -> algorithm, from ``solutions/flashcard_key.json`` (whose cards
    map to the algorithm's name, or to a record with an ``algorithm``)."""
    path = root / "solutions" / "flashcard_key.json"
    data = json.loads(path.read_text())
    cards = data.get("cards", data)
    key = {
        str(card): str(value["algorithm"] if isinstance(value, dict) else value)
        for card, value in cards.items()
    }
    assert key and set(key.values()) <= set(ALGORITHMS), f"unexpected key format in {path}"
    return key


def algorithm_pattern() -> re.Pattern:
    words = {name for name in ALGORITHMS} | {name.replace("_", " ") for name in ALGORITHMS}
    words |= {"gradient descent", "stochastic", "rms ?prop", "ada ?grad"}
    return re.compile("|".join(sorted(words, key=len, reverse=True)), re.IGNORECASE)


# --- numbers ---------------------------------------------------------------------------------


def floats(data) -> Iterator[float]:
    """Every float in a JSON-like structure (ints and bools are ids, counts and flags)."""
    if isinstance(data, float) and math.isfinite(data):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from floats(value)
    elif isinstance(data, list | tuple):
        for value in data:
            yield from floats(value)


def updates(data) -> Iterator[float]:
    """Every update (difference between consecutive steps, element by element) of every
    ``trajectory`` in a JSON-like structure: what a step check's feedback quotes."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "trajectory" and isinstance(value, list):
                for before, after in itertools.pairwise(value):
                    yield from (b - a for a, b in zip(floats(before), floats(after)))
            else:
                yield from updates(value)
    elif isinstance(data, list | tuple):
        for value in data:
            yield from updates(value)


def significant(value: float, digits: int = 5) -> str:
    """``|value|`` to ``digits`` significant digits: the key two spellings of a number share
    (signs are left out: an update may be quoted as a step taken or as a change of ``param``)."""
    return f"{abs(value):.{digits - 1}e}"


def is_round(key: str) -> bool:
    """Is this number (a ``significant`` key) round, like 0.01 or 1.25e-8? Round numbers are
    hyperparameters and step counts as often as values: they prove nothing."""
    mantissa = key.split("e")[0].lstrip("-").replace(".", "").rstrip("0")
    return len(mantissa) <= 3


def numbers_in(text: str, digits: int = 5) -> set[str]:
    """Every number written in ``text`` with at least ``digits`` significant digits, as a
    ``significant`` key (shorter numbers, "0.5" or "1e-3", are everywhere)."""
    found = set()
    for token in _NUMBER.findall(text):
        mantissa = re.split("[eE]", token.lstrip("+-"))[0].replace(".", "").strip("0")
        if len(mantissa) >= digits:
            found.add(significant(float(token), digits))
    return found
