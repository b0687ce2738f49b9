"""Find the instructor's side (``solutions/``) when it exists, and only then.

Students have the ``autograder`` package without ``solutions/``: everything that needs reference
code or hidden cases asks here and falls back to the public, shipped data when the answer is None.
"""

from __future__ import annotations

import importlib
import os
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

ENV = "AUTOGRADER_SOLUTIONS"


def solutions_dir() -> Path | None:
    """``$AUTOGRADER_SOLUTIONS``, else ``solutions/`` beside this package in a checkout."""
    configured = os.environ.get(ENV)
    candidate = (
        Path(configured) if configured else Path(__file__).resolve().parents[1] / "solutions"
    )
    return candidate if (candidate / "reference" / "__init__.py").is_file() else None


def load(module: str = "reference") -> ModuleType | None:
    """Import ``solutions.<module>`` from the instructor's folder; None on a student's machine.

    Asked each time (no cached None): a process that has no ``solutions/`` now may have it later.
    """
    folder = solutions_dir()
    return None if folder is None else _import(str(folder), module)


@cache
def _import(folder: str, module: str) -> ModuleType:
    path = Path(folder)
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    return importlib.import_module(f"{path.name}.{module}")


def reference_namespace() -> dict | None:
    """The reference solutions as a namespace of answer names, as a student's would be."""
    module = load("reference")
    return None if module is None else dict(vars(module))


SECRET_NAME = ".course_secret"


def course_secret() -> bytes | None:
    """The course's secret (``solutions/.course_secret``, 32 random bytes, made on first use and
    readable by its owner only); None on a student's machine. It draws the fresh hidden inputs
    (``cases.fresh_seed``): whoever lacks it cannot predict them."""
    folder = solutions_dir()
    if folder is None:
        return None
    path = folder / SECRET_NAME
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(descriptor, "wb") as file:
        file.write(os.urandom(32))
    return path.read_bytes()
