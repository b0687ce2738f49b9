"""Stochastic gradient descent."""

import torch


def sgd_step(param: torch.Tensor, grad: torch.Tensor, state: dict, *, lr: float) -> None:
    r"""One step of stochastic gradient descent, in place.

    .. math::
        \theta_t \leftarrow \theta_{t-1} - \gamma\, g_t

    Args:
        param: the parameter :math:`\theta`, updated in place.
        grad: the gradient :math:`g_t` of the loss at ``param``; not modified.
        state: this parameter's state; plain SGD keeps none.
        lr: the learning rate :math:`\gamma`.
    """
    param.add_(grad, alpha=-lr)
