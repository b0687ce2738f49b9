"""Stochastic gradient descent with Nesterov momentum."""

import torch


def nesterov_step(
    param: torch.Tensor, grad: torch.Tensor, state: dict, *, lr: float, momentum: float
) -> None:
    r"""One step of SGD with Nesterov momentum, in place, as ``torch.optim.SGD(nesterov=True)``.

    .. math::
        b_t &\leftarrow \mu\, b_{t-1} + g_t \qquad (b_1 = g_1) \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma\, (g_t + \mu\, b_t)

    .. note::
        Goodfellow et al. (Algorithm 8.3) evaluate the gradient at a look-ahead point,
        :math:`\tilde\theta = \theta + \mu v`, and step :math:`v \leftarrow \mu v - \gamma
        \nabla f(\tilde\theta)`. Rewriting in terms of the look-ahead point itself gives the form
        above, which needs only the gradient at the current parameter: it is the form every
        deep-learning library uses. Plain momentum steps by :math:`b_t` alone; Nesterov adds the
        current gradient once more, a correction that damps oscillations.

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
    # Look-ahead direction: the current gradient plus the decayed buffer
    param.add_(grad.add(buffer, alpha=momentum), alpha=-lr)
