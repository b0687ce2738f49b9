"""The result objects: data first, rendered later (``report``).

A ``TestResult`` holds the score of one test and the ``Finding``s that explain it: each finding is
data (which case, step, parameter and index; expected, got, allowed) plus the sentence a student
reads. A ``SubmissionResult`` is one student's results for every test, in the contract's order.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from autograder.spec import BY_NAME, TESTS

# The kind of a finding that is advice, never scored (``judges.verdict``).
NOTE = "note"


@dataclass
class Finding:
    """One thing that went wrong.

    Attributes:
        kind: ``missing``, ``error``, ``mismatch``, ``side_condition``, ``forbidden``, ``timeout``,
            ``crash``, ``memory``, ``invalid``, ``mistake`` ...; a ``note`` is advice that costs
            nothing (a passing test may carry notes).
        message: the sentence a student reads, complete on its own.
        case: the case it happened in, if any.
        details: the data behind the message (step, param, index, expected, got, allowed, ...).
        hidden: decided when judging (``judges.hidden_policy``): the case is not one whose
            numbers a student may see, so no renderer shows ``details``' numbers; the message
            is already worded for it and is rendered as it is.
    """

    kind: str
    message: str
    case: str | None = None
    details: dict = field(default_factory=dict)
    hidden: bool = False


def printed(output: str) -> str:
    """How a finding's message goes on to quote what the student's code printed last, if it
    printed anything (a stopped cell or test: the sandbox and the verdict say it alike)."""
    return f". The last thing it printed:\n{output}" if output.strip() else ""


@dataclass
class TestResult:
    """The score of one test and why."""

    __test__ = False  # not a pytest test class, whatever its name

    name: str
    score: float
    max_score: float
    findings: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score

    @property
    def feedback(self) -> str:
        lines = [finding.message for finding in self.findings]
        if all(finding.kind == NOTE for finding in self.findings):
            lines.insert(0, "All cases match the reference.")
        return "\n".join(lines)

    @classmethod
    def full(cls, name: str) -> TestResult:
        return cls(name, BY_NAME[name].points, BY_NAME[name].points)

    @classmethod
    def zero(cls, name: str, *findings: Finding) -> TestResult:
        return cls(name, 0.0, BY_NAME[name].points, list(findings))

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "score": self.score,
            "max_score": self.max_score,
            "passed": self.passed,
            "feedback": self.feedback,
            "findings": [asdict(finding) for finding in self.findings],
        }


@dataclass
class SubmissionResult:
    """One student's results, one per test name of the contract, in the contract's order."""

    student: str
    tests: list[TestResult]
    source: str | None = None
    protections: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # escape hatches in the source (``flags``)

    def __post_init__(self) -> None:
        by_name = {test.name: test for test in self.tests}
        self.tests = [by_name.get(spec.name) or _not_graded(spec.name) for spec in TESTS]

    @property
    def score(self) -> float:
        return sum(test.score for test in self.tests)

    @property
    def max_score(self) -> float:
        return sum(test.max_score for test in self.tests)

    def test(self, name: str) -> TestResult:
        return next(test for test in self.tests if test.name == name)

    def to_dict(self) -> dict:
        """The contract's ``<student>.json`` (section 3), with extra keys a reader may ignore."""
        return {
            "student": self.student,
            "score": self.score,
            "max_score": self.max_score,
            "tests": [test.to_dict() for test in self.tests],
            "source": self.source,
            "protections": self.protections,
            "flags": self.flags,
        }

    @classmethod
    def from_dict(cls, data: dict) -> SubmissionResult:
        tests = [
            TestResult(
                test["name"],
                test["score"],
                test["max_score"],
                [Finding(**finding) for finding in test.get("findings", [])],
            )
            for test in data["tests"]
        ]
        return cls(
            data["student"],
            tests,
            data.get("source"),
            data.get("protections", []),
            data.get("flags", []),
        )


def _not_graded(name: str) -> TestResult:
    return TestResult.zero(name, Finding("crash", f"The grader could not grade `{name}`."))
