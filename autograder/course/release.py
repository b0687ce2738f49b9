"""Build what students and Gradescope get: `python -m autograder bundle --out dist` (instructor).

``dist/<assignment>-student.zip`` is made from an ALLOW-list, never by copying a folder minus what
looks secret: a file ships only if it is named below. Under one top folder ``<assignment>/``:

- the release notebook(s) and public self-check that ``nbgrader generate_assignment`` put in
  ``assignments/<assignment>/`` (``*.ipynb``, ``test_*.py``, ``conftest.py``: other files there are
  refused, so a stray output cannot slip out);
- the flash-card images ``assets/flashcards/*.png``, where the notebook finds them (``assets/``
  beside the ``autograder`` package, as in the course repository);
- the student's part of the ``autograder`` package: ``STUDENT_MODULES`` and the public
  expectations. Instructor modules stay out: ``cards`` (it maps each card to its algorithm: the
  quiz's answer key), ``authoring``, ``gradescope``, ``release``, ``batch``, ``sandbox``,
  ``gradebook`` (nothing of the self-check or the notebook uses them, and the sandbox's hardening
  is of no use to a student grading their own code);
- ``requirements.txt`` (the package's dependencies and its ``course`` extra, from
  ``pyproject.toml``) and ``README.md`` (from ``docs/student-readme.md``).

Before writing, the bundle is checked to be *closed*: every ``autograder`` module that a bundled
module imports, at the top or inside a function, is bundled too (``cli.py``'s instructor commands
excepted: they exit with an ImportError on a student's machine), and every other import is the
standard library or a requirement. The zip is deterministic: sorted entries, fixed timestamps
and permissions, so the same sources give the same bytes.

The Gradescope autograder zip is built beside it by ``gradescope.build_autograder_zip``.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import sys
import tomllib
import zipfile
from functools import cache
from pathlib import Path, PurePosixPath

from autograder import PACKAGE_DIR
from autograder.boundary import (
    GENERATED_MODULES,
    REQUIRED_MODULES,
    STUDENT_MODULES,
    is_instructor_only,
)
from autograder.files import Entry, write_zip
from autograder.loading.syntax import module_name, parse

ROOT = PACKAGE_DIR.parent
ASSIGNMENT = "optimisation"
PACKAGE = "autograder"

# Modules that may import instructor-only ones lazily (command dispatch).
DISPATCHERS = ("cli.py",)
# Files nbgrader releases that students get; anything else in the release folder is refused.
RELEASE_PATTERNS = ("*.ipynb", "test_*.py", "conftest.py", "pytest.ini")
# Import name -> requirement name, for the closure check.
IMPORT_NAMES = {"PIL": "pillow", "sklearn": "scikit-learn", "IPython": "ipython"}
# The notebook runs in Jupyter, which brings IPython; nothing requires it elsewhere.
PROVIDED = ("IPython",)


class BuildError(RuntimeError):
    """The bundle would be incomplete or would leak: nothing is written."""


def student_entries(root: Path = ROOT, assignment: str = ASSIGNMENT) -> list[Entry]:
    """Every file of the student bundle, sorted by name, after the closure check."""
    top = Path(assignment)
    entries = [
        *_release_files(root / "assignments" / assignment, top),
        *_package_files(root / PACKAGE, top / PACKAGE),
        *(
            Entry((top / "assets" / "flashcards" / p.name).as_posix(), p.read_bytes())
            for p in sorted((root / "assets" / "flashcards").glob("*.png"))
        ),
        Entry((top / "requirements.txt").as_posix(), requirements(root).encode()),
        Entry((top / "pyproject.toml").as_posix(), student_pyproject(root).encode()),
        Entry((top / "README.md").as_posix(), _student_readme(root, assignment).encode()),
    ]
    check_closed(entries, requirements(root))
    return sorted(entries, key=lambda entry: entry.name)


def _release_files(folder: Path, top: Path) -> list[Entry]:
    if not any(folder.glob("*.ipynb")):
        raise BuildError(
            f"No release notebook in {folder}: run `nbgrader generate_assignment {folder.name} "
            "--force` from the repository root first."
        )
    files = [p for p in sorted(folder.rglob("*")) if p.is_file()]
    refused = [p for p in files if not _released(p, folder)]
    if refused:
        names = ", ".join(str(p.relative_to(folder)) for p in refused)
        raise BuildError(
            f"{folder} holds files students are not meant to get: {names}. Remove them (or add "
            "their pattern to release.RELEASE_PATTERNS if they are meant for students)."
        )
    return [Entry((top / p.relative_to(folder)).as_posix(), p.read_bytes()) for p in files]


def _released(path: Path, folder: Path) -> bool:
    return path.parent == folder and any(path.match(pattern) for pattern in RELEASE_PATTERNS)


def _package_files(package: Path, top: Path) -> list[Entry]:
    files = sorted({p for pattern in STUDENT_MODULES for p in package.glob(pattern)})
    names = [p.relative_to(package).as_posix() for p in files]
    missing = [name for name in REQUIRED_MODULES if name not in names]
    if missing:
        raise BuildError(f"The self-check needs {', '.join(missing)} in {package}.")
    leaked = [name for name in names if is_instructor_only(name)]
    if leaked:
        raise BuildError(f"Instructor-only modules matched the allow-list: {', '.join(leaked)}.")
    copied = [Entry((top / name).as_posix(), p.read_bytes()) for name, p in zip(names, files)]
    generated = [
        Entry((top / name).as_posix(), text.encode()) for name, text in GENERATED_MODULES.items()
    ]
    return copied + generated


# --- the closure check ---------------------------------------------------------------------------


def check_closed(entries: list[Entry], requirements_text: str) -> None:
    """Raise BuildError unless every import of a bundled module is bundled, standard or required.

    Notebook cells are checked as well (their imports run in the student's Jupyter).
    """
    bundled = {_module_name(e.name) for e in entries if e.name.endswith(".py")}
    allowed = {_requirement_key(line) for line in requirements_text.splitlines() if line.strip()}
    problems = []
    for entry in entries:
        for source, origin, package in _code_of(entry):
            for module, lazy in _imports(source, package):
                problem = _import_problem(module, lazy, origin, bundled, allowed)
                if problem:
                    problems.append(f"{entry.name}: {problem}")
    if problems:
        raise BuildError("The bundle is not self-contained:\n  " + "\n  ".join(problems))


def _module_name(name: str) -> str:
    """``optimisation/autograder/checks/step.py`` -> ``autograder.checks.step``."""
    return module_name(PurePosixPath(*PurePosixPath(name).parts[1:]))


def _code_of(entry: Entry) -> list[tuple[str, str, str]]:
    """(source, module, package) of a Python file, or of every code cell of a notebook."""
    if entry.name.endswith(".py"):
        module = _module_name(entry.name)
        is_package = entry.name.endswith("__init__.py")
        package = module if is_package else module.rpartition(".")[0]
        return [(entry.data.decode(), module, package)]
    if entry.name.endswith(".ipynb"):
        cells = json.loads(entry.data)["cells"]
        return [
            (_strip_magics("".join(cell["source"])), "", "")
            for cell in cells
            if cell["cell_type"] == "code"
        ]
    return []


def _strip_magics(source: str) -> str:
    return re.sub(r"(?m)^(\s*)[%!].*$", r"\1pass", source)


def _imports(source: str, package: str) -> list[tuple[str, bool]]:
    """(absolute module name, imported inside a function or class) of every import; for
    ``from X import y`` both ``X`` and ``X.y`` (which may be a submodule or just a name)."""
    tree = parse(source)
    if tree is None:
        return []
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        lazy = id(node) not in top_level
        if isinstance(node, ast.Import):
            found += [(alias.name, lazy) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            found.append((base, lazy))
            found += [(f"{base}.{alias.name}", lazy) for alias in node.names]
    return found


def _import_problem(
    module: str, lazy: bool, origin: str, bundled: set[str], allowed: set[str]
) -> str | None:
    top = module.split(".")[0]
    where = f"`{origin}`" if origin else "a notebook cell"
    if top == PACKAGE:
        if module in bundled or module not in _package_modules():  # bundled, or a plain name
            return None
        if lazy and f"{origin.rpartition('.')[2]}.py" in DISPATCHERS:
            return None
        return f"{where} imports `{module}`, which is not bundled"
    if top == "solutions":
        return f"{where} imports `{module}` (instructor only)"
    if top in sys.stdlib_module_names or top in PROVIDED or top == "__future__":
        return None
    if _requirement_key(IMPORT_NAMES.get(top, top)) in allowed:
        return None
    return f"{where} imports `{top}`, which requirements.txt does not name"


@cache
def _package_modules() -> frozenset[str]:
    """Every module and subpackage of the package in this checkout, by dotted name."""
    return frozenset(module_name(path.relative_to(ROOT)) for path in (ROOT / PACKAGE).rglob("*.py"))


def _requirement_key(line: str) -> str:
    return re.split(r"[<>=!~\[; ]", line.strip(), maxsplit=1)[0].lower().replace("_", "-")


# --- the texts -----------------------------------------------------------------------------------


def requirements(root: Path = ROOT) -> str:
    """``requirements.txt``: the package's dependencies and its ``course`` extra (the notebook's
    experiment), exactly as pinned in ``pyproject.toml``."""
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    lines = [*project["dependencies"], *project["optional-dependencies"]["course"]]
    return "\n".join(sorted(lines, key=str.lower)) + "\n"


STUDENT_PYPROJECT = """\
# The student's part of the course package: `pip install .` here (or `pip install` the zip) gives
# the `autograder` command and lets notebooks anywhere import the package.
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = {name}
version = {version}
description = "The exercises' self-check (public cases only)"
requires-python = {python}
dependencies = {dependencies}

[project.scripts]
autograder = "autograder.cli:main"

[tool.setuptools.packages.find]
include = ["autograder*"]

[tool.setuptools.package-data]
autograder = ["data/*", "fonts/*"]
"""


def student_pyproject(root: Path = ROOT) -> str:
    """``pyproject.toml`` for the bundle: the same distribution name and version as the course
    package, the dependencies of ``requirements``, the student's modules only."""
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    return STUDENT_PYPROJECT.format(
        name=json.dumps(project["name"]),
        version=json.dumps(project["version"]),
        python=json.dumps(project["requires-python"]),
        dependencies=json.dumps(requirements(root).split()),
    )


def _student_readme(root: Path, assignment: str) -> str:
    path = root / "docs" / "student-readme.md"
    if not path.is_file():
        raise BuildError(f"The student README {path} is missing.")
    return path.read_text().replace("{assignment}", assignment)


# --- writing -------------------------------------------------------------------------------------


def build_student_zip(out: Path, root: Path = ROOT, assignment: str = ASSIGNMENT) -> Path:
    """Write ``out/<assignment>-student.zip``; BuildError (and nothing written) if unsafe."""
    return write_zip(Path(out) / f"{assignment}-student.zip", student_entries(root, assignment))


def main(*, out: Path) -> int:
    """The ``bundle`` command: the student zip, then the Gradescope autograder zip."""
    try:
        student = build_student_zip(out)
    except BuildError as error:
        print(f"Not built: {error}", file=sys.stderr)
        return 1
    built = [student]
    if importlib.util.find_spec(f"{PACKAGE}.gradescope") is None:
        print("Gradescope: autograder/reports/gradescope.py is missing; its zip was not built.")
    else:
        from autograder.reports.gradescope import build_autograder_zip

        built.append(Path(build_autograder_zip(out_dir=Path(out))))
    for path in built:
        with zipfile.ZipFile(path) as archive:
            count = len(archive.namelist())
        print(f"{path}  ({count} files, {path.stat().st_size / 1024:.0f} KiB)")
    return 0
