"""The batch grader's defaults (``autograder.defaults``): one source that every reader takes."""

from __future__ import annotations

import inspect

from autograder import batch, cli, defaults
from autograder.sandbox import Limits

EXPECTED = {
    "timeout": defaults.TIMEOUT,
    "memory": defaults.MEMORY_MB,
    "budget": defaults.BUDGET,
    "jobs": defaults.JOBS,
}


def test_the_cli_shows_the_defaults():
    """Does `autograder grade` take its defaults from ``autograder.defaults``?"""
    options = {param.name: param.default for param in cli.grade.params}
    assert {name: options[name] for name in EXPECTED} == EXPECTED


def test_the_python_api_and_the_sandbox_take_the_same():
    """Do ``batch.main`` and ``sandbox.Limits`` default to the same limits as the CLI?"""
    parameters = inspect.signature(batch.main).parameters
    api = {name: parameters[name].default for name in ("timeout", "memory_mb", "budget", "jobs")}
    assert api == {
        "timeout": defaults.TIMEOUT,
        "memory_mb": defaults.MEMORY_MB,
        "budget": defaults.BUDGET,
        "jobs": defaults.JOBS,
    }
    limits = Limits()
    assert (limits.timeout, limits.memory_mb, limits.budget) == (
        defaults.TIMEOUT,
        defaults.MEMORY_MB,
        defaults.BUDGET,
    )
    assert limits.submission_seconds == defaults.BUDGET_TIMEOUTS * defaults.TIMEOUT


def test_the_readme_says_the_same(root):
    """Does the README's table of limits state the defaults the grader uses?"""
    readme = (root / "README.md").read_text()
    budget = defaults.BUDGET_TIMEOUTS * defaults.TIMEOUT
    for phrase in (
        f"`--timeout` {defaults.TIMEOUT:g} s",
        f"`--memory` {defaults.MEMORY_MB} MiB",
        f"`--budget`, {defaults.BUDGET_TIMEOUTS} × `--timeout` ({budget:g} s)",
    ):
        assert phrase in readme
