"""The path deck: an algorithm's trajectory on a 2-D loss surface, from the reference solutions.

Each card shows the surface's contours, every iterate joined by a line, the start (hollow circle),
the end (star) and the lowest point (plus). Which surface each card uses is part of the answer
key (``solutions/flashcard_key.json``); how each algorithm is run is public (``surfaces.DEMOS``), so
a student who runs their own optimisers (``autograder.sketch``) sees the same paths.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib
import numpy as np
import torch
from matplotlib.lines import Line2D
from PIL import Image

from autograder.cards import canvas
from autograder.surfaces import SURFACES, Point, Surface, demo_path

PATH_COLOUR = "#c0392b"
MARK_COLOUR = "#1b1b1b"
GRID = 240  # contour grid points per side


def grid(surface: Surface, size: int = GRID) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``X, Y, Z``: the loss on a regular grid over the surface's window."""
    (x_min, x_max), (y_min, y_max) = surface.window
    xs = torch.linspace(x_min, x_max, size, dtype=torch.float64)
    ys = torch.linspace(y_min, y_max, size, dtype=torch.float64)
    x, y = torch.meshgrid(xs, ys, indexing="xy")
    z = surface.f(torch.stack([x, y], dim=-1))
    return x.numpy(), y.numpy(), z.numpy()


def draw_surface(ax, surface: Surface) -> None:
    """The surface's filled contours, contour lines and lowest point, without ticks."""
    x, y, z = grid(surface)
    levels = [level for level in sorted(surface.levels) if z.min() < level < z.max()]
    ax.contourf(x, y, z, levels=[z.min(), *levels, z.max()], cmap="Blues_r", alpha=0.35)
    ax.contour(x, y, z, levels=levels, colors="#7f8c8d", linewidths=0.8)
    ax.plot(*surface.minimum, marker="+", color="#555555", markersize=14, mew=2)
    (x_min, x_max), (y_min, y_max) = surface.window
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_xticks([])
    ax.set_yticks([])


def draw_path(
    ax,
    points: Sequence[Point],
    colour: str = PATH_COLOUR,
    label: str | None = None,
    marks: str = MARK_COLOUR,
) -> None:
    """A trajectory: every iterate joined by a line, the start circled and the end starred."""
    xs, ys = zip(*points)
    ax.plot(xs, ys, "-o", color=colour, lw=1.6, markersize=3.5, label=label, clip_on=True)
    ax.plot(xs[0], ys[0], "o", mfc="white", mec=marks, markersize=12, mew=2)
    ax.plot(xs[-1], ys[-1], "*", color=marks, markersize=17)


def legend_handles() -> list[Line2D]:
    """What the marks mean (the same on every card)."""
    return [
        Line2D([], [], ls="", marker="o", mfc="white", mec=MARK_COLOUR, markersize=11, mew=2),
        Line2D([], [], ls="", marker="*", color=MARK_COLOUR, markersize=15),
        Line2D([], [], ls="", marker="+", color="#555555", markersize=13, mew=2),
        Line2D([], [], ls="-", marker="o", color=PATH_COLOUR, markersize=3.5),
    ]


LEGEND = ("start", "end", "lowest point", "one step")


def inside(points: Sequence[Point], surface: Surface) -> bool:
    """Whether every point lies in the surface's window (a card must show the whole path)."""
    (x_min, x_max), (y_min, y_max) = surface.window
    return all(x_min <= x <= x_max and y_min <= y <= y_max for x, y in points)


def draw(
    algorithm: str, surface_name: str, card_id: str, function: Callable[..., object]
) -> Image.Image:
    """The path card of ``function`` (the reference ``algorithm``) on ``surface_name``."""
    surface = SURFACES[surface_name]
    points = demo_path(algorithm, function, surface)
    if len(points) != surface.steps + 1 or not inside(points, surface):
        raise ValueError(f"The path of {algorithm} leaves the {surface_name} window")
    with matplotlib.rc_context(canvas.RC):
        fig = canvas.figure(canvas.SIZE)
        width, height = canvas.SIZE
        ax = fig.add_axes((16 / width, 56 / height, 1 - 32 / width, 1 - 100 / height))
        draw_surface(ax, surface)
        draw_path(ax, points)
        fig.legend(
            legend_handles(),
            LEGEND,
            loc="lower center",
            ncol=4,
            frameon=False,
            fontsize=13,
            bbox_to_anchor=(0.5, 0.0),
            handletextpad=0.4,
            columnspacing=1.8,
        )
        image = canvas.rasterise(fig).convert("RGB")
    return canvas.finish(image, card_id)
