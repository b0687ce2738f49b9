# ATTACK (redteam4 #3): what the code PRINTED at load time, quoted in the report, with the hidden
# and fresh cases' inputs in it. stopped_policy withholds a stopped test's output, but a crash while
# a chunk runs is recorded as a skipped chunk (attempt._settle: "<chunk>: <what happened>. The last
# thing it printed: <600 chars>; it was skipped."), that text joins the submission's problems
# (Run.load_errors) and absent.explain quotes it whole for any missing answer (its _WHOLE_FILE
# words "crashed"/"was stopped" match). At load time the sandbox's `_run` frame holds `job`, every
# test's cases, fresh ones included. nesterov_step's default argument prints them and segfaults.
# Got: 22/25 (nesterov missing) and "`nesterov_step` could not be read: ... The last thing it
# printed: <fresh-case seeds and hyperparameters>" in JSON/MD/HTML.
# (The same with no crash: an exception whose text holds "crashed" is quoted, 300 characters.)
# Trimmed to the attack: the answers it does not attack are left out (each scores 0 as not
# defined), so the file holds only what it forges; the red team's file carried a correct
# answer for every other test beside it.


import ctypes as _ctypes
import sys as _sys


def _crash():
    frame = _sys._getframe()
    while frame is not None and "job" not in frame.f_locals:
        frame = frame.f_back
    for test in frame.f_locals["job"]["tests"]:
        for case in test["cases"]:
            if "fresh" in case["id"]:
                print({k: v for k, v in case.items() if k not in ("id",)}, flush=True)
    _ctypes.string_at(0)  # SIGSEGV


def nesterov_step(param, grad, state, *, lr, momentum, _unused=_crash()):
    pass
