r"""Building blocks of the mistake catalogue (``solutions/mistakes.py``): wrong implementations
made from the reference without copying it.

* Combinators wrap a reference step function and break the contract around a correct formula
  (``fresh_state``, ``shared_state``, ``on_copy``, ``returns_copy``, ``modifies_grad``), or change
  what it is called with (``with_kwargs``).
* Families switch one part of the formula by a flag (``momentum_like``, ``adaptive_like``,
  ``adam_like``). With no flag set each family IS the reference (``tests/test_mistakes.py``
  proves it), so ``with_kwargs(adam_like, correct_m=False)`` is exactly "the reference with this one
  thing wrong".
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from .reference import adagrad_step, adam_step, momentum_step, nesterov_step, rmsprop_step, sgd_step

# --- Combinators: the contract done wrong around a correct formula --------------------------------

DROP = object()  # with_kwargs: leave this hyperparameter out


def with_kwargs(step: Callable, **changes) -> Callable:
    """``step`` called with some hyperparameters changed: to a value, to a function of all the
    caller's hyperparameters, or left out (``DROP``)."""

    def variant(param, grad, state, **hyper):
        new = dict(hyper)
        for key, change in changes.items():
            if change is DROP:
                new.pop(key, None)
            else:
                new[key] = change(hyper) if callable(change) else change
        return step(param, grad, state, **new)

    return variant


def fresh_state(step: Callable) -> Callable:
    """``step`` with a new, empty state at every call: the state is not kept across calls."""
    return lambda param, grad, state, **hyper: step(param, grad, {}, **hyper)


def shared_state(step: Callable) -> Callable:
    """``step`` with one module-level state for every parameter, ignoring the ``state`` given.

    So that the variant behaves the same whatever ran before, the shared state starts afresh with
    every trajectory: when an empty ``state`` follows a call whose ``state`` was not empty (a new
    trajectory began), and after an exception (the runner ends the trajectory there).
    """
    shared: dict = {}
    last_was_empty = [True]

    def variant(param, grad, state, **hyper):
        if not state and not last_was_empty[0]:
            shared.clear()
        last_was_empty[0] = not state
        state["calls"] = state.get("calls", 0) + 1  # the caller's dict, marked but not used
        try:
            return step(param, grad, shared, **hyper)
        except Exception:
            shared.clear()
            raise

    return variant


def on_copy(step: Callable) -> Callable:
    """``param = param - ...``: the update lands on a new tensor; the caller's is unchanged."""
    return lambda param, grad, state, **hyper: step(param.clone(), grad, state, **hyper)


def returns_copy(step: Callable) -> Callable:
    """``return param - ...``: the new value is returned instead of written into ``param``."""

    def variant(param, grad, state, **hyper):
        new = param.clone()
        step(new, grad, state, **hyper)
        return new

    return variant


def modifies_grad(step: Callable) -> Callable:
    """A correct update that scales ``grad`` in place on the way (``grad.mul_(lr)``)."""

    def variant(param, grad, state, **hyper):
        step(param, grad, state, **hyper)
        grad.mul_(hyper["lr"])

    return variant


# --- Families: the formula with one part switched -------------------------------------------------


def momentum_like(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: dict,
    *,
    lr: float,
    momentum: float,
    nesterov: bool = False,
    dampening: float = 0.0,
    zero_start: bool = False,
) -> None:
    r"""Momentum, Nesterov when ``nesterov``; the flags make the mistakes.

    .. math::
        b_t \leftarrow \mu b_{t-1} + (1 - \delta) g_t \quad (b_1 = g_1,\ \text{or } b_0 = 0
        \text{ when } \texttt{zero\_start}); \qquad
        \theta_t \leftarrow \theta_{t-1} - \gamma \cdot
        \begin{cases} g_t + \mu b_t & \text{Nesterov} \\ b_t & \text{otherwise} \end{cases}

    .. note::
        Nesterov with the buffer of the previous step, :math:`g_t + \mu b_{t-1}`, is exactly
        :math:`b_t`: plain momentum, so it needs no flag of its own.
    """
    buffer = state.get("momentum_buffer")
    if buffer is None and not zero_start:
        buffer = state["momentum_buffer"] = grad.clone()
    else:
        if buffer is None:
            buffer = state["momentum_buffer"] = torch.zeros_like(grad)
        buffer.mul_(momentum).add_(grad, alpha=1 - dampening)
    direction = grad.add(buffer, alpha=momentum) if nesterov else buffer
    param.add_(direction, alpha=-lr)


def _zeros(grad: torch.Tensor, float32_state: bool) -> torch.Tensor:
    """A state buffer: ``zeros_like(grad)``, or ``torch.zeros(shape)`` (float32) by mistake."""
    return torch.zeros(grad.shape) if float32_state else torch.zeros_like(grad)


def _denominator(
    average: torch.Tensor, eps: float, *, eps_inside: bool, root: bool
) -> torch.Tensor:
    r""":math:`\sqrt{v} + \epsilon`, or :math:`\sqrt{v + \epsilon}`, or :math:`v + \epsilon`."""
    if not root:
        return average + eps
    return (average + eps).sqrt() if eps_inside else average.sqrt() + eps


def adaptive_like(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: dict,
    *,
    lr: float,
    eps: float,
    alpha: float | None = None,
    one_minus_alpha: bool = True,
    square: bool = True,
    root: bool = True,
    eps_inside: bool = False,
    float32_state: bool = False,
) -> None:
    r"""AdaGrad when ``alpha`` is None, RMSProp otherwise; the flags make the mistakes.

    .. math::
        v_t \leftarrow \alpha v_{t-1} + w\, g_t^2 \quad (\text{AdaGrad: } \alpha = w = 1;\
        \text{RMSProp: } w = 1 - \alpha); \qquad
        \theta_t \leftarrow \theta_{t-1} - \gamma\, g_t / (\sqrt{v_t} + \epsilon)
    """
    average = state.get("square_avg")
    if average is None:
        average = state["square_avg"] = _zeros(grad, float32_state)
    decay, weight = (1.0, 1.0) if alpha is None else (alpha, 1 - alpha if one_minus_alpha else 1.0)
    average.mul_(decay).add_(grad * grad if square else grad, alpha=weight)
    param.addcdiv_(grad, _denominator(average, eps, eps_inside=eps_inside, root=root), value=-lr)


def adam_like(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: dict,
    *,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    correct_m: bool = True,
    correct_v: bool = True,
    first_step: int = 1,
    folded: bool = False,
    square: bool = True,
    root: bool = True,
    eps_inside: bool = False,
    float32_state: bool = False,
    stuck_step: bool = False,
) -> None:
    r"""Adam; the flags make the mistakes.

    .. math::
        m_t \leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t, \quad
        v_t \leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \quad
        \theta_t \leftarrow \theta_{t-1} - \gamma\, \frac{m_t / (1 - \beta_1^t)}
        {\sqrt{v_t / (1 - \beta_2^t)} + \epsilon}

    with :math:`t` counting calls from ``first_step`` (``stuck_step``: staying there). ``folded``
    is Kingma and Ba's "efficient" form, :math:`\theta_t \leftarrow \theta_{t-1} - \gamma
    \sqrt{1 - \beta_2^t} / (1 - \beta_1^t) \cdot m_t / (\sqrt{v_t} + \epsilon)`,
    which moves :math:`\epsilon`.
    """
    if not state:
        zeros = _zeros(grad, float32_state)
        state.update(step=first_step - 1, exp_avg=zeros, exp_avg_sq=zeros.clone())
    if not (stuck_step and state["step"] >= first_step):
        state["step"] += 1
    step, exp_avg, exp_avg_sq = state["step"], state["exp_avg"], state["exp_avg_sq"]
    exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
    exp_avg_sq.mul_(beta2).add_(grad * grad if square else grad, alpha=1 - beta2)
    correction1 = 1 - beta1**step if correct_m else 1.0
    correction2 = 1 - beta2**step if correct_v else 1.0
    if folded:
        denom = _denominator(exp_avg_sq, eps, eps_inside=eps_inside, root=root)
        param.addcdiv_(exp_avg, denom, value=-lr * math.sqrt(correction2) / correction1)
        return
    denom = _denominator(exp_avg_sq / correction2, eps, eps_inside=eps_inside, root=root)
    param.addcdiv_(exp_avg / correction1, denom, value=-lr)


STEP_REFERENCES = {
    "sgd": sgd_step,
    "momentum": momentum_step,
    "nesterov": nesterov_step,
    "adagrad": adagrad_step,
    "rmsprop": rmsprop_step,
    "adam": adam_step,
}
