"""The student's self-check: ``python -m autograder check NOTEBOOK_OR_PY`` (and the assignment's
``pytest``), on the public cases only.

It reads the answer cells of the notebook by ``grade_id`` (or the top-level definitions of a
``.py`` file) through ``load`` and runs them in this process — no other cell runs, so no training
and no plots — then prints one line per test, with the feedback under every test that fails::

    Self-check of optimisation.ipynb (public cases; the hidden cases decide the grade)
      ✓ sgd               2/2
      ✗ adam              0/4
          Case 'adam/tiny gradients' ...: At step 1, parameter 0: expected update ...
      public cases: 21/25 points, 9 of 10 tests pass
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from pathlib import Path

from autograder.notebook import awaiting_key, feedback_text, silenced
from autograder.reports.result import Finding, TestResult
from autograder.spec import ANSWER_NAMES, BY_NAME, TEST_NAMES
from autograder.verdict import absent
from autograder.verdict.sources import Sources

INDENT = "      "


@dataclass
class SelfCheck:
    """The public-case results of one submission, and what could not be read of it."""

    path: Path
    results: list[TestResult]
    problems: list[str] = field(default_factory=list)
    defined: list[str] = field(default_factory=list)
    unbound: list[str] = field(default_factory=list)  # answer names the run left undefined

    @property
    def passed(self) -> bool:
        return all(ok(result) for result in self.results)

    def result(self, name: str) -> TestResult:
        return next(result for result in self.results if result.name == name)

    @property
    def stops(self) -> list[absent.Stop]:
        """The answer cells that raise when run (the notebook cannot Restart & Run All), but
        for an answer they leave undefined: its test's line says so already."""
        return [stop for stop in absent.stops(self.problems) if stop.grade_id not in self.unbound]

    def ok(self, name: str) -> bool:
        return ok(self.result(name))

    def feedback(self, name: str) -> str:
        """What the student reads for one failing test: its feedback; a missing or unwritten
        answer in one line that leads with the cause (``absent``: a syntax error in its cell, a
        near name, a ``raise NotImplementedError`` in every case)."""
        result = self.result(name)
        answer = BY_NAME[name].answer
        if answer in self.unbound:
            explained = absent.explain(answer, self.problems, self.defined)
            result = dataclasses.replace(result, findings=[explained])
        elif stub := absent.unwritten(result):
            result = dataclasses.replace(result, findings=[stub])
        lines = [f"{name}: {_score(result)}/{result.max_score:g} points.", feedback_text(result)]
        return "\n".join(lines)


def run(path: Path, tests: list[str] | None = None, *, sources: Sources | None = None) -> SelfCheck:
    """Load ``path`` and grade it on the public cases, silently (the student's prints and warnings
    do not mix with the report); on the side ``sources``, by default the one this process is on
    (``Sources.discover``)."""
    from autograder.loading.load import load_submission, namespace_from
    from autograder.loading.needed import needed_only
    from autograder.verdict.engine import grade_namespace

    sources = sources or Sources.discover()
    submission = load_submission(Path(path))
    results = []
    with silenced():
        namespace = namespace_from(needed_only(submission))
        for name in tests or TEST_NAMES:
            try:
                results += grade_namespace(namespace, sources=sources, tests=[name], hidden=False)
            except Exception as error:  # a grader bug must not hide the other tests' results
                message = f"The self-check could not check `{name}`: {type(error).__name__}: "
                message += str(error)
                results.append(TestResult.zero(name, Finding("crash", message)))
    defined = [name for chunk in submission.chunks for name in chunk.defines]
    unbound = [name for name in ANSWER_NAMES if name not in namespace]
    return SelfCheck(Path(path), results, submission.problems, defined, unbound)


def render(check: SelfCheck) -> str:
    """The report: one line per test, feedback indented under the others, the total last."""
    marks = _marks()
    width = max(len(result.name) for result in check.results)
    lines = [f"Self-check of {check.path.name} (public cases; the hidden cases decide the grade)"]
    for result in check.results:
        lines.append(
            f"  {marks[ok(result)]} {result.name:<{width}}  {_score(result)}/{result.max_score:g}"
        )
        if not result.passed:
            feedback = check.feedback(result.name).splitlines()[1:]
            lines += [(INDENT + line).rstrip() for line in feedback]
    scored = [result for result in check.results if not awaiting_key(result)]
    score = sum(result.score for result in scored)
    total = sum(result.max_score for result in scored)
    passed = sum(ok(result) for result in check.results)
    later = [result.name for result in check.results if awaiting_key(result)]
    lines.append(
        f"  public cases: {score:g}/{total:g} points"
        + (f" ({', '.join(later)} scored when your instructor grades)" if later else "")
        + f", {passed} of {len(check.results)} tests pass"
    )
    lines += [f"  {marks[None]} {stop.warning()}" for stop in check.stops]
    return "\n".join(lines)


def ok(result: TestResult) -> bool:
    """Passed, or well formed where only the instructor can score it (the flash cards)."""
    return result.passed or awaiting_key(result)


def _score(result: TestResult) -> str:
    return "?" if awaiting_key(result) else f"{result.score:g}"


def main(*, path: Path, tests: list[str] | None) -> int:
    """The ``check`` command: print the report; 0 when every test passes, 1 otherwise, 2 on a bad
    test name."""
    unknown = sorted(set(tests or ()) - set(TEST_NAMES))
    if unknown:
        print(
            f"Unknown test(s) {', '.join(unknown)}: the tests are {', '.join(TEST_NAMES)}.",
            file=sys.stderr,
        )
        return 2
    check = run(path, tests)
    print(render(check))
    return 0 if check.passed else 1


def _marks() -> dict[bool | None, str]:
    """✓, ✗ and ⚠ (a warning) where the terminal can print them, else ``ok``, ``FAIL``, ``WARN``."""
    try:
        "✓✗⚠".encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return {True: "ok", False: "FAIL", None: "WARN"}
    return {True: "✓", False: "✗", None: "⚠"}
