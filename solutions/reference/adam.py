"""Adam: momentum and RMSProp, with bias correction."""

import torch


def adam_step(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: dict,
    *,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> None:
    r"""One step of Adam, in place, as ``torch.optim.Adam``.

    .. math::
        t &\leftarrow t + 1 \\
        m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1)\, g_t \qquad (m_0 = 0) \\
        v_t &\leftarrow \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2 \qquad (v_0 = 0) \\
        \hat m_t &= m_t / (1 - \beta_1^t), \qquad \hat v_t = v_t / (1 - \beta_2^t) \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    .. note::
        :math:`m` and :math:`v` start at zero, so early on they are biased towards zero; dividing
        by :math:`1 - \beta^t` removes that bias. The step count :math:`t` starts at 1 on the first
        call. Kingma and Ba fold the corrections into the step size,
        :math:`\gamma_t = \gamma \sqrt{1 - \beta_2^t} / (1 - \beta_1^t)`, which moves
        :math:`\epsilon` slightly; ``torch.optim.Adam`` uses the form above.

    Args:
        param: the parameter :math:`\theta`, updated in place.
        grad: the gradient :math:`g_t` of the loss at ``param``; not modified.
        state: this parameter's state: ``step`` (:math:`t`), ``exp_avg`` (:math:`m_t`) and
            ``exp_avg_sq`` (:math:`v_t`).
        lr: the learning rate :math:`\gamma`.
        beta1: the decay rate :math:`\beta_1` of the first moment.
        beta2: the decay rate :math:`\beta_2` of the second moment.
        eps: the term :math:`\epsilon` added to the denominator for numerical stability.
    """
    if not state:
        state["step"] = 0
        state["exp_avg"] = torch.zeros_like(grad)
        state["exp_avg_sq"] = torch.zeros_like(grad)
    state["step"] += 1
    step, exp_avg, exp_avg_sq = state["step"], state["exp_avg"], state["exp_avg_sq"]
    # Exponential moving averages of the gradient and of its square
    exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    # Bias corrections: both averages started at zero
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    denom = (exp_avg_sq / bias_correction2).sqrt_().add_(eps)
    param.addcdiv_(exp_avg, denom, value=-lr / bias_correction1)
