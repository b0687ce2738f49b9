# ATTACK (redteam4 #1): unbounded quoting of student text, carrying every hidden and fresh case's
# inputs into the student's own report. At load time the code walks up the frame stack to the
# sandbox's `_run` frame, whose local `job` holds every test's cases (fixed hidden ones and the
# fresh ones drawn for this digest), and names a class after them. FLASHCARD_ANSWERS is an
# instance of that class: flashcards.run refuses it with "`FLASHCARD_ANSWERS` is a <type name>,
# not a dict." and read() quotes that refusal whole (no MAX_QUOTED on CardRefusal.refused).
# nesterov_step is an instance of a second such class: runner.run_cases says "`nesterov_step` is
# a <type name>, not a function or class." (Invalid marker, judged verbatim, no bound either).
# Got: 25 - 2 (nesterov) - 3 (cards) points, and a report quoting ~100 KB of hidden inputs.
# Trimmed to the attack: the answers it does not attack are left out (each scores 0 as not
# defined), so the file holds only what it forges; the red team's file carried a correct
# answer for every other test beside it.


import json as _json
import sys as _sys


def _job():
    frame = _sys._getframe()
    while frame is not None and "job" not in frame.f_locals:
        frame = frame.f_back
    return frame.f_locals["job"] if frame is not None else {"tests": "no job"}


_LEAK = _json.dumps(_job()["tests"])


FLASHCARD_ANSWERS = type("LEAK_" + _LEAK, (), {})()


nesterov_step = type("LEAK2_" + _LEAK[:50000], (), {})()
