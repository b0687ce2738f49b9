"""Grade one submission in the sandbox: plan the tests, run them confined, judge them here.

The stage between loading (``load``) and reporting (``report``): the cases go into the sandbox,
observations come back as plain data, and every observation is judged in this process against
the expectations (``engine.judge``), which never reach the sandbox. Whatever the child sent is
checked before it is judged: a test whose observations do not answer the cases that were sent
scores 0.
"""

from __future__ import annotations

from .engine import judge
from .expect import cases as test_cases
from .load import Submission
from .result import Finding, SubmissionResult, TestResult
from .sandbox import PlannedTest, Run, Sandbox
from .spec import BY_NAME, TEST_NAMES

# Load problems that may explain a missing answer when none names it.
LOAD_FAILURES = ("syntax error", "JSON", "not a notebook", "Error", "was stopped", "crashed")
MEMORY_HINTS = ("MemoryError", "can't allocate memory", "DefaultCPUAllocator")


def plan(*, hidden: bool, tests=TEST_NAMES) -> tuple[list[PlannedTest], dict[str, TestResult]]:
    """The cases of every test, and a zero for each test whose cases cannot be built here."""
    planned, unavailable = [], {}
    for name in tests:
        try:
            planned.append(PlannedTest(name, test_cases(name, hidden=hidden)))
        except Exception as error:
            unavailable[name] = TestResult.zero(
                name, Finding("crash", f"The grader has no cases for `{name}`: {error}")
            )
    return planned, unavailable


def grade(
    submission: Submission,
    sandbox: Sandbox,
    planned: list[PlannedTest],
    *,
    hidden: bool,
    unavailable: dict[str, TestResult] | None = None,
) -> SubmissionResult:
    """Run ``planned`` on ``submission`` in ``sandbox`` and judge every test."""
    run = sandbox.run(submission, planned)
    return judge_run(
        submission, run, planned, sandbox.limits, hidden=hidden, unavailable=unavailable
    )


def judge_run(
    submission: Submission,
    run: Run,
    planned: list[PlannedTest],
    limits,
    *,
    hidden: bool,
    unavailable: dict[str, TestResult] | None = None,
) -> SubmissionResult:
    """Judge every test of a finished ``run`` (the batch grader does it while the next submission
    runs in the sandbox)."""
    problems = submission.problems + run.load_errors
    results = [_judge(test, run, problems, limits, hidden) for test in planned]
    results += list((unavailable or {}).values())
    source = run.source or submission.source  # the sandbox parses what the grader only read
    return SubmissionResult(submission.student, results, source, run.protections)


def _judge(test: PlannedTest, run: Run, problems: list[str], limits, hidden: bool) -> TestResult:
    name = test.name
    if run.load_patched:
        return TestResult.zero(name, _patched_finding(run.load_patched, "when it is loaded"))
    if name in run.failures:
        return TestResult.zero(name, run.failures[name])
    if run.patched.get(name):
        return TestResult.zero(name, _patched_finding(run.patched[name], "during this test"))
    observations = run.observations.get(name)
    invalid = _invalid(observations, test.cases)
    if invalid:
        return TestResult.zero(name, Finding("invalid", invalid))
    try:
        result = judge(name, test.cases, observations, hidden=hidden)
    except Exception as error:
        return TestResult.zero(
            name,
            Finding("invalid", f"The grader could not read what your code did ({error!r})."),
        )
    return _explained(result, problems, limits)


def _invalid(observations, cases: list) -> str | None:
    """Why observations cannot be judged (they came from a process the student controlled)."""
    if not isinstance(observations, list) or not all(isinstance(o, dict) for o in observations):
        return "What came back from your code's process is not what the grader sent."
    if observations and ("missing" in observations[0] or "invalid" in observations[0]):
        return None
    got = [observation.get("case") for observation in observations]
    if got != [case.id for case in cases]:
        return "What came back from your code's process does not answer the cases that were sent."
    return None


def _patched_finding(names: list[str], when: str) -> Finding:
    shown = ", ".join(f"`{name}`" for name in names[:5])
    return Finding(
        "forbidden",
        f"Your code replaced {shown} {when}. Patching torch or Python's builtins is not "
        "allowed: write your answers with them as they are.",
        None,
        {"patched": names},
    )


def _explained(result: TestResult, problems: list[str], limits) -> TestResult:
    """Add what a student needs to act on: load problems behind a missing answer, memory limits."""
    answer = BY_NAME[result.name].answer
    for finding in list(result.findings):
        if finding.kind == "missing":
            related = [p for p in problems if answer in p] or [
                p for p in problems if any(word in p for word in LOAD_FAILURES)
            ]
            result.findings += [Finding("problem", problem) for problem in related[:5]]
        if finding.kind != "error":
            continue
        if any(hint in finding.message for hint in MEMORY_HINTS):
            finding.message += f"\n(The grader allows {limits.memory_mb} MiB of memory.)"
        if "No space left on device" in finding.message:
            finding.message += (
                f"\n(Your code's folder holds at most {limits.disk_mb} MiB in {limits.files} "
                "files.)"
            )
        if "File too large" in finding.message:
            finding.message += (
                f"\n(Your code wrote more than {limits.output_bytes >> 20} MiB: printed output "
                "and files count.)"
            )
    return result
