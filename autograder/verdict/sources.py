"""Which side grading runs on, decided once at each entry point and passed down: ``Sources``.

- **the instructor's side** has ``solutions/``: the reference solutions, the hidden cases, the
  mistake catalogue, the flash-card answer key and the course secret;
- **a student's side** has only the public data shipped in ``autograder/data/`` (the reference's
  observations on the public cases, the catalogue's words and observations on them, the card ids).

Every entry point builds one ``Sources`` (``Sources.discover()``: the batch grader, and Gradescope
through it; the self-check; the notebook's test cells; authoring; drawing the cards) and passes it
down: nothing below an entry point asks the filesystem or the environment which side it is on.
What is computed from a side (the reference's and the catalogue's observations, the parsed public
data, the reference's paths) is cached in its ``Sources`` object, so both sides can be built, and
graded with, in one process. This module imports neither torch nor the checks.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from autograder import PACKAGE_DIR

ENV = "AUTOGRADER_SOLUTIONS"
DATA = PACKAGE_DIR / "data"
CHECKOUT_SOLUTIONS = PACKAGE_DIR.parent / "solutions"
SECRET_NAME = ".course_secret"
KEY_FILE = "flashcard_key.json"

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Sources:
    """What grading may read on this side.

    Attributes:
        solutions: the instructor's ``solutions/`` folder; None on a student's side.
        data: the shipped public data (``autograder/data/``).
        memo: what has been computed from this side, by key (``cached``).
    """

    solutions: Path | None = None
    data: Path = DATA
    memo: dict = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @classmethod
    def discover(cls) -> Sources:
        """The side this process is on: ``$AUTOGRADER_SOLUTIONS``, else ``solutions/`` beside this
        package in a checkout, when it holds the reference solutions; else a student's side.

        The one place that decides the side, called by the entry points only; asked again at
        every call (a process that has no ``solutions/`` now may have it later).
        """
        configured = os.environ.get(ENV)
        candidate = Path(configured) if configured else CHECKOUT_SOLUTIONS
        return cls.at(candidate if (candidate / "reference" / "__init__.py").is_file() else None)

    @classmethod
    def at(cls, solutions: Path | None, data: Path = DATA) -> Sources:
        """The side of the ``solutions`` folder given (None: a student's), one object per folder
        in a process, so that what it computed is computed once."""
        key = (None if solutions is None else Path(solutions).resolve(), Path(data).resolve())
        with _KNOWN_LOCK:
            return _KNOWN.setdefault(key, cls(key[0], key[1]))

    @classmethod
    def student(cls, data: Path = DATA) -> Sources:
        """A student's side: the shipped public data and nothing else."""
        return cls.at(None, data)

    @property
    def instructor(self) -> bool:
        """Whether this is the instructor's side (``solutions/`` is here)."""
        return self.solutions is not None

    def cached(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()`` the first time ``key`` is asked of this side, the same value after."""
        with self._lock:
            if key not in self.memo:
                self.memo[key] = compute()
            return self.memo[key]

    def module(self, name: str) -> ModuleType | None:
        """``solutions.<name>`` (``reference``, ``hidden_cases``, ``mistakes``); None on a
        student's side."""
        folder = self.solutions
        if folder is None:
            return None
        return self.cached(("module", name), lambda: _load(folder, name))

    def needed(self, name: str) -> ModuleType:
        """``module(name)``, or a clear error on a student's side, which has no ``solutions/``."""
        module = self.module(name)
        if module is None:
            raise RuntimeError(f"`solutions.{name}` exists only on the instructor's side.")
        return module

    def reference(self) -> dict:
        """``reference_namespace()``, or a clear error on a student's side."""
        return dict(vars(self.needed("reference")))

    def reference_namespace(self) -> dict | None:
        """The reference solutions as a namespace of answer names, as a student's would be."""
        module = self.module("reference")
        return None if module is None else dict(vars(module))

    def key_path(self) -> Path | None:
        """Where the flash cards' answer key lives; None on a student's side."""
        return None if self.solutions is None else self.solutions / KEY_FILE

    def course_secret(self) -> bytes | None:
        """The course's secret (``solutions/.course_secret``, 32 random bytes, made on first use
        and readable by its owner only); None on a student's side. It draws the fresh hidden
        inputs (``cases.fresh_seed``): whoever lacks it cannot predict them."""
        if self.solutions is None:
            return None
        path = self.solutions / SECRET_NAME
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes()
        with os.fdopen(descriptor, "wb") as file:
            file.write(os.urandom(32))
        return path.read_bytes()

    def public(self, name: str) -> dict:
        """A shipped public data file (``data/<name>``) as parsed JSON, read once; empty when
        the file is absent."""

        def read() -> dict:
            path = self.data / name
            return json.loads(path.read_text()) if path.is_file() else {}

        return self.cached(("public", name), read)


_KNOWN: dict[tuple[Path | None, Path], Sources] = {}
_KNOWN_LOCK = threading.Lock()


def _load(folder: Path, module: str) -> ModuleType:
    if str(folder.parent) not in sys.path:
        sys.path.insert(0, str(folder.parent))
    return importlib.import_module(f"{folder.name}.{module}")
