"""Stochastic gradient descent with (heavy-ball) momentum."""

import torch


def momentum_step(
    param: torch.Tensor, grad: torch.Tensor, state: dict, *, lr: float, momentum: float
) -> None:
    r"""One step of SGD with momentum, in place, as ``torch.optim.SGD(momentum=μ)``.

    .. math::
        b_t &\leftarrow \mu\, b_{t-1} + g_t \qquad (b_1 = g_1) \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma\, b_t

    .. note::
        Textbooks write momentum as a velocity, :math:`v_t = \mu v_{t-1} - \gamma g_t`,
        :math:`\theta_t = \theta_{t-1} + v_t`. With a constant learning rate
        :math:`v_t = -\gamma b_t`, so both forms give the same trajectory. The momentum buffer
        starts at the first gradient, not at zero.

    Args:
        param: the parameter :math:`\theta`, updated in place.
        grad: the gradient :math:`g_t` of the loss at ``param``; not modified.
        state: this parameter's state: ``momentum_buffer`` holds :math:`b_t`.
        lr: the learning rate :math:`\gamma`.
        momentum: the momentum factor :math:`\mu`.
    """
    # Running sum of past gradients, decayed by mu at every step
    buffer = state.get("momentum_buffer")
    if buffer is None:
        buffer = state["momentum_buffer"] = grad.clone()
    else:
        buffer.mul_(momentum).add_(grad)
    param.add_(buffer, alpha=-lr)
