"""Do the surfaces and the sketch helper show a student's own optimisers, and only those?"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import pytest
import torch

from autograder.sketch import sketch
from autograder.spec import ALGORITHMS
from autograder.surfaces import DEMOS, SURFACES, demo_path, path
from solutions import reference

TORCH = {
    "sgd": (torch.optim.SGD, lambda h: h),
    "momentum": (torch.optim.SGD, lambda h: h),
    "nesterov": (torch.optim.SGD, lambda h: {**h, "nesterov": True}),
    "adagrad": (torch.optim.Adagrad, lambda h: h),
    "rmsprop": (torch.optim.RMSprop, lambda h: h),
    "adam": (
        torch.optim.Adam,
        lambda h: {"lr": h["lr"], "betas": (h["beta1"], h["beta2"]), "eps": h["eps"]},
    ),
}


@pytest.mark.parametrize("algorithm", sorted(TORCH))
def test_path_follows_torch_optim(algorithm):
    """Does ``path`` with a reference step function visit the points torch.optim visits?"""
    surface = SURFACES["bowl"]
    demo = DEMOS[algorithm]
    ours = path(getattr(reference, demo.answer), demo.hyper, surface, steps=20)
    optimizer_class, convert = TORCH[algorithm]
    point = torch.tensor(surface.start, dtype=torch.float64, requires_grad=True)
    optimizer = optimizer_class([point], **convert(dict(demo.hyper)))
    for step in range(20):
        optimizer.zero_grad()
        surface.f(point).backward()
        optimizer.step()
        assert ours[step + 1] == pytest.approx(tuple(point.tolist()), abs=1e-12)


def test_noise_is_seeded_and_only_when_asked():
    """Is a noisy path reproducible from its seed, and different from the exact one?"""
    surface = SURFACES["bowl"]
    noisy = [path(reference.sgd_step, {"lr": 0.1}, surface, noise_seed=3) for _ in range(2)]
    exact = path(reference.sgd_step, {"lr": 0.1}, surface)
    assert noisy[0] == noisy[1] != exact


def test_a_diverging_path_stops_at_the_last_finite_point():
    """Does a path that blows up end before its first non-finite point?"""
    points = path(reference.sgd_step, {"lr": 1e200}, SURFACES["rosenbrock"], steps=30)
    assert 1 < len(points) < 31
    assert all(math.isfinite(value) for point in points for value in point)


def labels_of(figure) -> list[str]:
    legends = figure.legends
    return [text.get_text() for legend in legends for text in legend.get_texts()]


def test_sketch_draws_the_students_functions_on_every_surface():
    """Does each of the student's functions get a labelled path on each surface?"""
    namespace = {"sgd_step": reference.sgd_step, "adam": reference.adam_step, "x": 3}
    figure = sketch(namespace)
    assert sorted(labels_of(figure)) == ["your adam", "your sgd_step"]
    panels = [ax for ax in figure.axes if ax.get_title()]
    assert sorted(ax.get_title() for ax in panels) == sorted(SURFACES)
    for ax in panels:
        assert sorted(line.get_label() for line in ax.lines if "your" in line.get_label()) == [
            "your adam",
            "your sgd_step",
        ]


def test_sketch_without_functions_names_no_algorithm():
    """Do the bare surfaces carry no path, legend or algorithm name?"""
    figure = sketch()
    assert labels_of(figure) == []
    texts = [ax.get_title() for ax in figure.axes] + [t.get_text() for t in figure.texts]
    assert not any(name in text for name in ALGORITHMS for text in texts)
    assert all(len(ax.lines) == 2 for ax in figure.axes if ax.get_title())  # minimum and start


def test_sketch_notes_a_function_that_raises():
    """Is a failing function told in the legend, without stopping the others?"""

    def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
        raise TypeError("not yet")

    figure = sketch({"adam_step": adam_step, "momentum_step": reference.momentum_step})
    assert "your adam_step raised TypeError: not yet" in labels_of(figure)
    assert "your momentum_step" in labels_of(figure)


def test_demo_paths_match_the_cards_runs():
    """Does the sketch run a function exactly as the cards run the reference (same points)?"""
    surface = SURFACES["ravine"]
    assert demo_path("momentum", reference.momentum_step, surface) == path(
        reference.momentum_step, DEMOS["momentum"].hyper, surface
    )
