"""The API of the notebook's test cells: ``check(name, globals())``.

Each nbgrader test cell of the assignment reads::

    from autograder.notebook import check
    check("adam", globals())                # the public cases
    ### BEGIN HIDDEN TESTS
    check("adam", globals(), hidden=True)   # public + hidden cases, where the instructor grades
    ### END HIDDEN TESTS

nbgrader scores a test cell by its outputs (``nbgrader.utils.determine_grade``): an error scores 0,
anything written to stderr scores 0, a number as the cell's last expression is partial credit,
anything else is full marks. So ``check``

- is silent when the test passes: whatever the student's code prints or warns while it is graded
  is swallowed (Python's streams, the ``warnings`` machinery, file descriptors 1 and 2);
- raises ``AssertionError`` whose message is the feedback when it fails, so the student reads it
  under the cell and in nbgrader's feedback HTML;
- returns the score of ``flashcards`` (partial credit out of its points) for the cell's last
  expression; on a student's machine, where there is no answer key, it only checks the format.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import warnings
from collections.abc import Iterator

from autograder.reports.result import TestResult
from autograder.spec import BY_NAME, TEST_NAMES

# How many distinct warnings a failure message quotes.
MAX_WARNINGS = 3


def check(name: str, namespace: dict, *, hidden: bool = False) -> float | None:
    """Grade one test on the answers defined in ``namespace`` (the notebook's ``globals()``).

    Args:
        name: a test name of the contract (``"adam"``, ``"my_sgd"``, ``"flashcards"``, ...).
        namespace: where the student's answers live.
        hidden: also run the hidden cases; only where the instructor's ``solutions/`` exists.

    Returns:
        For ``flashcards``, the score in ``[0, points]`` (nbgrader's partial credit); else None.

    Raises:
        AssertionError: the test fails; the message is the feedback.
        RuntimeError: ``hidden`` on a machine without the instructor's ``solutions/``.
    """
    __tracebackhide__ = True  # pytest shows the caller, not this frame
    if name not in BY_NAME:
        raise ValueError(f"Unknown test {name!r}: the tests are {', '.join(TEST_NAMES)}.")
    test = BY_NAME[name]
    if test.answer not in namespace:
        raise AssertionError(  # led by the score, as every failing test cell's message is
            f"{name}: 0/{test.points:g} points.\n`{test.answer}` is not defined. Write it in its "
            f"answer cell (grade_id `{test.answer}`) and run that cell before this one."
        )
    from autograder.verdict.sources import Sources

    sources = Sources.discover()  # each cell asks: the notebook may have moved since
    if hidden and not sources.instructor:
        raise RuntimeError(
            "Hidden tests run only where the instructor grades: no solutions/ folder was found "
            "(set $AUTOGRADER_SOLUTIONS to it, or grade from a checkout of the course repository)."
        )

    from autograder.checks import KINDS  # torch and the checks load on first use, not on import
    from autograder.verdict.engine import grade_namespace

    with silenced() as caught:
        (result,) = grade_namespace(namespace, sources=sources, tests=[name], hidden=hidden)
    if awaiting_key(result):  # a student's machine: say what was checked (stdout is harmless)
        print(result.feedback)
        return None
    partial = KINDS[test.kind].partial  # partial credit, as in ``judges``
    if result.passed or (partial and result.score > 0):
        if not result.passed:  # partial credit: nbgrader reads stdout as harmless, so say why
            print(_message(result, caught))
        return float(result.score) if partial else None
    raise AssertionError(_message(result, caught))


def awaiting_key(result) -> bool:
    """Whether ``result`` is the flash cards, well formed, on a machine without the answer key:
    nothing to hold against the student, and nothing to score yet."""
    return bool(result.findings) and all(
        finding.kind == "ungraded"
        and finding.details.get("readable") == finding.details.get("cards")
        for finding in result.findings
    )


def _message(result, caught: list[warnings.WarningMessage]) -> str:
    """The student's feedback: the score, the findings, and the warnings their code raised."""
    lines = [f"{result.name}: {result.score:g}/{result.max_score:g} points.", feedback_text(result)]
    quoted = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    if quoted:
        lines.append("Your code also warned: " + " | ".join(quoted[:MAX_WARNINGS]))
    return "\n".join(lines)


def feedback_text(result: TestResult) -> str:
    """The findings as the batch grader's text report words them (``report.test_text``: the same
    exception in several cases said once)."""
    from autograder.reports.report import test_text

    return test_text(result)


@contextlib.contextmanager
def silenced() -> Iterator[list[warnings.WarningMessage]]:
    """Swallow everything written or warned inside, down to file descriptors 1 and 2.

    Yields the list the warnings are recorded into.
    """
    with (
        warnings.catch_warnings(record=True) as caught,
        _descriptors_to_devnull(),
        contextlib.redirect_stdout(_Discard()),
        contextlib.redirect_stderr(_Discard()),
    ):
        warnings.simplefilter("always")
        yield caught


class _Discard(io.TextIOBase):
    """A text stream that keeps nothing (a flood of prints costs no memory)."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


@contextlib.contextmanager
def _descriptors_to_devnull() -> Iterator[None]:
    """Point file descriptors 1 and 2 at the null device (C extensions write there directly)."""
    saved = []
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        for stream, fd in ((sys.stdout, 1), (sys.stderr, 2)):
            with contextlib.suppress(Exception):
                stream.flush()
            try:
                saved.append((fd, os.dup(fd)))
            except OSError:  # no such descriptor (an embedded interpreter): nothing to hide
                continue
            os.dup2(null, fd)
        yield
    finally:
        for fd, copy in saved:
            os.dup2(copy, fd)
            os.close(copy)
        os.close(null)
