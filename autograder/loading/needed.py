"""Keep only the code the answers need: the self-check's diet.

``load`` keeps every top-level import and definition of a notebook, so the batch grader runs what
the notebook would. The self-check must start fast (a student runs it again and again), and the
course notebook's first cell imports matplotlib — which costs more than grading everything. So
before it runs a submission, the self-check drops every import, function, class and plain
assignment that no answer reaches:

.. math::
    \\text{needed} = \\text{answer names} \\cup \\bigcup_{s \\text{ kept}} \\text{names used by } s,
    \\qquad s \\text{ kept} \\iff s \\text{ binds a needed name, or } s \\text{ binds nothing}

(iterated to a fixed point). A statement that binds no name (``if``, ``for``, ``try`` ...) and every
``from __future__`` import are always kept; dropped lines become blank lines, so tracebacks keep
the cell's line numbers.
"""

from __future__ import annotations

import ast
import dataclasses

from autograder.loading.syntax import bound_names, line_indexes, parse
from autograder.spec import ANSWER_NAMES

# Statements that only bind names: dropped when none of their names is needed.
BINDING = (
    ast.Import,
    ast.ImportFrom,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Assign,
    ast.AnnAssign,
)


def needed_only(submission):
    """A copy of ``submission`` (``load.Submission``) whose chunks hold only what answers need."""
    trees = [parse(chunk.code) for chunk in submission.chunks]
    nodes = [node for tree in trees if tree for node in tree.body]
    kept = reachable(nodes)
    chunks = []
    for chunk, tree in zip(submission.chunks, trees):
        if tree is None:  # cannot happen for load's chunks; keep what we cannot read
            chunks.append(chunk)
            continue
        code = _blank_out(chunk.code, tree.body, kept)
        bound = set().union(*(_bound(node) for node in tree.body if id(node) in kept))
        defines = tuple(name for name in chunk.defines if name in bound)
        if code.strip():
            chunks.append(dataclasses.replace(chunk, code=code, defines=defines))
    return dataclasses.replace(submission, chunks=chunks)


def reachable(nodes: list[ast.stmt]) -> set[int]:
    """The ids of the statements to keep (see the module docstring): the least fixed point,
    found with a worklist of needed names, each statement visited once (linear in the code)."""
    binders: dict[str, list[ast.stmt]] = {}
    work: list[ast.stmt] = []
    for node in nodes:
        if _keeps(node, set()):  # binds nothing, or a __future__ import: always kept
            work.append(node)
        for name in _bound(node):
            binders.setdefault(name, []).append(node)
    needed: set[str] = set()
    pending = list(ANSWER_NAMES)
    kept: set[int] = set()
    while work or pending:
        if work:
            node = work.pop()
            if id(node) not in kept:
                kept.add(id(node))
                pending += _used(node) - needed
            continue
        name = pending.pop()
        if name not in needed:
            needed.add(name)
            work += binders.pop(name, [])
    return kept


def _keeps(node: ast.stmt, needed: set[str]) -> bool:
    if not isinstance(node, BINDING):
        return True
    if isinstance(node, ast.ImportFrom) and node.module == "__future__":
        return True
    return bool(_bound(node) & needed)


def _bound(node: ast.stmt) -> set[str]:
    return set(bound_names(node)) if isinstance(node, BINDING) else set()


def _used(node: ast.stmt) -> set[str]:
    """Every name the statement mentions (function bodies and decorators included)."""
    return {sub.id for sub in ast.walk(node) if isinstance(sub, ast.Name)}


def _blank_out(code: str, body: list[ast.stmt], kept: set[int]) -> str:
    """``code`` with the lines of the statements not kept emptied."""
    blank = set().union(*(line_indexes(node) for node in body if id(node) not in kept))
    if not blank:
        return code
    if blank & set().union(*(line_indexes(node) for node in body if id(node) in kept)):
        return code  # statements sharing a line (``a = 1; import b``): keep the chunk whole
    return "\n".join("" if index in blank else line for index, line in enumerate(code.splitlines()))
