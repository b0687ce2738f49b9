"""Grade a submission written as source text, as the grader sees one: a namespace per student."""

from __future__ import annotations

from autograder.reports.result import Finding, TestResult
from autograder.verdict import engine
from autograder.verdict.sources import Sources

SOURCES = Sources.discover()  # this checkout: the instructor's side


PRELUDE = "import torch\nimport torch.nn as nn\n"


def namespace_of(source: str) -> dict:
    """Execute ``source`` (after the usual imports) in a fresh namespace, as a submission."""
    namespace: dict = {}
    exec(compile(PRELUDE + source, "<student>", "exec"), namespace)
    return namespace


def grade(source: str, test: str, *, hidden: bool = True) -> TestResult:
    """The result of one test for a submission given as source."""
    return engine.grade_namespace(
        namespace_of(source), sources=SOURCES, tests=[test], hidden=hidden
    )[0]


def first(result: TestResult, kind: str) -> Finding:
    """The first finding of ``kind``; fails with the whole feedback when there is none."""
    found = [finding for finding in result.findings if finding.kind == kind]
    assert found, f"no {kind!r} finding in:\n{result.feedback}"
    return found[0]
