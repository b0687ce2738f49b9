"""Flag, for the instructor, submissions whose source uses the grader's escape hatches.

None of these is forbidden in itself, and a flag never changes a score (the sandbox and the
judges decide scores): it is a line in the student's report and a column in ``grades.csv``, so
that an instructor can read the few submissions that reach for frames, the garbage collector,
``sys.modules``, torch's dispatcher or ``ctypes``: the tools of a student trying to forge a grade.

The scan reads the submission's text (a notebook's JSON or a ``.py`` file) with regular
expressions, in time linear in its size: no parsing, so a hostile file costs the grader nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class EscapeHatch:
    """One row of the table: what it is called in a flag, and the pattern that finds it."""

    name: str
    pattern: str


HATCHES: tuple[EscapeHatch, ...] = (
    EscapeHatch(
        "frame introspection",
        r"\bsys\s*\.\s*_getframe\b|\bf_(?:back|locals|globals)\b"
        r"|\binspect\s*\.\s*(?:currentframe|stack|getouterframes)\b",
    ),
    EscapeHatch("garbage-collector walk", r"\bgc\s*\.\s*get_(?:objects|referrers|referents)\b"),
    EscapeHatch("sys.modules edits", r"\bsys\s*\.\s*modules\b"),
    EscapeHatch("torch's dispatcher", r"\btorch\s*\.\s*(?:ops|_C|library)\b|\b_fused_\w+"),
    EscapeHatch(
        "torch.optim internals",
        r"\btorch\s*\.\s*optim\s*\.\s*(?:_functional|adam|sgd|adagrad|rmsprop)\b"
        r"|\b_single_tensor_\w+|\b_multi_tensor_\w+",
    ),
    EscapeHatch("ctypes", r"\bctypes\b"),
    EscapeHatch("import machinery", r"\bimportlib\b|\b__import__\b"),
    EscapeHatch("function internals", r"__(?:closure|code|globals)__"),
    EscapeHatch(  # the notebook's own imports (notebook, sketch, surfaces) excepted
        "the grader's modules", r"\bautograder\s*\.\s*(?!(?:notebook|sketch|surfaces)\b)\w+"
    ),
    EscapeHatch(
        "raw descriptors or processes",
        r"\bos\s*\.\s*(?:write|fork|forkpty|execv\w*|dup2?|kill)\b|/proc/",
    ),
)
_COMPILED = tuple((hatch.name, re.compile(hatch.pattern)) for hatch in HATCHES)


def escape_hatches(text: str) -> list[str]:
    """The names of the escape hatches ``text`` uses, each with its first line number."""
    found = []
    for name, pattern in _COMPILED:
        match = pattern.search(text)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{name} (line {line}: {match.group(0).strip()[:40]})")
    return found
