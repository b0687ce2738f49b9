"""Why an answer is missing, in one line that leads with the cause.

Built from what loading found (``Submission.problems``, the names each chunk defines), never by
reading the file again. In order: a syntax error in the answer's own cell ("syntax error at line
4 of the cell whose grade_id is `nesterov_step`"); its own cell raising before it defines the
answer (the stub's ``raise NotImplementedError`` left above a pasted answer); a file that could
not be read at all; a name close to the answer's ("did you mean `rmsprop_step`?", ``difflib``);
else where to write it.
Problems in cells that no answer needs are not mentioned: they are not why this answer is
missing.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from autograder.reports.result import Finding, TestResult
from autograder.spec import ANSWER_NAMES, BY_NAME

# A problem of ``load``: "cell 17 (grade_id nesterov_step): syntax error (line 4: invalid
# syntax in 'for i in range(3)'; line 9: ...); ...", the broken line's text as a Python string
# literal (it may hold ";" or ")"). The cell's number is not shown to students (Jupyter shows
# none).
_SYNTAX = re.compile(r"\(grade_id (?P<id>[^)]+)\): syntax error \((?P<what>.*)\);")
_ANY_SYNTAX = re.compile(r"^(?P<where>[^()]*?): syntax error \((?P<what>.*)\);")
_LITERAL = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
_LINE = re.compile(
    rf"line (?P<line>\d+): (?P<message>.*?)(?: in (?P<text>{_LITERAL}))?(?:; line \d+: |$)", re.S
)
# An answer cell that raised when it ran (``load.exec_chunk``, in the self-check): "cell 52
# (grade_id FLASHCARD_ANSWERS), line 1: NotImplementedError: Replace this line ...".
_RAISED = re.compile(r"\(grade_id (?P<id>[^)]+)\), line \d+: (?P<type>\w+): (?P<message>.*)")
# The last frame of the student's code in an error's traceback: "File "<cell 11 (grade_id
# sgd_step)>", line 14, in sgd_step".
_FRAME = re.compile(r'File "<(?P<label>[^>]*)>", line \d+, in (?P<function>\w+)')
_GRADE_ID = re.compile(r"\(grade_id (?P<id>[^)]+)\)")
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
    for stop in stops(problems):
        if stop.grade_id == answer:
            return Finding(
                "missing",
                f"The cell whose grade_id is `{answer}` {stop.raises}, so `{answer}` is not "
                f"defined: {stop.fix}.",
                None,
                {"answer": answer},
            )
    elsewhere = [match for problem in problems if (match := _ANY_SYNTAX.search(problem))]
    whole = [problem for problem in problems if any(word in problem for word in _WHOLE_FILE)]
    if whole:
        return Finding(
            "missing", f"`{answer}` could not be read: {whole[0][:200]}", None, {"answer": answer}
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
        match = elsewhere[0]
        return Finding(
            "missing",
            f"`{answer}` is not defined, perhaps because of the syntax error in "
            f"{match.group('where')} ({_said(match.group('what'))}): fix it first.",
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
    match = _LINE.match(what)
    where = f" at line {match.group('line')}" if match else ""
    reason = f" ({match.group('message').strip()})" if match else f" ({what})"
    quoted = f": {_quoted(match.group('text'))}" if match and match.group("text") else ""
    return (
        f"`{answer}` could not be read: syntax error{where} of the cell whose grade_id is "
        f"`{answer}`{reason}{quoted}. Fix that line and run the cell again."
    )


def _said(what: str) -> str:
    """The first broken line of a file or unnamed cell: "line 3: expected ':', at `def ...`"."""
    match = _LINE.match(what)
    if not match:
        return what
    said = f"line {match.group('line')}: {match.group('message').strip()}"
    return said + (f", at {_quoted(match.group('text'))}" if match.group("text") else "")


def _quoted(literal: str) -> str:
    """The student's broken line, from its string literal, as a code span (in quotes if it
    holds a backtick, which would end the span)."""
    text = ast.literal_eval(literal)
    return f"'{text}'" if "`" in text else f"`{text}`"


@dataclass(frozen=True)
class Stop:
    """An answer cell that raises when it runs: where Restart & Run All would stop."""

    grade_id: str
    type: str
    message: str

    @property
    def stub(self) -> bool:
        return self.type == "NotImplementedError"

    @property
    def raises(self) -> str:
        if self.stub:
            return "stops at the stub's `raise NotImplementedError`"
        return f"raises {self.type} ({self.message[:200]})"

    @property
    def fix(self) -> str:
        if self.stub:
            return "delete that line (your answer goes in its place) and run the cell again"
        return "fix it and run the cell again"

    def warning(self) -> str:
        """The self-check's line: the notebook cannot run top to bottom."""
        return (
            f"Restart & Run All would stop at the cell whose grade_id is `{self.grade_id}`: it "
            f"{self.raises}. {self.fix[0].upper()}{self.fix[1:]}."
        )


def stops(problems: Iterable[str]) -> list[Stop]:
    """The answer cells that raised when they ran, once each, in order."""
    found: dict[str, Stop] = {}
    for problem in problems:
        match = _RAISED.search(problem)
        if match and match.group("id") in ANSWER_NAMES:
            stop = Stop(match.group("id"), match.group("type"), match.group("message").strip())
            found.setdefault(stop.grade_id, stop)
    return list(found.values())


def unwritten(result: TestResult) -> Finding | None:
    """One finding for an answer that raises NotImplementedError in every case (an untouched
    stub, or a ``raise`` the student has not replaced yet), that leads with the cause; None
    for any other result."""
    findings = result.findings
    if not findings or any(
        finding.kind != "error" or finding.details.get("type") != "NotImplementedError"
        for finding in findings
    ):
        return None
    answer = BY_NAME[result.name].answer
    frames = _FRAME.findall(findings[0].details.get("traceback", ""))
    where = ""
    if frames:
        label, function = frames[-1]
        cell = _GRADE_ID.search(label)
        where = " (its `raise`" if function == answer else f" (the `raise` in `{function}`"
        where += f", in the cell whose grade_id is `{cell.group('id')}`)" if cell else ")"
    cases = {1: "its public case", 2: "both public cases"}.get(
        len(findings), f"all {len(findings)} public cases"
    )
    return Finding(
        "missing",
        f"Not written yet: `{answer}` raises NotImplementedError in {cases}{where}. Replace "
        "it with your answer.",
        None,
        {"answer": answer, "cases": len(findings)},
    )
