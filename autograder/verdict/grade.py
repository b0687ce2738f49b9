"""Grade one submission in the sandbox: plan the tests, run them confined, judge them here.

The stage between loading (``load``) and reporting (``report``): the cases go into the sandbox,
observations come back as plain data, and every observation is judged in this process against
the expectations (``judges.verdict``), which never reach the sandbox. Whatever the child sent is
a claim, checked as a whole before it is judged (``observations``): a test whose observations
are not complete, well-typed answers to the cases that were sent scores 0.
"""

from __future__ import annotations

import dataclasses
import re
from functools import partial

from autograder.loading.load import Submission
from autograder.reports.result import Finding, SubmissionResult, TestResult
from autograder.sandbox import PlannedTest, Run, Sandbox
from autograder.sandbox.confine import confinement_problem
from autograder.spec import BY_NAME, TEST_NAMES
from autograder.verdict import absent
from autograder.verdict.cases import fresh_cases
from autograder.verdict.expect import cases as test_cases
from autograder.verdict.judges import verdict
from autograder.verdict.sources import Sources

MEMORY_HINTS = ("MemoryError", "can't allocate memory", "DefaultCPUAllocator")


def plan(
    *, sources: Sources, hidden: bool, tests=TEST_NAMES
) -> tuple[list[PlannedTest], dict[str, TestResult]]:
    """The cases of every test, and a zero for each test whose cases cannot be built here."""
    planned, unavailable = [], {}
    for name in tests:
        try:
            planned.append(PlannedTest(name, test_cases(name, sources=sources, hidden=hidden)))
        except Exception as error:
            unavailable[name] = TestResult.zero(
                name, Finding("crash", f"The grader has no cases for `{name}`: {error}")
            )
    return planned, unavailable


def with_fresh(planned: list[PlannedTest], digest: str, sources: Sources) -> list[PlannedTest]:
    """``planned`` with each test's fresh hidden cases for the submission whose SHA-256 is
    ``digest`` (``cases.fresh_cases``): what it is graded on."""
    return [
        PlannedTest(test.name, test.cases + fresh_cases(test.name, digest, sources))
        for test in planned
    ]


def grade(
    submission: Submission,
    sandbox: Sandbox,
    planned: list[PlannedTest],
    *,
    sources: Sources,
    hidden: bool,
    unavailable: dict[str, TestResult] | None = None,
) -> SubmissionResult:
    """Run ``planned`` on ``submission`` in ``sandbox`` and judge every test."""
    planned = with_fresh(planned, submission.digest, sources) if hidden else planned
    run = sandbox.run(submission, planned)
    judged = partial(judge_run, sources=sources, hidden=hidden, unavailable=unavailable)
    result = judged(submission, run, planned, sandbox.limits)
    again = shim_rerun(result, run, submission, sandbox, planned)
    return result if again is None else judged(submission, again, planned, sandbox.limits)


def shim_rerun(result: SubmissionResult, run: Run, submission, sandbox, planned) -> Run | None:
    """``run`` with ``my_adam`` run again beside the ``adam_step`` shim (a correct Adam, in a child
    of its own: ``sandbox.kernels``) when it failed calling the student's own ``adam_step``, or
    crashed or hung, and that ``adam_step`` fails its test: a broken ``adam_step`` must not also
    sink ``my_adam`` (a test never affects another). None when there is nothing to run again:
    most submissions."""
    tests = [test for test in planned if test.name == "my_adam"]
    observations = run.observations.get("my_adam")
    called = isinstance(observations, list) and any(
        isinstance(o, dict) and type(o.get("adam_step_calls")) is int and o["adam_step_calls"] > 0
        for o in observations
    )
    stopped = "my_adam" in run.failures  # it crashed or hung: perhaps inside adam_step
    if not tests or result.test("my_adam").passed or result.test("adam").passed:
        return None
    if run.load_patched or run.tampered or run.patched.get("my_adam"):  # a patch, not adam_step
        return None
    if not (called or stopped):
        return None
    again = sandbox.run(submission, tests, shim=True)
    merged = dataclasses.replace(
        run,
        observations=dict(run.observations),
        failures=dict(run.failures),
        patched=dict(run.patched),
    )
    for table, fresh in (
        (merged.observations, again.observations),
        (merged.failures, again.failures),
        (merged.patched, again.patched),
    ):
        table.pop("my_adam", None)
        if "my_adam" in fresh:
            table["my_adam"] = fresh["my_adam"]
    return merged


def judge_run(
    submission: Submission,
    run: Run,
    planned: list[PlannedTest],
    limits,
    *,
    sources: Sources,
    hidden: bool,
    unavailable: dict[str, TestResult] | None = None,
) -> SubmissionResult:
    """Judge every test of a finished ``run`` (the batch grader does it while the next submission
    runs in the sandbox)."""
    problems = submission.problems + run.load_errors
    refused = confinement_problem(run.protections, limits)
    if refused is not None:
        results = [TestResult.zero(test.name, Finding("crash", refused)) for test in planned]
        return SubmissionResult(submission.student, results, submission.source, run.protections)
    defined = defined_names(run.source or submission.source)
    results = [_judge(test, run, problems, limits, sources, hidden, defined) for test in planned]
    results += list((unavailable or {}).values())
    protections = run.protections + (["UNCONFINED (--unconfined)"] if limits.unconfined else [])
    source = run.source or submission.source  # the sandbox parses what the grader only read
    return SubmissionResult(submission.student, results, source, protections)


def defined_names(source: str) -> list[str]:
    """The top-level names a module text binds (``def``, ``class``, ``name =``): for "did you
    mean ...?" only; the text is what the sandbox parsed (the student's own, untrusted)."""
    return [a or b for a, b in _DEFINITION.findall(source)]


_DEFINITION = re.compile(r"^(?:def|class)\s+(\w+)|^(\w+)\s*(?::[^=\n]*)?=(?!=)", re.M)


def _judge(
    test: PlannedTest,
    run: Run,
    problems: list[str],
    limits,
    sources: Sources,
    hidden: bool,
    defined: list[str],
) -> TestResult:
    spec, stopped = BY_NAME[test.name], _stopped(test.name, run)
    if stopped is not None:
        return verdict(spec, test.cases, None, sources=sources, hidden=hidden, stopped=stopped)
    observations = run.observations.get(test.name)
    try:
        result = verdict(spec, test.cases, observations, sources=sources, hidden=hidden)
    except Exception as error:
        return TestResult.zero(
            test.name,
            Finding("invalid", f"The grader could not read what your code did ({error!r})."),
        )
    return _explained(result, problems, limits, defined)


def _stopped(name: str, run: Run) -> Finding | None:
    """Why the run of test ``name`` gave no observations to judge, if it did not."""
    if run.load_patched:
        return _patched_finding(run.load_patched, "when it is loaded")
    if name in run.failures:
        return run.failures[name]
    if run.patched.get(name):
        return _patched_finding(run.patched[name], "during this test")
    return None


def _patched_finding(names: list[str], when: str) -> Finding:
    shown = ", ".join(f"`{name}`" for name in names[:5])
    return Finding(
        "forbidden",
        f"Your code replaced {shown} {when}. Patching torch, Python's builtins or the grader is "
        "not allowed: write your answers with them as they are.",
        None,
        {"patched": names},
    )


def _explained(result: TestResult, problems: list[str], limits, defined: list[str]) -> TestResult:
    """Add what a student needs to act on: why an answer is missing (``absent``), memory limits."""
    answer = BY_NAME[result.name].answer
    for finding in list(result.findings):
        if finding.kind == "missing":
            result.findings = [absent.explain(answer, problems, defined)]
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
