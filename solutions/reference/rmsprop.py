"""RMSProp: per-coordinate learning rates from a moving average of squared gradients."""

import torch


def rmsprop_step(
    param: torch.Tensor, grad: torch.Tensor, state: dict, *, lr: float, alpha: float, eps: float
) -> None:
    r"""One step of RMSProp, in place, as ``torch.optim.RMSprop``.

    .. math::
        v_t &\leftarrow \alpha\, v_{t-1} + (1 - \alpha)\, g_t^2 \qquad (v_0 = 0) \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma\, \frac{g_t}{\sqrt{v_t} + \epsilon}

    .. note::
        AdaGrad's sum :math:`G_t` only grows, so its step sizes only shrink. RMSProp forgets old
        gradients at rate :math:`\alpha`, so a coordinate whose gradients become small recovers a
        large step. As in AdaGrad, :math:`\epsilon` is added outside the square root.

    Args:
        param: the parameter :math:`\theta`, updated in place.
        grad: the gradient :math:`g_t` of the loss at ``param``; not modified.
        state: this parameter's state: ``square_avg`` holds :math:`v_t`.
        lr: the learning rate :math:`\gamma`.
        alpha: the smoothing constant :math:`\alpha` of the moving average.
        eps: the term :math:`\epsilon` added to the denominator for numerical stability.
    """
    # Exponential moving average of squared gradient values
    square_avg = state.get("square_avg")
    if square_avg is None:
        square_avg = state["square_avg"] = torch.zeros_like(grad)
    square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
    param.addcdiv_(grad, square_avg.sqrt().add_(eps), value=-lr)
