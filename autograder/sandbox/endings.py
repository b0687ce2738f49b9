"""How a child ended, in words a student can act on (``attempt._settle`` decides where they go)."""

from __future__ import annotations

import signal

from autograder.reports.result import Finding
from autograder.sandbox.confine import MIB, Limits


def what_happened(killed: str | None, exit: dict | None, exitcode, limits: Limits) -> str:
    """Why the child stopped: killed by the grader (``"timeout"``, ``"budget"`` or a sentence on
    its disk use), its supervisor's report (``exit``), or only its exit code. What it printed is
    said apart (``result.printed``), where it may be shown."""
    if killed == "budget":
        what = (
            f"the time allowed for your whole submission ({limits.submission_seconds:g} s) "
            "ran out and it was stopped"
        )
    elif killed == "timeout":
        what = (
            f"your code was still running after {limits.timeout:g} s and was stopped "
            "(an infinite loop, or waiting forever?)"
        )
    elif killed:
        what = f"your code wrote {killed} into its folder and was stopped"
    elif exit and exit.get("signal"):
        what = signal_text(int(exit["signal"]), limits)
    elif exit is not None:
        code = exit.get("code")
        what = (
            f"your code ended the Python process (exit status {code}): do not call "
            "`sys.exit()`, `exit()` or `os._exit()` in your answers"
        )
    else:
        what = f"the sandboxed process died unexpectedly (exit code {exitcode})"
    return what


def kind(exit: dict | None, killed: str | None) -> str:
    """The finding's kind: a timeout (wall clock, CPU or the budget), else a crash."""
    if killed in ("timeout", "budget"):
        return "timeout"
    if exit and exit.get("signal") in (signal.SIGXCPU,):
        return "timeout"
    return "crash"


def signal_text(number: int, limits: Limits) -> str:
    """The signal that ended the child, in words."""
    if number == signal.SIGXCPU:
        return f"your code used more than {limits.timeout:g} s of CPU time and was stopped"
    if number == signal.SIGXFSZ:
        return (
            f"your code wrote more than {limits.output_bytes // MIB} MiB (printed output or "
            "files) and was stopped"
        )
    if number == signal.SIGKILL:
        return "the process was killed (out of memory?)"
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = f"signal {number}"
    described = {
        "SIGSEGV": "a segmentation fault",
        "SIGBUS": "a bus error",
        "SIGFPE": "a floating-point exception",
        "SIGILL": "an illegal instruction",
        "SIGABRT": "an abort",
    }.get(name, name)
    return f"the Python process crashed with {described} ({name}) while running your code"


def raised_finding(raised: dict) -> Finding:
    """An exception raised outside the checked calls (``messages.check`` made sure of its keys)."""
    kind = raised["type"]
    if kind == "SystemExit":
        message = (
            "Your code called `sys.exit()` or `exit()` while it was graded: do not stop the "
            "interpreter in your answers."
        )
    else:
        message = (
            f"Your code raised {kind} outside the checked calls: {raised['message']}\n"
            f"{raised['traceback']}".rstrip()
        )
    return Finding("error", message, None, raised)
