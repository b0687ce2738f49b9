"""Flag, for the instructor, submissions whose source uses the grader's escape hatches.

None of these is forbidden in itself, and a flag never changes a score (the sandbox and the
judges decide scores): it is a line in the student's report and a column in ``grades.csv``, so
that an instructor can read the few submissions that reach for frames, the garbage collector,
``sys.modules``, torch's dispatcher or ``ctypes``: the tools of a student trying to forge a grade.

The scan reads the submission's text (a notebook's JSON or a ``.py`` file) with regular
expressions, in time linear in its size: no parsing, so a hostile file costs the grader nothing.
A pattern runs only where one of its row's ``needles`` (plain substrings, one of which is in
every match) occurs: most rows then cost a substring search, not a regular expression's scan
(about 7 ms a notebook for the whole table otherwise, twice a submission).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class EscapeHatch:
    """One row of the table: what it is called in a flag, the pattern that finds it, and
    substrings one of which every match of the pattern contains (``tests/test_flags.py`` checks
    it on strings drawn from the pattern)."""

    name: str
    pattern: str
    needles: tuple[str, ...]


HATCHES: tuple[EscapeHatch, ...] = (
    EscapeHatch(
        "frame introspection",
        r"\bsys\s*\.\s*_getframe\b|\bf_(?:back|locals|globals)\b"
        r"|\binspect\s*\.\s*(?:currentframe|stack|getouterframes)\b",
        ("_getframe", "f_back", "f_locals", "f_globals", "inspect"),
    ),
    EscapeHatch(
        "garbage-collector walk",
        r"\bgc\s*\.\s*get_(?:objects|referrers|referents)\b",
        ("get_objects", "get_referrers", "get_referents"),
    ),
    EscapeHatch("sys.modules edits", r"\bsys\s*\.\s*modules\b", ("modules",)),
    EscapeHatch(
        "torch's dispatcher",
        r"\btorch\s*\.\s*(?:ops|_C|library)\b|\b_fused_\w+",
        ("ops", "_C", "library", "_fused_"),
    ),
    EscapeHatch(
        "torch.optim internals",
        r"\btorch\s*\.\s*optim\s*\.\s*(?:_functional|adam|sgd|adagrad|rmsprop)\b"
        r"|\b_single_tensor_\w+|\b_multi_tensor_\w+",
        ("optim", "_single_tensor_", "_multi_tensor_"),
    ),
    EscapeHatch("ctypes", r"\bctypes\b", ("ctypes",)),
    EscapeHatch("import machinery", r"\bimportlib\b|\b__import__\b", ("importlib", "__import__")),
    EscapeHatch(
        "function internals",
        r"__(?:closure|code|globals)__",
        ("__closure__", "__code__", "__globals__"),
    ),
    EscapeHatch(  # the notebook's own imports (notebook, sketch, surfaces) excepted
        "the grader's modules",
        r"\bautograder\s*\.\s*(?!(?:notebook|sketch|surfaces)\b)\w+"
        r"|\bfrom\s+autograder\s+import\s+\(?\s*(?!(?:notebook|sketch|surfaces)\b)\w+",
        ("autograder",),
    ),
    EscapeHatch(
        "raw descriptors or processes",
        r"\bos\s*\.\s*(?:write|fork|forkpty|execv\w*|dup2?|kill)\b|/proc/",
        ("write", "fork", "execv", "dup", "kill", "/proc/"),
    ),
)
_COMPILED = tuple((hatch, re.compile(hatch.pattern)) for hatch in HATCHES)


def escape_hatches(text: str) -> list[str]:
    """The names of the escape hatches ``text`` uses, each with its first line number."""
    found = []
    for hatch, pattern in _COMPILED:
        match = any(needle in text for needle in hatch.needles) and pattern.search(text)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{hatch.name} (line {line}: {match.group(0).strip()[:40]})")
    return found
