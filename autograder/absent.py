"""Why an answer is missing, in one line that leads with the cause.

Built from what loading found (``Submission.problems``, the names each chunk defines), never by
reading the file again. In order: a syntax error in the answer's own cell ("syntax error at line
4 of the cell whose grade_id is `nesterov_step`"); a file that could not be read at all; a name
close to the answer's ("did you mean `rmsprop_step`?", ``difflib``); else where to write it.
Problems in cells that no answer needs are not mentioned: they are not why this answer is
missing.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from .result import Finding

# A problem of ``load``: "cell 17 (grade_id nesterov_step): syntax error (line 4: invalid
# syntax; ...); ...". The cell's number is not shown to students (Jupyter shows none).
_SYNTAX = re.compile(r"\(grade_id (?P<id>[^)]+)\): syntax error \((?P<what>.*?)\);")
_ANY_SYNTAX = re.compile(r"^(?P<where>[^()]*?): syntax error \((?P<what>.*?)\);")
_LINE = re.compile(r"line (?P<line>\d+): (?P<message>[^;]*)")
# Problems that mean nothing of the file could be used.
_WHOLE_FILE = ("not valid JSON", "not a notebook", "Could not read", "was stopped", "crashed")


def explain(answer: str, problems: Iterable[str], defined: Iterable[str]) -> Finding:
    """The finding for a missing ``answer``: its cause first, in one line."""
    problems = list(problems)
    for problem in problems:
        match = _SYNTAX.search(problem)
        if match and match.group("id") == answer:
            return Finding(
                "missing", _syntax(answer, match.group("what")), None, {"answer": answer}
            )
    elsewhere = [problem for problem in problems if _ANY_SYNTAX.search(problem)]
    whole = [problem for problem in problems if any(word in problem for word in _WHOLE_FILE)]
    if whole:
        return Finding(
            "missing", f"`{answer}` could not be read: {whole[0]}", None, {"answer": answer}
        )
    near = difflib.get_close_matches(answer, sorted(set(defined) - {answer}), n=1, cutoff=0.75)
    if near:
        return Finding(
            "missing",
            f"`{answer}` is not defined, but `{near[0]}` is: did you mean `{answer}`? Rename "
            f"it to `{answer}` (the grader looks for that exact name).",
            None,
            {"answer": answer, "near": near[0]},
        )
    if elsewhere:  # a .py file, or a cell without grade_id: it may hold the definition
        match = _ANY_SYNTAX.search(elsewhere[0])
        return Finding(
            "missing",
            f"`{answer}` is not defined, perhaps because of the syntax error in "
            f"{match.group('where')} ({match.group('what')}): fix it first.",
            None,
            {"answer": answer},
        )
    return Finding(
        "missing",
        f"`{answer}` is not defined: write it in the answer cell whose grade_id is `{answer}` "
        "(or at the top level of your .py file).",
        None,
        {"answer": answer},
    )


def _syntax(answer: str, what: str) -> str:
    match = _LINE.search(what)
    where = f" at line {match.group('line')}" if match else ""
    reason = f" ({match.group('message').strip()})" if match else f" ({what})"
    return (
        f"`{answer}` could not be read: syntax error{where} of the cell whose grade_id is "
        f"`{answer}`{reason}. Fix that line and run the cell again."
    )
