"""Sketch the paths: your own optimisers on the surfaces of the flash cards.

The path cards show how seven algorithms walk 2-D loss surfaces, without saying which is which.
This helper runs *your* step functions (and your ``gradient_descent``) on every one of those
surfaces, exactly as the cards run the reference solutions (same start, steps and hyperparameters,
``surfaces.DEMOS``), so you can check your matching by experiment::

    from autograder.sketch import sketch
    sketch(globals())            # every optimiser you defined, on every surface
    sketch({"adam": adam_step})  # just one (keys: algorithm or function names)
    sketch()                     # the bare surfaces, to sketch on by hand first

It never draws or names a reference path: what you see is what your own code does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from autograder.cards.paths import draw_path, draw_surface
from autograder.surfaces import DEMOS, SURFACES, demo_path

COLOURS = ("#c0392b", "#2471a3", "#229954", "#d68910", "#7d3c98", "#17a589", "#566573")
BY_ANSWER = {demo.answer: algorithm for algorithm, demo in DEMOS.items()}


def chosen(functions: Mapping[str, object] | None) -> list[tuple[str, str, Callable]]:
    """``(algorithm, label, function)`` for every entry of ``functions`` named after an algorithm
    (``"adam"``) or a contract function (``"adam_step"``); other entries (a whole ``globals()``)
    are ignored."""
    found: list[tuple[str, str, Callable]] = []
    for name, function in (functions or {}).items():
        algorithm = name if name in DEMOS else BY_ANSWER.get(name)
        if algorithm is not None and callable(function):
            found.append((algorithm, name, function))
    return found


def _walk(algorithm: str, function: Callable, surface) -> tuple[list, str | None]:
    """The path, or no path and why (your code's exception, as a short note)."""
    try:
        return demo_path(algorithm, function, surface), None
    except Exception as error:  # the student's code: show it, do not stop the picture
        return [], f"{type(error).__name__}: {str(error)[:60]}"


def sketch(
    functions: Mapping[str, object] | None = None,
    *,
    surfaces: list[str] | None = None,
    columns: int = 3,
):
    """A matplotlib figure: one panel per surface, your optimisers' paths drawn on each.

    Args:
        functions: ``globals()`` or a dict of your functions by algorithm or function name;
            None draws the bare surfaces (start point marked) to sketch on by hand.
        surfaces: which surfaces (default: all of ``autograder.surfaces.SURFACES``).
        columns: panels per row.

    Returns:
        The ``matplotlib.figure.Figure`` (a notebook shows it).
    """
    import matplotlib.pyplot as plt

    runs = chosen(functions)
    names = list(SURFACES) if surfaces is None else list(surfaces)
    rows = math.ceil(len(names) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.4 * columns, 3.2 * rows), squeeze=False)
    notes: dict[str, str] = {}
    for ax, name in zip(axes.flat, names):
        surface = SURFACES[name]
        draw_surface(ax, surface)
        ax.set_title(name)
        ax.plot(*surface.start, "o", mfc="white", mec="black", markersize=10, mew=2)
        for colour, (algorithm, label, function) in zip(COLOURS, runs):
            points, error = _walk(algorithm, function, surface)
            if error is not None:
                notes[label] = error
            elif points:
                draw_path(ax, points, colour, label=f"your {label}", marks=colour)
    for ax in axes.flat[len(names) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    labels += [f"your {label} raised {error}" for label, error in notes.items()]
    handles += [plt.Line2D([], [], ls="") for _ in notes]
    if labels:
        fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), frameon=False)
    elif functions is not None:
        fig.suptitle("None of your optimisers was found: pass globals() or a dict of them.")
    fig.tight_layout(rect=(0, 0.08 if labels else 0, 1, 1))
    return fig
