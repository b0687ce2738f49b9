"""The trust boundary of the ``autograder`` package, declared once.

Three places run this package's code, and each may see only its part of it:

- **the student's machine** (the student bundle, ``release``): ``STUDENT_MODULES``, never
  ``INSTRUCTOR_ONLY``;
- **the sandboxed child** (``sandbox.confine``): reads the same student files, and nothing else
  of the repository (not ``solutions/``, not the instructor-only modules) — it runs student code;
- **the instructor's process**: everything, with ``solutions/`` (references, hidden cases, the
  mistake catalogue, the card key).

``release`` builds the bundle from these lists and ``sandbox.confine`` builds the child's
Landlock rules from them: one list, so the two cannot disagree.
"""

from __future__ import annotations

from pathlib import Path

from autograder import PACKAGE_DIR

# The student's part of the package, by file. Each line says who needs it.
STUDENT_MODULES: tuple[str, ...] = (
    "__init__.py",
    "__main__.py",  # python -m autograder check
    "cli.py",  # the `check` command (the instructor commands fail with ImportError)
    "defaults.py",  # the `grade` command's defaults, which the CLI shows
    "selfcheck.py",  # `check` and the assignment's pytest
    "notebook.py",  # the notebook's test cells: check(name, globals())
    "loading/load.py",  # reads the notebook's answer cells for the self-check
    "loading/needed.py",  # keeps only the code the answers need (the self-check starts fast)
    "loading/syntax.py",  # reads code without running it (load and needed)
    "verdict/engine.py",  # grade_namespace
    "spec.py",
    "verdict/cases.py",
    "checks/__init__.py",
    "verdict/__init__.py",
    "reports/__init__.py",
    "loading/__init__.py",
    "checks/*.py",  # every kind of check runs on the student's side (public cases)
    "cards/key.py",  # the public list of card ids (the key itself is read from solutions/ only)
    "cards/paths.py",  # draws a surface and a path (sketch); which card uses which surface is
    "cards/canvas.py",  # in the key only (solutions/), so these hold no answer
    "fonts/DejaVuSans.ttf",  # the cards' and sketches' font, with its licence
    "fonts/LICENSE_DEJAVU",
    "checks/runner.py",
    "verdict/judges.py",
    "verdict/compare.py",
    "verdict/expect.py",  # the student side reads data/public_expectations.json
    "verdict/sources.py",  # which side this is: "no solutions/ here", so hidden cases are refused
    "reports/result.py",
    "verdict/observations.py",  # what a complete observation is (the judges check every one)
    "reports/report.py",  # feedback text
    "files.py",  # writes the self-check's reports atomically
    "verdict/diagnose.py",  # names a known mistake (its catalogue stays in solutions/)
    "floats.py",  # lists of floats packed in JSON (the public mistakes; the sandbox's wire)
    "verdict/profile.py",  # when nothing is named: under which conditions it differs
    "verdict/absent.py",  # why an answer is missing, in one line
    "surfaces.py",  # the 2-D loss surfaces of the "sketch the paths" challenge
    "sketch.py",  # draws the student's paths on them
    "data/public_expectations.json",
    "data/public_mistakes.json",  # diagnose's words and observations on the public cases
    "data/flashcards.json",  # the card ids of each deck, sorted, no answers
)
# Written by the builder instead of copied: ``cards/__init__.py`` draws the decks from the key and
# ``rules.py``; the student's ``autograder.cards`` reads card ids and draws surfaces, nothing more.
GENERATED_MODULES = {
    "cards/__init__.py": (
        '"""The flash cards\' public part: ``key`` lists the card ids, ``paths`` draws surfaces '
        "and paths (for ``sketch``); the answer key and the decks' drawing stay with the "
        'instructor."""\n'
    ),
}
# Required for the self-check to work: the build stops without them.
REQUIRED_MODULES = ("__init__.py", "selfcheck.py", "notebook.py", "data/public_expectations.json")
# Never copied, whatever the list above says (a guard against a careless glob): drawing the decks
# (``rules`` ties each formula to its algorithm), authoring, the batch grader and its sandbox, the
# gradebook, Gradescope's zip, this module.
INSTRUCTOR_ONLY = (
    "cards/__init__.py",
    "cards/rules.py",
    "course/authoring.py",
    "batch.py",
    "verdict/grade.py",
    "sandbox/*",
    "reports/gradebook.py",
    "reports/gradescope.py",
    "course/release.py",
)


def is_instructor_only(name: str) -> bool:
    """Whether a package-relative file name is instructor-only."""
    return any(Path(name).match(pattern) for pattern in INSTRUCTOR_ONLY)


def student_files(package: Path = PACKAGE_DIR) -> list[Path]:
    """The package's files a student (and the sandboxed child) may read."""
    files = {path for pattern in STUDENT_MODULES for path in package.glob(pattern)}
    return sorted(
        path for path in files if not is_instructor_only(path.relative_to(package).as_posix())
    )
