"""The student's paths on a 2-D surface, for the picture in each report.

Two halves, as for every check:

- child side (inside the sandbox, next to the student's code): ``student_paths(namespace)`` runs
  each step function (and ``gradient_descent``) the student defined on one surface of
  ``autograder.surfaces``, as the flash cards run the references (``surfaces.DEMOS``), and returns
  plain JSON-able data;
- parent side: ``reference_paths(sources)`` does the same with the reference solutions (instructor
  side; empty on a student's side), and ``reports.picture.pictures`` draws one against the other.

A path is ``{"surface": name, "points": [[x, y], ...], "error": None or "TypeError: ..."}``; the
points stop at the first non-finite one, and an exception keeps the points before it.
"""

from __future__ import annotations

import math

from autograder import surfaces
from autograder.spec import TESTS
from autograder.verdict.sources import Sources

# The surface every report draws on: an ill-conditioned ravine (condition number 100), where what
# an algorithm does with each coordinate — momentum's overshoot, per-coordinate scaling — shows.
SURFACE = "ravine"

# Tests whose answers walk a surface: the step functions and gradient descent.
PATH_TESTS: tuple[str, ...] = tuple(
    test.name for test in TESTS if test.kind in ("step", "descent") and test.name in surfaces.DEMOS
)


def _walk(test: str, function, surface: surfaces.Surface) -> dict:
    """One path; whatever the function raises becomes the path's ``error``, and the points
    visited before it are kept."""
    visited = [list(surface.start)]

    def record(param, grad, state, **hyper):
        function(param, grad, state, **hyper)
        visited.append([float(param[0]), float(param[1])])

    error = None
    try:
        if test == "gradient_descent":
            visited = [list(point) for point in surfaces.demo_path(test, function, surface)]
        else:
            surfaces.demo_path(test, record, surface, slope=surfaces.formula_gradient)
    except Exception as raised:  # the student's error is part of the observation
        error = f"{type(raised).__name__}: {str(raised)[:200]}"
    return {"surface": surface.name, "points": _finite_prefix(visited), "error": error}


def _finite_prefix(points: list[list[float]]) -> list[list[float]]:
    """The points up to the first one that is not finite."""
    for count, point in enumerate(points):
        if not all(math.isfinite(value) for value in point):
            return points[:count]
    return points


def student_paths(namespace: dict, *, surface: str = SURFACE) -> dict[str, dict]:
    """Child side: the path of every step function (and ``gradient_descent``) in ``namespace``,
    by test name; tests whose answer is missing or not callable are left out."""
    where = surfaces.SURFACES[surface]
    paths = {}
    for name in PATH_TESTS:
        function = namespace.get(surfaces.DEMOS[name].answer)
        if callable(function):
            paths[name] = _walk(name, function, where)
    return paths


def reference_paths(sources: Sources, *, surface: str = SURFACE) -> dict[str, dict]:
    """Parent side: the reference's paths on ``surface`` (computed once per ``sources``); empty
    on a student's side."""

    def walk() -> dict[str, dict]:
        namespace = sources.reference_namespace()
        return {} if namespace is None else student_paths(namespace, surface=surface)

    return sources.cached(("paths", surface), walk)
