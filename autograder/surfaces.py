r"""Two-dimensional loss surfaces, and the path an optimiser takes on them.

The flash cards, the "sketch the paths" helper and the reports all draw trajectories on these
surfaces. A surface is a differentiable torch function of a point :math:`(x, y)` with a start point
and a plot window; :func:`path` runs any step function of the contract on it:

.. math::
    g_t = \nabla f(\theta_{t-1}) + \sigma\, \xi_t, \qquad \xi_t \sim \mathcal{N}(0, I)
    \quad (\sigma = 0 \text{ unless a noise seed is given}),

then ``step_fn(theta, g_t, state, **hyper)``, ``steps`` times. Usage::

    from autograder.surfaces import DEMOS, SURFACES, path
    points = path(momentum_step, DEMOS["momentum"].hyper, SURFACES["ravine"], steps=40)

Each function takes ``xy`` of shape ``(..., 2)`` and returns ``f`` of shape ``(...)``, so the same
function evaluates one point (for autograd) or a whole grid (for contours).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

Point = tuple[float, float]


@dataclass(frozen=True)
class Surface:
    """A loss surface with where to start and what to show.

    Attributes:
        name: a neutral name (it never names an algorithm).
        f: the loss, a torch function of ``xy`` with shape ``(..., 2)``.
        start: the starting point :math:`\theta_0`.
        window: ``((x_min, x_max), (y_min, y_max))``, the region a plot shows.
        minimum: where the loss is lowest, or a low point worth marking.
        steps: how many steps a path on this surface takes by default.
        noise: the standard deviation :math:`\\sigma` of the gradient noise when a path asks for it.
        levels: contour levels (losses) a plot draws.
        formula: the gradient in closed form, ``(x, y) -> (df/dx, df/dy)``, where it is short
            (``formula_gradient``; ``tests/test_paths.py`` checks it against autograd).
    """

    name: str
    f: Callable[[torch.Tensor], torch.Tensor]
    start: Point
    window: tuple[Point, Point]
    minimum: Point
    steps: int
    noise: float = 0.0
    levels: tuple[float, ...] = field(default=())
    formula: Callable[[float, float], Point] | None = None


def _bowl(xy: torch.Tensor) -> torch.Tensor:
    r""":math:`f = \tfrac12 (x^2 + 4 y^2)`: a mildly elongated quadratic bowl."""
    x, y = xy[..., 0], xy[..., 1]
    return 0.5 * (x**2 + 4.0 * y**2)


def _ravine(xy: torch.Tensor) -> torch.Tensor:
    r""":math:`f = \tfrac12 (x^2 / 10 + 10\, y^2)`: ill-conditioned, condition number 100."""
    x, y = xy[..., 0], xy[..., 1]
    return 0.5 * (0.1 * x**2 + 10.0 * y**2)


def _ravine_gradient(x: float, y: float) -> Point:
    r""":math:`\nabla f = (x / 10,\ 10\, y)`."""
    return 0.1 * x, 10.0 * y


def _rosenbrock(xy: torch.Tensor) -> torch.Tensor:
    r""":math:`f = (1 - x)^2 + 10\,(y - x^2)^2`: a curved valley, minimum at :math:`(1, 1)`."""
    x, y = xy[..., 0], xy[..., 1]
    return (1.0 - x) ** 2 + 10.0 * (y - x**2) ** 2


def _saddle(xy: torch.Tensor) -> torch.Tensor:
    r""":math:`f = \tfrac12 x^2 + \tfrac14 y^4 - \tfrac12 y^2`: a saddle at the origin between
    two minima at :math:`(0, \pm 1)`."""
    x, y = xy[..., 0], xy[..., 1]
    return 0.5 * x**2 + 0.25 * y**4 - 0.5 * y**2


def _cliff(xy: torch.Tensor) -> torch.Tensor:
    r""":math:`f = \tfrac3{10} \sqrt{x^2 + \tfrac14} + y^2 + \operatorname{softplus}(-2 (x + 6))`:
    a steep wall for :math:`x < -6`, then a long valley of gentle, constant slope down to the
    minimum at the origin."""
    x, y = xy[..., 0], xy[..., 1]
    return 0.3 * torch.sqrt(x**2 + 0.25) + y**2 + torch.nn.functional.softplus(-2.0 * (x + 6.0))


SURFACES: dict[str, Surface] = {
    surface.name: surface
    for surface in (
        Surface(
            "bowl",
            _bowl,
            start=(-2.6, 1.4),
            window=((-3.0, 3.0), (-1.6, 1.6)),
            minimum=(0.0, 0.0),
            steps=30,
            noise=1.5,
            levels=(0.05, 0.2, 0.5, 1.0, 2.0, 3.5, 5.5, 8.0),
        ),
        Surface(
            "ravine",
            _ravine,
            start=(-9.0, 1.0),
            window=((-10.0, 10.0), (-1.5, 1.5)),
            minimum=(0.0, 0.0),
            steps=60,
            levels=(0.1, 0.5, 1.0, 2.0, 4.0, 6.0, 9.0),
            formula=_ravine_gradient,
        ),
        Surface(
            "rosenbrock",
            _rosenbrock,
            start=(-1.2, 1.0),
            window=((-1.6, 1.6), (-0.6, 1.8)),
            minimum=(1.0, 1.0),
            steps=100,
            levels=(0.05, 0.2, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0),
        ),
        Surface(
            "saddle",
            _saddle,
            start=(-1.8, 0.02),
            window=((-2.0, 2.0), (-1.6, 1.6)),
            minimum=(0.0, 1.0),
            steps=40,
            levels=(-0.2, -0.1, 0.0, 0.2, 0.5, 1.0, 1.6),
        ),
        Surface(
            "cliff",
            _cliff,
            start=(-9.5, 1.2),
            window=((-10.0, 2.0), (-1.6, 1.6)),
            minimum=(0.0, 0.0),
            steps=50,
            levels=(0.2, 0.35, 0.6, 1.0, 1.5, 2.2, 3.0, 4.0, 5.0, 6.5, 8.5, 11.0),
        ),
    )
}


@dataclass(frozen=True)
class Demo:
    """How one algorithm is run on every surface (the cards and the sketch helper use the same).

    Attributes:
        answer: the contract name of the student's function (``momentum_step``, ...).
        hyper: its keyword arguments; for ``gradient_descent``, ``lr`` alone.
        noise_seed: seeds the gradient noise, or None for exact gradients.
    """

    answer: str
    hyper: dict[str, float]
    noise_seed: int | None = None


# One setting per algorithm, the same on every surface: what each is known for shows on some.
DEMOS: dict[str, Demo] = {
    "gradient_descent": Demo("gradient_descent", {"lr": 0.1}),
    "sgd": Demo("sgd_step", {"lr": 0.1}, noise_seed=7),
    "momentum": Demo("momentum_step", {"lr": 0.05, "momentum": 0.9}),
    "nesterov": Demo("nesterov_step", {"lr": 0.05, "momentum": 0.9}),
    "adagrad": Demo("adagrad_step", {"lr": 0.5, "eps": 1e-8}),
    "rmsprop": Demo("rmsprop_step", {"lr": 0.3, "alpha": 0.9, "eps": 1e-8}),
    "adam": Demo("adam_step", {"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
}


def gradient(surface: Surface, point: torch.Tensor) -> torch.Tensor:
    """The exact gradient of ``surface.f`` at ``point`` (a float64 tensor of shape ``(2,)``)."""
    with torch.enable_grad():
        point = point.detach().clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(surface.f(point), point)
    return grad


def formula_gradient(surface: Surface, point: torch.Tensor) -> torch.Tensor:
    """The gradient from ``surface.formula`` where it has one (a tenth of autograd's cost: the
    report pictures walk every submission's paths), else ``gradient``."""
    if surface.formula is None:
        return gradient(surface, point)
    return torch.tensor(surface.formula(float(point[0]), float(point[1])), dtype=torch.float64)


def path(
    step_fn: Callable[..., object],
    hyper: dict[str, float],
    surface: Surface,
    steps: int | None = None,
    noise_seed: int | None = None,
    slope: Callable[[Surface, torch.Tensor], torch.Tensor] = gradient,
) -> list[Point]:
    """The points a step function visits on ``surface``, from its start.

    Args:
        step_fn: a step function with the contract's signature ``(param, grad, state, **hyper)``.
        hyper: its keyword arguments.
        surface: where to run it.
        steps: how many steps (default ``surface.steps``).
        noise_seed: when given, Gaussian noise of standard deviation ``surface.noise`` is added
            to every gradient, from this seed (a stochastic gradient).
        slope: how the gradient is computed (``gradient``, or ``formula_gradient``).

    Returns:
        The start point followed by every iterate, as ``(x, y)`` floats; the path stops early at
        the first point that is not finite.
    """
    rng = random.Random(noise_seed)
    param = torch.tensor(surface.start, dtype=torch.float64)
    points = [surface.start]
    state: dict = {}
    for _ in range(surface.steps if steps is None else steps):
        grad = slope(surface, param)
        if noise_seed is not None:
            noise = [surface.noise * rng.gauss(0.0, 1.0) for _ in range(2)]
            grad = grad + torch.tensor(noise, dtype=torch.float64)
        with torch.no_grad():
            step_fn(param, grad, state, **hyper)
        points.append((float(param[0]), float(param[1])))
        if not _finite(points[-1]):
            return points[:-1]
    return points


def descent_path(
    gradient_descent: Callable[..., torch.Tensor],
    lr: float,
    surface: Surface,
    steps: int | None = None,
) -> list[Point]:
    """The points the contract's ``gradient_descent(f, x0, lr=, steps=)`` visits on ``surface``,
    up to the first that is not finite."""
    x0 = torch.tensor(surface.start, dtype=torch.float64)
    steps = surface.steps if steps is None else steps
    iterates = gradient_descent(surface.f, x0, lr=lr, steps=steps)
    rows = iterates.detach().to(torch.float64).reshape(-1, 2).tolist()
    points = []
    for x, y in rows:
        if not _finite((x, y)):
            break
        points.append((x, y))
    return points


def demo_path(
    algorithm: str, function: Callable[..., Any], surface: Surface, slope=gradient
) -> list[Point]:
    """The path of ``function``, an implementation of ``algorithm``, run as in ``DEMOS``."""
    demo = DEMOS[algorithm]
    if algorithm == "gradient_descent":
        return descent_path(function, demo.hyper["lr"], surface)
    return path(function, demo.hyper, surface, noise_seed=demo.noise_seed, slope=slope)


def _finite(point: Point) -> bool:
    return all(math.isfinite(value) for value in point)
