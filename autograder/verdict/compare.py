r"""Compare the student's observations with the reference's, within tolerances that follow from
the dtype and the number of steps.

Step functions are compared *update by update*: for every step :math:`t`, parameter and element,

.. math::
    |\Delta^{\text{student}}_t - \Delta^{\text{ref}}_t| \le
        c_{\text{acc}}\, t\, \varepsilon\, \max_{s \le t} |\Delta^{\text{ref}}_s|
        + c_{\text{store}}\, \varepsilon\, (|\theta_t| + |\theta_{t-1}|)

where :math:`\Delta_t = \theta_t - \theta_{t-1}` and :math:`\varepsilon` is the machine epsilon of
the dtype. The first term bounds rounding in the state (a buffer rounded once per step, so the
error grows at most linearly in :math:`t`, relative to the size of the updates seen so far); the
second bounds rounding when the new value is stored in ``param`` (out-of-place arithmetic copied
back). Comparing updates rather than values means a mistake that changes only tiny updates
(``eps`` placement with tiny gradients) is as visible as one that changes large ones, whatever the
size of the parameter.

Adam's bias corrections :math:`1 - \beta^t` are scalars recomputed at every step, not state: an
implementation that keeps its step counter as a tensor — as ``torch.optim.Adam`` itself does, in
float32 — computes ``beta ** t`` in float32 (PyTorch promotes a Python float to the default dtype
against an integer tensor), whatever the parameter's dtype. That rounds :math:`\beta` and
:math:`\beta^t`, an error that :math:`1 - \beta^t` amplifies when :math:`\beta` is near 1.
``bias_correction_allowance`` adds that, relative to the update itself (see its docstring). The
catalogued Adam mistakes that hide inside it (``eps`` moved by a factor :math:`\sqrt{1-\beta_2^t}`)
still show, by orders of magnitude, in the eps-dominated and tiny-gradient cases.
"""

from __future__ import annotations

import array
import itertools
import math
from dataclasses import dataclass

import torch

# The dtypes a case may ask for, by the name the case gives.
DTYPES = {"float32": torch.float32, "float64": torch.float64}

# Rounding allowances: per step in the state, and for storing the new value (module docstring).
C_ACCUMULATE = 16.0
C_STORE = 4.0


@dataclass(frozen=True)
class Mismatch:
    """Where a trajectory first leaves the reference: step, parameter, element, values."""

    step: int
    param: int
    index: tuple[int, ...]
    expected: float
    got: float
    allowed: float
    mismatched: int
    total: int
    quantity: str = "update"

    def describe(self) -> str:
        """Where and by how much, in one sentence."""
        where = f"step {self.step}, parameter {self.param}"
        if self.index:
            where += f", index {self.index}"
        return (
            f"At {where}: expected {self.quantity} {self.expected:.10g}, got {self.got:.10g} "
            f"(difference {abs(self.got - self.expected):.3g}, up to {self.allowed:.3g} allowed); "
            f"{self.mismatched} of {self.total} elements differ at that step."
        )


def _unravel(flat_index: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    index = []
    for size in reversed(shape):
        index.append(flat_index % size)
        flat_index //= size
    return tuple(reversed(index))


def first_update_mismatch(
    got: list[list[list[float]]],
    want: list[list[list[float]]],
    dtype: str,
    shapes: tuple[tuple[int, ...], ...],
    relative: torch.Tensor | None = None,
) -> Mismatch | None:
    """The first (step, parameter) in call order at which the updates differ, or ``None``.

    ``got`` may be shorter than ``want`` (the student's code stopped early): only the steps both
    have are compared. ``relative[t - 1]``, when given, is a further allowance at step ``t``
    relative to the reference's update itself (``bias_correction_allowance``).
    """
    eps = torch.finfo(DTYPES[dtype]).eps
    steps = min(len(got), len(want)) - 1
    try:
        return _joint_mismatch(got, want, eps, steps, shapes, relative)
    except _Uneven:
        pass  # parameters of other sizes, or not lists of numbers: one parameter at a time
    first: Mismatch | None = None
    for param, shape in enumerate(shapes):
        try:
            want_p = torch.tensor([row[param] for row in want[: steps + 1]], dtype=torch.float64)
            got_p = torch.tensor([row[param] for row in got[: steps + 1]], dtype=torch.float64)
        except (ValueError, TypeError, IndexError):  # a parameter that changed size: not compared
            continue  # (the side condition ``shape_changed`` says so)
        if want_p.shape != got_p.shape or steps < 1:
            continue
        want_delta, got_delta, allowed, diff, bad = _judged_updates(got_p, want_p, eps, relative)
        if not bad.any():
            continue
        step = int(bad.any(dim=1).nonzero()[0])
        if first is not None and (first.step - 1, first.param) < (step, param):
            continue
        row_diff = torch.where(bad[step], diff[step].nan_to_num(float("inf")), 0.0)
        element = int(row_diff.argmax())
        first = Mismatch(
            step=step + 1,
            param=param,
            index=_unravel(element, shape),
            expected=float(want_delta[step, element]),
            got=float(got_delta[step, element]),
            allowed=float(allowed[step, element]),
            mismatched=int(bad[step].sum()),
            total=int(bad[step].numel()),
        )
    return first


def _judged_updates(got: torch.Tensor, want: torch.Tensor, eps: float, relative):
    """The module docstring's bound, element by element, for values of shape (steps + 1, n):
    the reference's and the student's updates, what is allowed, the difference, and where it is
    exceeded (NaN counts as exceeded)."""
    steps = want.shape[0] - 1
    want_delta = want[1:] - want[:-1]
    got_delta = got[1:] - got[:-1]
    scale = want_delta.abs().cummax(dim=0).values
    t = torch.arange(1, steps + 1, dtype=torch.float64).unsqueeze(1)
    allowed = C_ACCUMULATE * t * eps * scale + C_STORE * eps * (want[1:].abs() + want[:-1].abs())
    if relative is not None:
        allowed = allowed + relative[:steps].unsqueeze(1) * want_delta.abs()
    diff = (got_delta - want_delta).abs()
    return want_delta, got_delta, allowed, diff, ~(diff <= allowed)


class _Uneven(Exception):
    """The trajectories are not one matrix of numbers (a row of other sizes, something else)."""


def _joint_mismatch(got, want, eps: float, steps: int, shapes, relative) -> Mismatch | None:
    """``first_update_mismatch`` for the usual case, every parameter at once: every row of both
    trajectories holds one list of numbers per shape, of its size. The same element-wise
    arithmetic on the parameters side by side (columns), hence the same answer, in a few tensor
    operations instead of a few per parameter. Raises ``_Uneven`` in any other case."""
    sizes = [math.prod(shape) for shape in shapes]
    try:
        if steps < 1 or any(
            list(map(len, row)) != sizes
            for row in itertools.chain(got[: steps + 1], want[: steps + 1])
        ):
            raise _Uneven
        want_all = _matrix(want[: steps + 1], sum(sizes))
        got_all = _matrix(got[: steps + 1], sum(sizes))
    except _Uneven:
        raise
    except Exception as error:
        raise _Uneven from error
    want_delta, got_delta, allowed, diff, bad = _judged_updates(got_all, want_all, eps, relative)
    if not bad.any():
        return None
    step = int(bad.any(dim=1).nonzero()[0])
    start = 0
    for param, (shape, size) in enumerate(zip(shapes, sizes)):
        columns = slice(start, start + size)
        start += size
        bad_here = bad[step, columns]
        if not bad_here.any():
            continue
        row_diff = torch.where(bad_here, diff[step, columns].nan_to_num(float("inf")), 0.0)
        element = int(row_diff.argmax())
        return Mismatch(
            step=step + 1,
            param=param,
            index=_unravel(element, shape),
            expected=float(want_delta[step, columns][element]),
            got=float(got_delta[step, columns][element]),
            allowed=float(allowed[step, columns][element]),
            mismatched=int(bad_here.sum()),
            total=int(bad_here.numel()),
        )
    raise _Uneven  # not reached: a bad element lies in some parameter's columns


def _matrix(rows: list, width: int) -> torch.Tensor:
    """Rows of per-parameter lists of numbers as one float64 matrix, the parameters side by
    side (``array`` converts the numbers as ``torch.tensor`` does, and refuses anything else)."""
    values = array.array("d", itertools.chain.from_iterable(itertools.chain.from_iterable(rows)))
    if not values:
        return torch.zeros(len(rows), width, dtype=torch.float64)
    return torch.frombuffer(values, dtype=torch.float64).reshape(len(rows), width)


def bias_correction_allowance(hyper: dict, steps: int, dtype: str) -> torch.Tensor | None:
    r"""The relative error of an update whose bias corrections are computed in the dtype.

    With :math:`\beta` rounded (relative error :math:`\le \varepsilon/2`, raised to the power
    :math:`t`), :math:`\beta^t` and :math:`1 - \beta^t` each rounded once,

    .. math::
        \kappa_t(\beta) = \varepsilon \left(1 + \frac{(t + 1)\, \beta^t}{1 - \beta^t}\right)

    bounds the relative error of :math:`1 - \beta^t`. Adam's update is proportional to
    :math:`\sqrt{1 - \beta_2^t} / (1 - \beta_1^t)` (exactly when eps is negligible, less
    sensitive otherwise), so it may differ by :math:`\kappa_t(\beta_1) + \frac12
    \kappa_t(\beta_2)` of itself. :math:`\varepsilon` is float32's at least: a step counter held
    as a tensor, torch's own style, makes the corrections float32 even for float64 parameters.
    ``None`` when ``hyper`` has no ``beta1`` and ``beta2``.
    """
    if "beta1" not in hyper or "beta2" not in hyper:
        return None
    eps = max(torch.finfo(DTYPES[dtype]).eps, torch.finfo(torch.float32).eps)
    t = torch.arange(1, steps + 1, dtype=torch.float64)

    def kappa(beta: float) -> torch.Tensor:
        power = torch.tensor(float(beta), dtype=torch.float64) ** t
        return eps * (1 + (t + 1) * power / (1 - power))

    return kappa(hyper["beta1"]) + 0.5 * kappa(hyper["beta2"])


def updates_match(got, want, dtype, shapes) -> bool:
    """Whether two complete trajectories match update by update (used to name mistakes)."""
    return len(got) == len(want) and first_update_mismatch(got, want, dtype, shapes) is None
