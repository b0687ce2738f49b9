"""The picture in a report: the student's path against the reference's on a 2-D surface (Pillow).

The surface is drawn as filled contour bands with their boundaries (the surface's ``levels``), the
reference's path in blue, the student's in red, both starting at the same marked point; the end of
each path is a dot. Points outside the window are clamped to its border, so a diverging path
still shows which way it went.

Parent side only: ``pictures(student, reference)`` takes the plain data of ``reports.paths``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from functools import cache
from typing import TypeGuard

import torch
from PIL import Image, ImageDraw

from autograder import surfaces
from autograder.reports.paths import PATH_TESTS

SIZE = (480, 300)
MARGIN = 2
MAX_POINTS = 1000
STUDENT = (205, 40, 40)
REFERENCE = (35, 90, 200)
CONTOUR = (120, 120, 120)
# Band colours from the lowest loss to the highest: pale to darker neutral greens.
BANDS = ((248, 252, 246), (236, 245, 232), (222, 237, 216), (206, 227, 199), (190, 216, 182))


def _to_pixels(surface: surfaces.Surface, point) -> tuple[float, float]:
    (x_min, x_max), (y_min, y_max) = surface.window
    width, height = SIZE
    u = (point[0] - x_min) / (x_max - x_min) * (width - 1)
    v = (y_max - point[1]) / (y_max - y_min) * (height - 1)
    return (min(max(u, MARGIN), width - 1 - MARGIN), min(max(v, MARGIN), height - 1 - MARGIN))


def background(surface: surfaces.Surface) -> Image.Image:
    """Filled contour bands of the surface over its window, with the band boundaries drawn
    (computed once per surface and process: a batch draws hundreds of pictures on it)."""
    return _background(surface.name).copy()


@cache
def _background(name: str) -> Image.Image:
    surface = surfaces.SURFACES[name]
    (x_min, x_max), (y_min, y_max) = surface.window
    width, height = SIZE
    xs = torch.linspace(x_min, x_max, width, dtype=torch.float64)
    ys = torch.linspace(y_max, y_min, height, dtype=torch.float64)
    grid = torch.stack(torch.meshgrid(ys, xs, indexing="ij")[::-1], dim=-1)
    with torch.no_grad():
        loss = surface.f(grid)
    levels = torch.tensor(surface.levels or (float(loss.median()),), dtype=torch.float64)
    band = torch.bucketize(loss, levels)
    edge = torch.zeros_like(band, dtype=torch.bool)
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    palette = torch.tensor(BANDS, dtype=torch.uint8)
    pixels = palette[band.clamp(max=len(BANDS) - 1)]
    pixels[edge] = torch.tensor(CONTOUR, dtype=torch.uint8)
    return Image.fromarray(pixels.numpy(), "RGB")


def _polyline(draw: ImageDraw.ImageDraw, surface, points, colour, width: int) -> None:
    pixels = [_to_pixels(surface, point) for point in points]
    if len(pixels) > 1:
        draw.line(pixels, fill=colour, width=width, joint="curve")
    if pixels:
        x, y = pixels[-1]
        draw.ellipse((x - 4, y - 4, x + 4, y + 4), fill=colour)


def _legend(canvas: ImageDraw.ImageDraw) -> None:
    """Bottom right, away from every surface's start (top left)."""
    width, height = SIZE
    left, top = width - 104, height - 38
    canvas.rectangle((left, top, width - 1, height - 1), fill=(255, 255, 255), outline=CONTOUR)
    for row, (label, colour) in enumerate((("your path", STUDENT), ("reference", REFERENCE))):
        y = top + 10 + 16 * row
        canvas.line((left + 6, y, left + 24, y), fill=colour, width=3)
        canvas.text((left + 30, y - 6), label, fill=(0, 0, 0))


def draw(student: dict, reference: dict | None) -> bytes:
    """A PNG of the student's path (red) against the reference's (blue) on their surface."""
    surface = surfaces.SURFACES[student["surface"]]
    image = background(surface)
    canvas = ImageDraw.Draw(image)
    minimum = _to_pixels(surface, surface.minimum)
    canvas.line((minimum[0] - 5, minimum[1], minimum[0] + 5, minimum[1]), fill=(0, 0, 0))
    canvas.line((minimum[0], minimum[1] - 5, minimum[0], minimum[1] + 5), fill=(0, 0, 0))
    if reference is not None:
        _polyline(canvas, surface, reference["points"], REFERENCE, 3)
    _polyline(canvas, surface, student["points"], STUDENT, 2)
    x, y = _to_pixels(surface, surface.start)
    canvas.rectangle((x - 4, y - 4, x + 4, y + 4), outline=(0, 0, 0), width=2)
    _legend(canvas)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _valid(path: object) -> TypeGuard[dict]:
    """Whether a path from the sandbox is what ``reports.paths`` makes: it crossed a process
    boundary next to student code, so it is checked before it is drawn."""
    if not isinstance(path, dict):
        return False
    surface = path.get("surface")
    if type(surface) is not str or surface not in surfaces.SURFACES:  # a list is unhashable
        return False
    points = path.get("points")
    return (
        type(points) is list
        and 0 < len(points) <= MAX_POINTS
        and all(
            type(point) is list
            and len(point) == 2
            and all(type(value) is float and math.isfinite(value) for value in point)
            for point in points
        )
    )


def pictures(student: Mapping[str, dict], reference: Mapping[str, dict]) -> dict[str, bytes]:
    """One PNG per test with a valid student path, keyed by test name (for ``report``)."""
    drawn = {}
    for name in PATH_TESTS:
        path = student.get(name)
        if _valid(path) and len(path["points"]) > 1:  # a stub that raised at once: nothing to show
            other = reference.get(name)
            drawn[name] = draw(path, other if _valid(other) else None)
    return drawn
