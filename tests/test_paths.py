"""The picture in a report: student paths (child side), reference paths and the drawing."""

from __future__ import annotations

import base64
import io
import json
import re

import numpy
import pytest
import torch
from PIL import Image

from autograder import surfaces
from autograder.reports import paths, picture, report
from autograder.reports.result import SubmissionResult, TestResult
from autograder.verdict.sources import Sources

SOURCES = Sources.discover()  # this checkout: the instructor's side


SURFACE = surfaces.SURFACES[paths.SURFACE]


def _raises_after(calls: int):
    def step(param, grad, state, **hyper):
        state["calls"] = state.get("calls", 0) + 1
        if state["calls"] > calls:
            raise ValueError("<b>boom</b>")
        param.sub_(0.1 * grad)

    return step


def _rebinds(param, grad, state, **hyper):
    param = param - 0.1 * grad


def _diverges(param, grad, state, **hyper):
    param.mul_(1e200)


def _wrong_sign(param, grad, state, **hyper):
    param.add_(hyper["lr"] * grad)


@pytest.fixture(scope="module")
def reference():
    return paths.reference_paths(SOURCES)


def test_reference_paths_walk_every_step_test(reference):
    """Does every step function and gradient descent have a whole, finite reference path?"""
    assert set(reference) == set(paths.PATH_TESTS) >= {"gradient_descent", "sgd", "adam"}
    for path in reference.values():
        assert path["error"] is None and path["surface"] == paths.SURFACE
        assert len(path["points"]) == SURFACE.steps + 1
        assert path["points"][0] == list(SURFACE.start)


def test_reference_paths_are_the_student_paths_of_the_reference(reference, root):
    """Does the child-side function give the reference's own paths on the reference code?"""
    import solutions.reference as module

    assert paths.student_paths(vars(module)) == reference


@pytest.mark.parametrize(
    ("function", "count", "error"),
    [
        (_raises_after(5), 6, "ValueError: <b>boom</b>"),
        (_rebinds, SURFACE.steps + 1, None),
        (_diverges, 2, None),
        (_wrong_sign, SURFACE.steps + 1, None),
    ],
)
def test_student_paths_record_what_happened(function, count, error):
    """Does a path keep the points before an error or a non-finite value, and the error?"""
    path = paths.student_paths({"momentum_step": function})["momentum"]
    assert len(path["points"]) == count and path["error"] == error
    json.dumps(path, allow_nan=False)


def test_rebinding_never_moves():
    """Does a step function that rebinds ``param`` stay at the start?"""
    path = paths.student_paths({"sgd_step": _rebinds})["sgd"]
    assert {tuple(point) for point in path["points"]} == {SURFACE.start}


def test_missing_or_uncallable_answers_are_left_out():
    """Are tests whose answer is missing or not a function left out?"""
    assert paths.student_paths({"adam_step": 3, "MySGD": _rebinds}) == {}


def test_gradient_descent_errors_are_recorded():
    """Does a gradient_descent that raises give the start point and the error?"""

    def broken(f, x0, *, lr, steps):
        raise RuntimeError("no autograd")

    path = paths.student_paths({"gradient_descent": broken})["gradient_descent"]
    assert path["points"] == [list(SURFACE.start)] and "RuntimeError" in path["error"]


def _colour_count(png: bytes, colour: tuple[int, int, int]) -> int:
    pixels = numpy.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    return int((pixels == numpy.array(colour, dtype=numpy.uint8)).all(axis=-1).sum())


def test_picture_draws_both_paths(reference):
    """Is the picture a PNG of the set size with the student's and the reference's colours?"""
    student = paths.student_paths({"adam_step": _wrong_sign})
    png = picture.pictures(student, reference)["adam"]
    assert Image.open(io.BytesIO(png)).size == picture.SIZE
    assert _colour_count(png, picture.STUDENT) > 50
    assert _colour_count(png, picture.REFERENCE) > 50


def test_picture_without_reference_draws_the_student_only(reference):
    """On a student's machine (no reference), is the student's path still drawn alone?"""
    student = paths.student_paths({"adam_step": _wrong_sign})
    alone = picture.pictures(student, {})["adam"]
    both = picture.pictures(student, reference)["adam"]
    assert _colour_count(alone, picture.STUDENT) > 50
    # Only the legend's swatch is in the reference's colour.
    assert _colour_count(alone, picture.REFERENCE) < _colour_count(both, picture.REFERENCE) / 4


@pytest.mark.parametrize(
    "path",
    [
        {"surface": "nowhere", "points": [[0, 0]]},
        {"surface": paths.SURFACE, "points": "[[0, 0]]"},
        {"surface": paths.SURFACE, "points": [[0, float("nan")]]},
        {"surface": paths.SURFACE, "points": [[0, 0, 0]]},
        {"surface": paths.SURFACE, "points": [["0", 0]]},
        {"surface": paths.SURFACE, "points": [[0, 0]] * (picture.MAX_POINTS + 1)},
        {"surface": paths.SURFACE, "points": []},
        ["not", "a", "dict"],
    ],
)
def test_malformed_paths_are_not_drawn(path):
    """Is data from the sandbox that is not a path skipped rather than drawn or crashing?"""
    assert picture.pictures({"adam": path}, {}) == {}


def test_report_embeds_the_picture(reference):
    """Does the HTML report carry the picture as a PNG that opens?"""
    student = paths.student_paths({"adam_step": _wrong_sign})
    pictures = picture.pictures(student, reference)
    result = SubmissionResult("s", [TestResult.zero("adam")])
    page = report.to_html(result, pictures=pictures)
    (encoded,) = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page)
    assert Image.open(io.BytesIO(base64.b64decode(encoded))).format == "PNG"


def test_background_has_contours():
    """Does the background show the surface's contour lines?"""
    pixels = numpy.asarray(picture.background(SURFACE))
    assert pixels.shape == (picture.SIZE[1], picture.SIZE[0], 3)
    assert (pixels == numpy.array(picture.CONTOUR, dtype=numpy.uint8)).all(axis=-1).sum() > 500


@pytest.mark.parametrize(
    "surface", [s for s in surfaces.SURFACES.values() if s.formula], ids=lambda s: s.name
)
def test_closed_form_gradients_are_autograd_s(surface):
    """Does every surface's closed-form gradient agree with autograd's, to rounding, across its
    window and beyond (the report pictures walk paths with it)?"""
    (x0, x1), (y0, y1) = surface.window
    generator = numpy.random.default_rng(0)
    for x, y in generator.uniform((2 * x0, 2 * y0), (2 * x1, 2 * y1), size=(200, 2)):
        point = torch.tensor((x, y), dtype=torch.float64)
        exact = surfaces.gradient(surface, point)
        closed = surfaces.formula_gradient(surface, point)
        torch.testing.assert_close(closed, exact, rtol=4e-16, atol=0.0)


def test_report_paths_keep_their_shape_with_the_closed_form():
    """Does a reference path walked with the closed-form gradient visit the same points as with
    autograd (within rounding), so that the picture is the same?"""
    namespace = SOURCES.reference_namespace()
    for name in paths.PATH_TESTS:
        if name == "gradient_descent":
            continue
        function = namespace[surfaces.DEMOS[name].answer]
        slow = surfaces.demo_path(name, function, SURFACE)
        fast = surfaces.demo_path(name, function, SURFACE, slope=surfaces.formula_gradient)
        assert numpy.allclose(fast, slow, rtol=1e-12, atol=1e-12), name
