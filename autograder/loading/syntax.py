"""Python source, read and never run: parsing quietly, the names a statement binds, its lines.

Shared by the stages that read code as text: ``load`` (a submission's answer cells), ``needed``
(the self-check's diet), ``authoring`` (answer cells from the reference solutions) and ``release``
(the bundle's closure check). Nothing here executes the code it reads, and nothing raises on code
that does not parse.
"""

from __future__ import annotations

import ast
import functools
import io
import tokenize
import warnings
from pathlib import PurePath


# A submission's cells are parsed more than once (load strips magics, then splits what does not
# parse), and the cells the release gave every student recur across a batch.
@functools.lru_cache(maxsize=128)
def parse(code: str) -> ast.Module | None:
    """The module's syntax tree, or None where it does not parse (a null byte included).

    Quiet: a SyntaxWarning (an invalid escape in a student's string) must not reach stderr,
    where nbgrader scores a test cell 0.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(code)
    except (SyntaxError, ValueError):
        return None


def syntax_error(code: str) -> SyntaxError:
    """Why ``code`` does not parse (a generic "invalid syntax" where it does)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(code)
    except SyntaxError as error:
        return error
    except ValueError as error:
        return SyntaxError(str(error))
    return SyntaxError("invalid syntax")


def bound_names(node: ast.stmt) -> list[str]:
    """The top-level names a statement binds: a definition's name, an import's first component,
    an assignment's (augmented or annotated) target names; none for any other statement."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [(alias.asname or alias.name).split(".")[0] for alias in node.names]
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    return [
        sub.id
        for target in targets
        for sub in ast.walk(target)
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store)
    ]


def first_line(node: ast.stmt) -> int:
    """The 1-based line a statement starts on, its decorators included."""
    return min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])


def last_line(node: ast.stmt) -> int:
    """The 1-based line a statement ends on."""
    return node.lineno if node.end_lineno is None else node.end_lineno


def line_indexes(node: ast.stmt) -> set[int]:
    """The 0-based indexes of a statement's lines, decorators included."""
    return set(range(first_line(node) - 1, last_line(node)))


def segment(lines: list[str], node: ast.stmt) -> str:
    """The source lines of a statement, decorators included."""
    return "\n".join(lines[first_line(node) - 1 : last_line(node)])


def logical_line_ends(code: str) -> list[int]:
    """Line numbers where logical lines end (a ``def`` header may span several lines)."""
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    return [token.start[0] for token in tokens if token.type == tokenize.NEWLINE]


def module_name(relative: PurePath) -> str:
    """A ``.py`` file's dotted module name from its path below the package's parent folder:
    ``autograder/checks/step.py`` -> ``autograder.checks.step``; a package by its ``__init__``."""
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)
