"""What a kind of check is: the interface every row of ``checks.KINDS`` has, hooks included.

A kind of check grades the tests whose ``TestSpec.kind`` names it, in two halves:

- ``public_cases(test)``: the cases the self-check runs (hidden ones come from ``solutions/``);
- ``run(answer, case)``: in the sandbox, next to the student's code: what it did, as plain data;
- ``judge(test, cases, observations, expected)``: in the grader's process: the findings, one
  comparison per case (``judges.verdict`` turns them into a score);
- ``case_type``: the class of its cases, which travel to the sandboxed child as plain data
  (``to_dict``) and are built again there (``from_dict``).

and three optional hooks, None where the kind has no use for them:

- ``score(findings, cases, observations, expected)``: partial credit, the fraction of the points
  earned (the flash cards); without it a test is all-or-nothing;
- ``expected(cases, sources)``: what the observations are judged against when it is not the
  reference solutions' observations (the flash cards' answer key);
- ``prepare(cases)`` / ``adopt(prepared)``: inputs the grader computes once and hands to every
  sandboxed child (the step cases' random draws), never an expected value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from autograder.reports.result import Finding
    from autograder.spec import TestSpec
    from autograder.verdict.sources import Sources

Observation = dict[str, Any]


class CaseType(Protocol):
    """A kind's class of cases, seen as the class itself: it builds a case from plain data."""

    def from_dict(self, data: dict) -> Any: ...


Judge = Callable[["TestSpec", list, list[Observation], list[Observation]], "list[Finding]"]
Score = Callable[["list[Finding]", list, list[Observation], list[Observation]], float]


@dataclass(frozen=True)
class CheckKind:
    """One kind of check: its name (``TestSpec.kind``), its two halves and its optional hooks."""

    name: str
    public_cases: Callable[[str], list]
    run: Callable[[Any, Any], Observation]
    judge: Judge
    case_type: CaseType  # its cases' class: ``to_dict`` for the job, ``from_dict`` in the child
    score: Score | None = None
    expected: Callable[[list, Sources], list[Observation]] | None = None
    prepare: Callable[[list], dict] | None = None
    adopt: Callable[[dict], None] | None = None

    @property
    def partial(self) -> bool:
        """Whether a test of this kind earns partial credit (``score``)."""
        return self.score is not None
