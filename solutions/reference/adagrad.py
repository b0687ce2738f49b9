"""AdaGrad: per-coordinate learning rates from the sum of squared gradients."""

import torch


def adagrad_step(
    param: torch.Tensor, grad: torch.Tensor, state: dict, *, lr: float, eps: float
) -> None:
    r"""One step of AdaGrad, in place, as ``torch.optim.Adagrad``.

    .. math::
        G_t &\leftarrow G_{t-1} + g_t^2 \qquad (G_0 = 0) \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma\, \frac{g_t}{\sqrt{G_t} + \epsilon}

    .. note::
        Some courses put :math:`\epsilon` inside the square root, :math:`\sqrt{G_t + \epsilon}`.
        That is a different algorithm whenever gradients are small: ``torch.optim`` adds it
        outside, and so do we. Because :math:`G_t` only grows, every coordinate's step size only
        shrinks — the weakness RMSProp fixes.

    Args:
        param: the parameter :math:`\theta`, updated in place.
        grad: the gradient :math:`g_t` of the loss at ``param``; not modified.
        state: this parameter's state: ``sum`` holds :math:`G_t`.
        lr: the learning rate :math:`\gamma`.
        eps: the term :math:`\epsilon` added to the denominator for numerical stability.
    """
    # Sum of squared gradients over all steps so far
    sum_sq = state.get("sum")
    if sum_sq is None:
        sum_sq = state["sum"] = torch.zeros_like(grad)
    sum_sq.addcmul_(grad, grad)
    param.addcdiv_(grad, sum_sq.sqrt().add_(eps), value=-lr)
